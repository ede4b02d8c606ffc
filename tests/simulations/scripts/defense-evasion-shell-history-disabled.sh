#!/usr/bin/env bash
# rule: defense-evasion-shell-history-disabled
# also: defense-evasion-shell-history-cleared
# mitre: T1562.003, T1070.003
set -euo pipefail
mkdir -p "$SIM_DIR/home"
ln -s /dev/null "$SIM_DIR/home/.bash_history"
HISTFILE=/dev/null HISTSIZE=0 bash -c 'true; true'
