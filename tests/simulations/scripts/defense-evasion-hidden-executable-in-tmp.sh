#!/usr/bin/env bash
# rule: defense-evasion-hidden-executable-in-tmp
# also: execution-binary-from-tmp-by-shell
# mitre: T1564.001
set -euo pipefail
cp /bin/true "$SIM_DIR/.hidden"
"$SIM_DIR/.hidden"
