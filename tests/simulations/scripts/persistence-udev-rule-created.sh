#!/usr/bin/env bash
# rule: persistence-udev-rule-created
# mitre: T1546.017
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
source "$(dirname "$0")/../lib/private_etc.sh"
in_private_etc 'mkdir -p /etc/udev/rules.d && echo "ACTION==\"add\", RUN+=\"/bin/true\"" > /etc/udev/rules.d/99-kestrel-sim.rules'
