#!/usr/bin/env bash
# rule: execution-memfd-fileless-exec
set -euo pipefail
PY=/usr/bin/python3; [ -x "$PY" ] || PY=$(command -v python3)
"$PY" - <<'EOF'
import os
fd = os.memfd_create("payload", 0)
with open("/bin/true", "rb") as f:
    os.write(fd, f.read())
os.execv("/proc/self/fd/%d" % fd, ["payload"])
EOF
