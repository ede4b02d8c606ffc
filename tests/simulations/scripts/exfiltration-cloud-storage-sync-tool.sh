#!/usr/bin/env bash
# rule: exfiltration-cloud-storage-sync-tool
# mitre: T1567.002
# rclone copies a scratch directory to another scratch directory (a local remote, with a
# config file of its own): the sync tool really runs, nothing leaves the machine.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
mkdir -p loot
echo "customer records" > loot/records.csv
"$(tool rclone)" --config "$SIM_DIR/rclone.conf" copy loot "$SIM_DIR/exfil" 2>/dev/null
test -f exfil/records.csv
