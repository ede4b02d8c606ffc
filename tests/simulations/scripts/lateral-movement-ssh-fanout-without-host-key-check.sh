#!/usr/bin/env bash
# rule: lateral-movement-ssh-fanout-without-host-key-check
# mitre: T1021.004
# Three ssh clients with host key checking off, each to a closed loopback port.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
ssh=$(tool ssh)
for i in 1 2 3; do
  "$ssh" -o StrictHostKeyChecking=no -o BatchMode=yes -o ConnectTimeout=3 \
    -p "$(free_port)" "root@127.0.0.$i" true 2> /dev/null || true
done
