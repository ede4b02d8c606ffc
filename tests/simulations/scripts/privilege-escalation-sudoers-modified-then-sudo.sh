#!/usr/bin/env bash
# rule: privilege-escalation-sudoers-modified-then-sudo
# mitre: T1548.003
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
source "$(dirname "$0")/../lib/private_etc.sh"
# The sudoers drop-in and the sudo that reads it live in a private overlay of /etc.
in_private_etc 'mkdir -p /etc/sudoers.d && echo "nobody ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/kestrel-sim && chmod 440 /etc/sudoers.d/kestrel-sim && sudo -n -u nobody true'
