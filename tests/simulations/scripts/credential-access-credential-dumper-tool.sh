#!/usr/bin/env bash
# rule: credential-access-credential-dumper-tool
# mitre: T1003, T1555
# stand-in: mimipenguin reads the memory of other processes for passwords; it is not run on a shared machine
# Runs a do-nothing program named mimipenguin.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool mimipenguin)"
