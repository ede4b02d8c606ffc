#!/usr/bin/env bash
# rule: defense-evasion-kernel-log-cleared
# also: execution-binary-from-tmp-by-shell
set -euo pipefail
# A stand-in named dmesg (a copy of true): the host's kernel log is not cleared.
cp /bin/true "$SIM_DIR/dmesg"
"$SIM_DIR/dmesg" -C
