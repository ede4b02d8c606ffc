#!/usr/bin/env bash
# rule: privilege-escalation-setuid-bit-set
# mitre: T1548.001
set -euo pipefail
cp /bin/true "$SIM_DIR/rootshell"
chmod 4755 "$SIM_DIR/rootshell"
