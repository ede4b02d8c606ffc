#!/usr/bin/env bash
# rule: impact-ransomware-mass-encrypted-rename
# mitre: T1486
# One process scrambles six scratch files and renames each to .encrypted.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
mkdir -p docs && for i in 1 2 3 4 5 6; do echo "report $i" > "docs/report$i.txt"; done
"$PY" "$SIM_LIB/encrypt.py" "$SIM_DIR/docs"
