#!/usr/bin/env bash
# rule: credential-access-password-cracking-tool
# mitre: T1110.001, T1110.002
# stand-in: john is not installed on the test machines; the rule looks only at the name of the program
# Runs a do-nothing program named john on a scratch hash file.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
echo "root:\$6\$salt\$hash" > hashes.txt
"$(fake_tool john)" --wordlist=/dev/null hashes.txt
