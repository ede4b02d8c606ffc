#!/usr/bin/env bash
# rule: defense-evasion-system-log-deleted
# mitre: T1070.002
set -euo pipefail
# /var/log inside a private mount namespace is a directory of $SIM_DIR: the host's logs are untouched.
mkdir -p "$SIM_DIR/varlog"
unshare -m bash -c 'mount --bind "$SIM_DIR/varlog" /var/log && echo "sshd: accepted" > /var/log/auth.log && rm /var/log/auth.log'
