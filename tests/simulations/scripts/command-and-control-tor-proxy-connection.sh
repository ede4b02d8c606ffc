#!/usr/bin/env bash
# rule: command-and-control-tor-proxy-connection
# mitre: T1090.003
# Connects to the Tor SOCKS port on loopback (nothing listens there).
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$PY" - <<'PY'
import socket
c = socket.socket()
try:
    c.connect(("127.0.0.1", 9050))
except OSError:
    pass
PY
