#!/usr/bin/env bash
# rule: defense-evasion-kernel-log-cleared
# mitre: T1070.002
# The real dmesg -C, run inside a new user namespace: there it has no CAP_SYSLOG over the
# host, so the kernel refuses to clear the log (EPERM) and the host's log is untouched.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
if unshare -U "$(tool dmesg)" -C 2>/dev/null; then
  echo "dmesg -C succeeded in a user namespace: refusing to go on" >&2
  exit 1
fi
