#!/usr/bin/env bash
# rule: persistence-cron-script-written-then-run
# mitre: T1053.003
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
source "$(dirname "$0")/../lib/private_etc.sh"
# A script planted in /etc/cron.daily (in a private overlay of /etc), then run by a process
# named run-parts (bash run through a link of that name) as cron's daily run would.
ln -s "$(command -v bash)" "$SIM_DIR/run-parts"
# shellcheck disable=SC2016
in_private_etc 'mkdir -p /etc/cron.daily &&
  printf "#!/bin/sh\ntrue\n" > /etc/cron.daily/kestrel-sim &&
  chmod 0755 /etc/cron.daily/kestrel-sim &&
  "$SIM_DIR/run-parts" -c "/etc/cron.daily/kestrel-sim; true"'
