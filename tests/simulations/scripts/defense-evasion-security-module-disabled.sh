#!/usr/bin/env bash
# rule: defense-evasion-security-module-disabled
# mitre: T1562.001
# The real setenforce 0, unable to change the host's policy: where SELinux is mounted it
# runs in a private mount namespace with a scratch tmpfs over /sys/fs/selinux (libselinux
# then finds no selinuxfs); elsewhere SELinux is off and setenforce only says so.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
setenforce="$(tool setenforce)"
if [ -d /sys/fs/selinux ]; then
  unshare -m sh -c 'mount -t tmpfs kestrel-sim /sys/fs/selinux && exec "$1" 0' \
    sh "$setenforce" 2>/dev/null || true
else
  "$setenforce" 0 2>/dev/null || true
fi
