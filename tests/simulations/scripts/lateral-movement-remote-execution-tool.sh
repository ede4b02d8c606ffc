#!/usr/bin/env bash
# rule: lateral-movement-remote-execution-tool
# Runs a do-nothing program named wmiexec.py against loopback.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool wmiexec.py)" "corp/admin:Passw0rd@127.0.0.1" whoami
