#!/usr/bin/env bash
# rule: command-and-control-dns-tunneling-burst
# mitre: T1071.004, T1048.003
# Twelve TXT queries with names over 100 characters, answered by a loopback DNS responder.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
names=()
for i in $(seq 12); do
  chunk=$(head -c 30 /dev/urandom | od -An -tx1 | tr -d ' \n')
  names+=("${chunk:0:50}.${chunk:10:50}.$i.t.kestrel-sim.invalid")
done
dns_lookup --type TXT "${names[@]}"
