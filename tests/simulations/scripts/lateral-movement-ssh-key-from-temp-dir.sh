#!/usr/bin/env bash
# rule: lateral-movement-ssh-key-from-temp-dir
# mitre: T1021.004, T1552.004
# ssh with an identity file in $SIM_DIR (under /tmp) to a closed loopback port.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
echo "not a key" > "$SIM_DIR/id_stolen"
chmod 0600 "$SIM_DIR/id_stolen"
"$(tool ssh)" -i "$SIM_DIR/id_stolen" -o BatchMode=yes -o ConnectTimeout=3 -p "$(free_port)" root@127.0.0.1 true 2> /dev/null || true
