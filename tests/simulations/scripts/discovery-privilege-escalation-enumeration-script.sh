#!/usr/bin/env bash
# rule: discovery-privilege-escalation-enumeration-script
# mitre: T1082, T1083
# Runs a harmless script named linpeas.sh with bash.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
printf "#!/bin/sh\necho enumerating\n" > "$SIM_DIR/linpeas.sh"
bash "$SIM_DIR/linpeas.sh" > /dev/null
