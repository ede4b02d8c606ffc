#!/usr/bin/env bash
# rule: persistence-user-account-created
# mitre: T1136.001
set -euo pipefail
# useradd --prefix works on account files in $SIM_DIR/root/etc, not the system's.
mkdir -p "$SIM_DIR/root/etc"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$SIM_DIR/root/etc/passwd"
printf 'root:x:0:\nusers:x:100:\n' > "$SIM_DIR/root/etc/group"
printf 'root:*:19000:0:99999:7:::\n' > "$SIM_DIR/root/etc/shadow"
printf 'root:*::\nusers:*::\n' > "$SIM_DIR/root/etc/gshadow"
useradd -P "$SIM_DIR/root" -M kestrelsim
grep -q '^kestrelsim:' "$SIM_DIR/root/etc/passwd"
