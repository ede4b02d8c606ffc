#!/usr/bin/env bash
# rule: impact-encrypt-then-ransom-note
# also: impact-ransom-note-created
# mitre: T1486
# One process scrambles two scratch files, renames them to .encrypted, then writes a ransom note.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
mkdir -p docs && for i in 1 2; do echo "report $i" > "docs/report$i.txt"; done
"$PY" "$SIM_LIB/encrypt.py" --note HOW_TO_DECRYPT_FILES.txt "$SIM_DIR/docs"
