#!/usr/bin/env bash
# rule: credential-access-pam-brute-force-then-success
# mitre: T1110.001
# Five PAM logins denied, then one permitted, for one user, through PAM services in $SIM_DIR (pam_deny / pam_permit).
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$PY" "$SIM_LIB/pam.py" --user kestrel-sim-victim --fail 5 --succeed 1
