#!/usr/bin/env bash
# rule: defense-evasion-timestomp-system-file
# mitre: T1070.006
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
source "$(dirname "$0")/../lib/private_etc.sh"
in_private_etc 'echo x > /etc/kestrel-sim.conf && touch -r /etc/hostname /etc/kestrel-sim.conf'
