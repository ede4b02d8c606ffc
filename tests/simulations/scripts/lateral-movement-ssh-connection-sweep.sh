#!/usr/bin/env bash
# rule: lateral-movement-ssh-connection-sweep
# mitre: T1021.004, T1018
# One process tries TCP port 22 on six loopback addresses.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$PY" - <<'PY'
import socket
for i in range(2, 8):
    c = socket.socket()
    c.settimeout(2)
    try:
        c.connect((f"127.0.0.{i}", 22))
    except OSError:
        pass
    c.close()
PY
