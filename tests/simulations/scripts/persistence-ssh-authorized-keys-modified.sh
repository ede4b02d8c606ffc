#!/usr/bin/env bash
# rule: persistence-ssh-authorized-keys-modified
# mitre: T1098.004
set -euo pipefail
mkdir -p "$SIM_DIR/home/.ssh"
echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKestrelSimulationKeyOnlyForTests kestrel-sim" >> "$SIM_DIR/home/.ssh/authorized_keys"
