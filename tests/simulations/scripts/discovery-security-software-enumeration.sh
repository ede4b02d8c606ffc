#!/usr/bin/env bash
# rule: discovery-security-software-enumeration
# mitre: T1518.001
# Looks for a running CrowdStrike Falcon sensor.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(tool pgrep)" -f falcon-sensor > /dev/null || true
