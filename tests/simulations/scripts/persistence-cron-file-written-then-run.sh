#!/usr/bin/env bash
# rule: persistence-cron-file-written-then-run
# mitre: T1053.003
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
source "$(dirname "$0")/../lib/private_etc.sh"
# A job started by a process named cron (bash run through a link of that name).
ln -s "$(command -v bash)" "$SIM_DIR/cron"
in_private_etc 'echo "* * * * * root true" > /etc/cron.d/kestrel-sim'
"$SIM_DIR/cron" -c '/bin/sh -c true; true'
