#!/usr/bin/env bash
# rule: persistence-init-script-created
# mitre: T1037.004
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
source "$(dirname "$0")/../lib/private_etc.sh"
in_private_etc 'printf "#!/bin/sh\ntrue\n" > /etc/update-motd.d/99-kestrel-sim'
