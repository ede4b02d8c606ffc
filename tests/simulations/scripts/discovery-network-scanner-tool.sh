#!/usr/bin/env bash
# rule: discovery-network-scanner-tool
# mitre: T1046, T1018
# nmap connect-scans two loopback ports (one listening).
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
listen
nmap -sT -Pn -n -p "$LISTEN_PORT,$(free_port)" 127.0.0.1 > /dev/null
wait
