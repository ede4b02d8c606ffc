#!/usr/bin/env bash
# rule: defense-evasion-file-immutable-attribute
# mitre: T1222.002
set -euo pipefail
echo "keep" > "$SIM_DIR/locked"
chattr +i "$SIM_DIR/locked"
chattr -i "$SIM_DIR/locked"
