#!/usr/bin/env bash
# rule: privilege-escalation-sudoers-modified-then-sudo
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
source "$(dirname "$0")/../lib/private_etc.sh"
in_private_etc 'mkdir -p /etc/sudoers.d && echo "nobody ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/kestrel-sim'
# A stand-in named sudo (true run through a link of that name).
"$(fake_tool sudo)" -n true
