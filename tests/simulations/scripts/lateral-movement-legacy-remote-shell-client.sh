#!/usr/bin/env bash
# rule: lateral-movement-legacy-remote-shell-client
# Runs a do-nothing program named telnet against loopback.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool telnet)" 127.0.0.1 23
