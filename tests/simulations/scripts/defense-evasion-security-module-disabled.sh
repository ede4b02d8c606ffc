#!/usr/bin/env bash
# rule: defense-evasion-security-module-disabled
# mitre: T1562.001
# stand-in: setenforce 0 and aa-teardown would weaken the host SELinux or AppArmor policy
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
# Stand-ins named setenforce and aa-teardown (true through links): nothing is turned off.
"$(fake_tool setenforce)" 0
"$(fake_tool aa-teardown)"
