#!/usr/bin/env bash
# rule: discovery-network-scanner-tool
# Runs a do-nothing program named nmap against loopback.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool nmap)" -sT -p 1-1024 127.0.0.1
