#!/usr/bin/env bash
# rule: exfiltration-ad-hoc-http-server
# mitre: T1048.003
# python -m http.server on a loopback port for two seconds.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
timeout 2 "$PY" -m http.server --bind 127.0.0.1 0 --directory "$SIM_DIR" > /dev/null 2>&1 || true
