#!/usr/bin/env bash
# rule: defense-evasion-security-module-disabled
# also: execution-binary-from-tmp-by-shell
set -euo pipefail
# Stand-ins named setenforce and aa-teardown (copies of true): nothing is turned off.
mkdir -p "$SIM_DIR/bin"
cp /bin/true "$SIM_DIR/bin/setenforce"
cp /bin/true "$SIM_DIR/bin/aa-teardown"
"$SIM_DIR/bin/setenforce" 0
"$SIM_DIR/bin/aa-teardown"
