#!/usr/bin/env bash
# rule: command-and-control-shell-network-connection
# mitre: T1059.004, T1095
# The script's own bash connects to a loopback listener through /dev/tcp and sends a line.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
listen
port=$LISTEN_PORT
exec 3<> "/dev/tcp/127.0.0.1/$port"
echo hello >&3
exec 3>&-
wait
