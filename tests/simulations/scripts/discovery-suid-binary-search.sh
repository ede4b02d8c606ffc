#!/usr/bin/env bash
# rule: discovery-suid-binary-search
# mitre: T1083
# Searches the scratch directory for setuid files.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
find "$SIM_DIR" -perm -4000 -type f > /dev/null
