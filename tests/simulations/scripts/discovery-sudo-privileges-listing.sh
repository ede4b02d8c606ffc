#!/usr/bin/env bash
# rule: discovery-sudo-privileges-listing
# mitre: T1069.001, T1033
# sudo lists the caller's privileges (read-only).
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
sudo -n -l > /dev/null
