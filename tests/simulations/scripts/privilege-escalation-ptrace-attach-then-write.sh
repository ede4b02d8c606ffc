#!/usr/bin/env bash
# rule: privilege-escalation-ptrace-attach-then-write
# also: credential-access-ptrace-memory-read
# mitre: T1055.008
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$PY" - <<'EOF'
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
pid = os.fork()
if pid == 0:
    os.execv("/bin/sleep", ["sleep", "30"])
try:
    assert libc.ptrace(16, pid, None, None) == 0  # PTRACE_ATTACH
    os.waitpid(pid, 0)
    # A word of the target's stack, written back unchanged (PEEKDATA then POKEDATA).
    with open("/proc/%d/maps" % pid) as f:
        stack = next(l for l in f if l.rstrip().endswith("[stack]"))
    addr = ctypes.c_void_p(int(stack.split("-")[1].split()[0], 16) - 4096)
    word = libc.ptrace(2, pid, addr, None)
    assert libc.ptrace(5, pid, addr, ctypes.c_void_p(word)) == 0
    libc.ptrace(17, pid, None, None)  # PTRACE_DETACH
finally:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
EOF
