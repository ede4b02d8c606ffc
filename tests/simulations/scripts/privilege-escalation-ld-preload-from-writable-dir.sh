#!/usr/bin/env bash
# rule: privilege-escalation-ld-preload-from-writable-dir
# mitre: T1574.006
set -euo pipefail
# A harmless library (a copy of libc's libm) preloaded into true.
lib=$(ldconfig -p | sed -n 's/.*libm\.so\.6 (libc6,x86-64) => //p' | head -n 1)
[ -n "$lib" ] || lib=$(find /lib /usr/lib -name 'libm.so.6' | head -n 1)
cp "$lib" "$SIM_DIR/libhook.so"
LD_PRELOAD="$SIM_DIR/libhook.so" /bin/true
