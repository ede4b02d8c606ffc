# in_private_etc COMMANDS: runs COMMANDS in a private mount namespace where /etc is an
# overlay whose writes land in $SIM_DIR. Rules see the real /etc paths; the host's /etc
# never changes, and the overlay vanishes with the namespace.
# shellcheck shell=bash
in_private_etc() {
  mkdir -p "$SIM_DIR/etc-upper" "$SIM_DIR/etc-work"
  unshare -m bash -c 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$SIM_DIR/etc-upper,workdir=$SIM_DIR/etc-work" /etc && eval "$1"' _ "$1"
}
