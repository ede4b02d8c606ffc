#!/usr/bin/env bash
# rule: defense-evasion-kernel-thread-name-masquerade
# mitre: T1036.004
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$PY" - <<'EOF'
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(15, b"kworker/0:1", 0, 0, 0) == 0  # PR_SET_NAME
EOF
