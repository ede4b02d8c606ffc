#!/usr/bin/env bash
# rule: command-and-control-ssh-port-forwarding
# mitre: T1572, T1090.001
# ssh with a remote forward (-R) to a closed loopback port.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(tool ssh)" -o BatchMode=yes -o ConnectTimeout=3 -N -R 9000:127.0.0.1:22 \
  -p "$(free_port)" root@127.0.0.1 2> /dev/null || true
