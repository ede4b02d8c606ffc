#!/usr/bin/env bash
# rule: credential-access-credential-dumper-tool
# Runs a do-nothing program named mimipenguin.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool mimipenguin)"
