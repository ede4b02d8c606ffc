#!/usr/bin/env bash
# rule: execution-memfd-fileless-exec
# mitre: T1620, T1106
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$PY" - <<'EOF'
import os
fd = os.memfd_create("payload", 0)
with open("/bin/true", "rb") as f:
    os.write(fd, f.read())
os.execv("/proc/self/fd/%d" % fd, ["payload"])
EOF
