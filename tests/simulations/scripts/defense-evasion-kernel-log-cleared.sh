#!/usr/bin/env bash
# rule: defense-evasion-kernel-log-cleared
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
# A stand-in named dmesg (true through a link): the host's kernel log is not cleared.
"$(fake_tool dmesg)" -C
