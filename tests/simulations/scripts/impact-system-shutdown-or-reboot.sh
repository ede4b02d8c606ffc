#!/usr/bin/env bash
# rule: impact-system-shutdown-or-reboot
# mitre: T1529
# stand-in: shutdown would power the machine off
# Runs a do-nothing program named shutdown with -h now.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool shutdown)" -h now
