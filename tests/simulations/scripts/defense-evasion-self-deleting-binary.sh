#!/usr/bin/env bash
# rule: defense-evasion-self-deleting-binary
# also: execution-binary-from-tmp-by-shell
# mitre: T1070.004
set -euo pipefail
cp "$(command -v perl)" "$SIM_DIR/implant"
"$SIM_DIR/implant" -e 'unlink $^X or die "unlink: $!\n"'
test ! -e "$SIM_DIR/implant"
