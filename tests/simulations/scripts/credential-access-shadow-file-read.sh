#!/usr/bin/env bash
# rule: credential-access-shadow-file-read
# mitre: T1003.008
# Reads the password hash file (nothing is written or kept).
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
cat /etc/shadow > /dev/null
