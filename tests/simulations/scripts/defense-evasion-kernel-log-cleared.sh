#!/usr/bin/env bash
# rule: defense-evasion-kernel-log-cleared
# mitre: T1070.002
# stand-in: dmesg -C would erase the host kernel log, which has no private namespace
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
# A stand-in named dmesg (true through a link): the host's kernel log is not cleared.
"$(fake_tool dmesg)" -C
