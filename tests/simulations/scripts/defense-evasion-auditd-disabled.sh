#!/usr/bin/env bash
# rule: defense-evasion-auditd-disabled
# mitre: T1562.001, T1562.012
# stand-in: stopping auditd or turning auditing off would disable the host audit trail
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
# Stand-ins named systemctl and auditctl (true through links): the commands, not their effect.
"$(fake_tool systemctl)" stop auditd
"$(fake_tool auditctl)" -e 0
