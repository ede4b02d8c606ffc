#!/usr/bin/env bash
# rule: persistence-shell-profile-modified
# mitre: T1546.004
set -euo pipefail
mkdir -p "$SIM_DIR/home"
echo 'curl -s http://127.0.0.1:9/x >/dev/null 2>&1 &' >> "$SIM_DIR/home/.bashrc"
