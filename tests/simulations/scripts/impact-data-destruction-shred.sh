#!/usr/bin/env bash
# rule: impact-data-destruction-shred
# mitre: T1485, T1561.001
# Shreds and removes a scratch file.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
echo "secret" > secret.txt
shred -u -n 1 secret.txt
