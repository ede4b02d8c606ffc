#!/usr/bin/env bash
# rule: defense-evasion-auditd-disabled
# also: execution-binary-from-tmp-by-shell
set -euo pipefail
# Stand-ins named systemctl and auditctl (copies of true): the commands, not their effect.
mkdir -p "$SIM_DIR/bin"
cp /bin/true "$SIM_DIR/bin/systemctl"
cp /bin/true "$SIM_DIR/bin/auditctl"
"$SIM_DIR/bin/systemctl" stop auditd
"$SIM_DIR/bin/auditctl" -e 0
