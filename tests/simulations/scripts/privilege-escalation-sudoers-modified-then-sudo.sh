#!/usr/bin/env bash
# rule: privilege-escalation-sudoers-modified-then-sudo
# also: execution-binary-from-tmp-by-shell
set -euo pipefail
# A private mount namespace with an overlay on /etc whose writes land in $SIM_DIR: the
# rule sees the real /etc paths, the host's /etc never changes.
in_private_etc() {
  mkdir -p "$SIM_DIR/etc-upper" "$SIM_DIR/etc-work"
  unshare -m bash -c 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$SIM_DIR/etc-upper,workdir=$SIM_DIR/etc-work" /etc && eval "$1"' _ "$1"
}
mkdir -p "$SIM_DIR/bin"
cp /bin/true "$SIM_DIR/bin/sudo"
in_private_etc 'mkdir -p /etc/sudoers.d && echo "nobody ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/kestrel-sim'
"$SIM_DIR/bin/sudo" -n true
