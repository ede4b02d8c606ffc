#!/usr/bin/env bash
# rule: discovery-cloud-identity-enumeration
# Runs a do-nothing program named aws asking for the caller identity.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool aws)" sts get-caller-identity
