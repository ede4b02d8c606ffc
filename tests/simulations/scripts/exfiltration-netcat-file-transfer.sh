#!/usr/bin/env bash
# rule: exfiltration-netcat-file-transfer
# mitre: T1048.003
# netcat sends a scratch file on its stdin to a loopback listener.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
echo "customer records" > loot.txt
listen
nc.traditional -q 1 127.0.0.1 "$LISTEN_PORT" < loot.txt
wait
