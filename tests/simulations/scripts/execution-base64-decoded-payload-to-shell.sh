#!/usr/bin/env bash
# rule: execution-base64-decoded-payload-to-shell
# mitre: T1140, T1059.004, T1027
set -euo pipefail
payload=$(printf 'echo decoded-payload-ran >> "$SIM_DIR/ran"\n' | base64 -w0)
# Plain pipelines. The decoder and the shell of one pipeline exec in either order (the shell
# first in about 1 of 20 here) and the rule is an ordered sequence, so one reversed pipeline
# alone would be missed; repeated, as droppers retry, a decoder is always followed by a shell.
for _ in 1 2 3; do
  echo "$payload" | base64 -d | bash
done
test "$(wc -l < "$SIM_DIR/ran")" = 3
