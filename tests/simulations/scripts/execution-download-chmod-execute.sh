#!/usr/bin/env bash
# rule: execution-download-chmod-execute
# also: execution-binary-from-tmp-by-shell, exfiltration-ad-hoc-http-server
# mitre: T1105, T1059.004, T1204.002
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
mkdir -p "$SIM_DIR/srv" "$SIM_DIR/dl"
cp /bin/true "$SIM_DIR/srv/tool"
"$PY" -m http.server 0 --bind 127.0.0.1 --directory "$SIM_DIR/srv" > "$SIM_DIR/http.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 400); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$SIM_DIR/http.log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.05
done
curl -sf -o "$SIM_DIR/dl/tool" "http://127.0.0.1:$port/tool"
chmod +x "$SIM_DIR/dl/tool"
"$SIM_DIR/dl/tool"
