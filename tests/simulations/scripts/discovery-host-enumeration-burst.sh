#!/usr/bin/env bash
# rule: discovery-host-enumeration-burst
# whoami, uname, ip and getent in a row, as an intruder's first look around.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
whoami > /dev/null
uname -a > /dev/null
if command -v ip > /dev/null; then ip addr > /dev/null; else "$(fake_tool ifconfig)"; fi
getent passwd root > /dev/null
