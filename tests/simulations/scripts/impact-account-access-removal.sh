#!/usr/bin/env bash
# rule: impact-account-access-removal
# also: persistence-user-account-created
# mitre: T1531
# useradd makes an account in a private overlay of /etc, and passwd locks it.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
source "$(dirname "$0")/../lib/private_etc.sh"
in_private_etc 'useradd -M -N -s /usr/sbin/nologin kestrel-sim-user && passwd -l kestrel-sim-user > /dev/null'
