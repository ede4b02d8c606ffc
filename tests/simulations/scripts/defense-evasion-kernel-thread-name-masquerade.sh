#!/usr/bin/env bash
# rule: defense-evasion-kernel-thread-name-masquerade
set -euo pipefail
PY=/usr/bin/python3; [ -x "$PY" ] || PY=$(command -v python3)
"$PY" - <<'EOF'
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
assert libc.prctl(15, b"kworker/0:1", 0, 0, 0) == 0  # PR_SET_NAME
EOF
