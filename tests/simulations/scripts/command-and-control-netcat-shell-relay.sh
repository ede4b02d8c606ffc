#!/usr/bin/env bash
# rule: command-and-control-netcat-shell-relay
# Runs a do-nothing program named nc with -e /bin/sh against loopback.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool nc)" -e /bin/sh 127.0.0.1 4444
