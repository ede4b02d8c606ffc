#!/usr/bin/env bash
# rule: lateral-movement-remote-execution-tool
# mitre: T1021.002, T1021.006, T1569.002
# stand-in: impacket is not installed on the test machines, and wmiexec.py logs on to a remote Windows host
# Runs a do-nothing program named wmiexec.py against loopback.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool wmiexec.py)" "corp/admin:Passw0rd@127.0.0.1" whoami
