#!/usr/bin/env bash
# rule: impact-ransom-note-created
# mitre: T1486, T1491.001
# Writes a ransom note into the scratch directory.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
echo "Your files are encrypted." > "$SIM_DIR/HOW_TO_DECRYPT_FILES.txt"
