#!/usr/bin/env bash
# rule: persistence-cron-file-written-then-run
# also: execution-binary-from-tmp-by-shell
set -euo pipefail
# A private mount namespace with an overlay on /etc whose writes land in $SIM_DIR: the
# rule sees the real /etc paths, the host's /etc never changes.
in_private_etc() {
  mkdir -p "$SIM_DIR/etc-upper" "$SIM_DIR/etc-work"
  unshare -m bash -c 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$SIM_DIR/etc-upper,workdir=$SIM_DIR/etc-work" /etc && eval "$1"' _ "$1"
}
cp "$(command -v bash)" "$SIM_DIR/cron"
in_private_etc 'echo "* * * * * root true" > /etc/cron.d/kestrel-sim'
# A job started by a process named cron.
"$SIM_DIR/cron" -c '/bin/sh -c true; true'
