#!/usr/bin/env bash
# rule: impact-critical-service-stopped
# Runs a do-nothing program named systemctl stopping postgresql.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool systemctl)" stop postgresql.service
