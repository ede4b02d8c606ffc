#!/usr/bin/env bash
# rule: defense-evasion-auditd-disabled
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
# Stand-ins named systemctl and auditctl (true through links): the commands, not their effect.
"$(fake_tool systemctl)" stop auditd
"$(fake_tool auditctl)" -e 0
