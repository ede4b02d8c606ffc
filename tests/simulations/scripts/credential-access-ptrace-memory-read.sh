#!/usr/bin/env bash
# rule: credential-access-ptrace-memory-read
# mitre: T1003
# Attaches to a sleeping child with ptrace, reads one word of its stack, detaches.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
sleep 30 &
target=$!
"$PY" "$SIM_LIB/ptrace_peek.py" "$target"
kill "$target"
