#!/usr/bin/env bash
# rule: execution-binary-from-tmp-by-shell
# mitre: T1059.004, T1204.002
# A copy of /bin/true in $SIM_DIR (under /tmp) run from the script's shell.
set -euo pipefail
cp /bin/true "$SIM_DIR/payload"
chmod 0755 "$SIM_DIR/payload"
"$SIM_DIR/payload"
