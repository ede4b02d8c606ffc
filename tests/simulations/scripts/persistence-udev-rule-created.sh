#!/usr/bin/env bash
# rule: persistence-udev-rule-created
set -euo pipefail
# A private mount namespace with an overlay on /etc whose writes land in $SIM_DIR: the
# rule sees the real /etc paths, the host's /etc never changes.
in_private_etc() {
  mkdir -p "$SIM_DIR/etc-upper" "$SIM_DIR/etc-work"
  unshare -m bash -c 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$SIM_DIR/etc-upper,workdir=$SIM_DIR/etc-work" /etc && eval "$1"' _ "$1"
}
in_private_etc 'mkdir -p /etc/udev/rules.d && echo "ACTION==\"add\", RUN+=\"/bin/true\"" > /etc/udev/rules.d/99-kestrel-sim.rules'
