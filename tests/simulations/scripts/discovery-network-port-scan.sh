#!/usr/bin/env bash
# rule: discovery-network-port-scan
# mitre: T1046
# Connects to 30 closed loopback ports from one process.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$PY" - <<'PY'
import socket
ports = []
while len(ports) < 30:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    ports.append(s.getsockname()[1])
    s.close()
for port in ports:
    c = socket.socket()
    try:
        c.connect(("127.0.0.1", port))
    except OSError:
        pass
    c.close()
PY
