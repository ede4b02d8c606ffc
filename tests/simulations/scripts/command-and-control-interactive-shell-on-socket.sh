#!/usr/bin/env bash
# rule: command-and-control-interactive-shell-on-socket
# mitre: T1059.004, T1095
# A bind shell: a loopback server runs sh -i on the connection it accepts; a separate
# client process connects and sends exit.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$PY" - <<'PY'
import socket, subprocess, sys
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
client = subprocess.Popen([sys.executable, "-c", f"""
import socket
c = socket.create_connection(("127.0.0.1", {srv.getsockname()[1]}))
c.sendall(b"exit\\n")
while c.recv(4096):
    pass
"""])
conn, _ = srv.accept()
subprocess.call(["/bin/sh", "-i"], stdin=conn, stdout=conn, stderr=conn)
conn.close()
client.wait()
PY
