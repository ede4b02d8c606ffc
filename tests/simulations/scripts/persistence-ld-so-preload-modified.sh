#!/usr/bin/env bash
# rule: persistence-ld-so-preload-modified
# mitre: T1574.006
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
source "$(dirname "$0")/../lib/private_etc.sh"
in_private_etc ': > /etc/ld.so.preload'
