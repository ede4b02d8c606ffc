#!/usr/bin/env bash
# rule: persistence-kernel-module-load
# mitre: T1547.006, T1014
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
# A junk file the kernel refuses to load (ENOEXEC): the attempt, nothing loaded.
"$PY" - <<'EOF'
import ctypes, errno, os
path = os.path.join(os.environ["SIM_DIR"], "rootkit.ko")
with open(path, "wb") as f:
    f.write(b"\x7fELF not a module" * 4)
fd = os.open(path, os.O_RDONLY)
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(313, fd, b"", 0)  # finit_module
assert r != 0, "a junk module must not load"
EOF
