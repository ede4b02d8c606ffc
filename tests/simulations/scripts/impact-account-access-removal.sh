#!/usr/bin/env bash
# rule: impact-account-access-removal
# Runs a do-nothing program named passwd locking an account.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool passwd)" -l kestrel-sim-user
