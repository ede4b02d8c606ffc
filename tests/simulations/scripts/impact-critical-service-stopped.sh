#!/usr/bin/env bash
# rule: impact-critical-service-stopped
# mitre: T1489
# stand-in: stopping a real service would disturb the host
# Runs a do-nothing program named systemctl stopping postgresql.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool systemctl)" stop postgresql.service
