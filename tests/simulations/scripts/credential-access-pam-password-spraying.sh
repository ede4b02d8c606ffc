#!/usr/bin/env bash
# rule: credential-access-pam-password-spraying
# mitre: T1110.001, T1110.003
# Ten denied PAM logins for ten users from one remote address, through a pam_deny service in $SIM_DIR.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
for i in $(seq 10); do users+=("kestrel-sim-user$i"); done
"$PY" "$SIM_LIB/pam.py" --rhost 127.0.0.9 --fail 1 "${users[@]/#/--user=}"
