#!/usr/bin/env bash
# rule: privilege-escalation-setuid-exec-then-root
# also: privilege-escalation-setuid-bit-set, execution-binary-from-tmp-by-shell
# mitre: T1548.001, T1068
set -euo pipefail
# A setuid-root copy of perl, run as nobody, makes itself fully root.
chmod 0755 "$SIM_DIR"
cp "$(command -v perl)" "$SIM_DIR/suidperl"
chmod 4755 "$SIM_DIR/suidperl"
setpriv --reuid=65534 --regid=65534 --clear-groups "$SIM_DIR/suidperl" -e '$< = 0; die "not root\n" if $< != 0;'
