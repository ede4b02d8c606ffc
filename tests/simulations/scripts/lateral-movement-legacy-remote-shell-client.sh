#!/usr/bin/env bash
# rule: lateral-movement-legacy-remote-shell-client
# mitre: T1021
# telnet connects to a loopback listener and hangs up at the end of its (empty) input.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
listen
telnet 127.0.0.1 "$LISTEN_PORT" < /dev/null > /dev/null 2>&1 || true
wait
