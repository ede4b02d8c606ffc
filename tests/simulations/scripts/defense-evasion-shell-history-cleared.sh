#!/usr/bin/env bash
# rule: defense-evasion-shell-history-cleared
# mitre: T1070.003
set -euo pipefail
mkdir -p "$SIM_DIR/home"
printf 'ls\nwhoami\n' > "$SIM_DIR/home/.bash_history"
truncate -s 0 "$SIM_DIR/home/.bash_history"
rm -f "$SIM_DIR/home/.bash_history"
