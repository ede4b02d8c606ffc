#!/usr/bin/env bash
# rule: execution-base64-decoded-payload-to-shell
set -euo pipefail
payload=$(printf 'echo decoded-payload-ran > "$SIM_DIR/ran"\n' | base64 -w0)
# The shell starts a moment after the decoder, as in most real pipelines.
echo "$payload" | base64 -d | (sleep 0.3 && exec bash)
test -f "$SIM_DIR/ran"
