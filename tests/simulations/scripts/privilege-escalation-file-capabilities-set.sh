#!/usr/bin/env bash
# rule: privilege-escalation-file-capabilities-set
# mitre: T1548
set -euo pipefail
cp /bin/true "$SIM_DIR/capped"
setcap cap_net_bind_service+ep "$SIM_DIR/capped"
