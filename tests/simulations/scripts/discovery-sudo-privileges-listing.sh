#!/usr/bin/env bash
# rule: discovery-sudo-privileges-listing
# Runs a do-nothing program named sudo with -l.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool sudo)" -l
