#!/usr/bin/env bash
# rule: credential-access-credential-file-read-by-cli
# mitre: T1552.001, T1552.003, T1552.004
# Reads planted cloud credentials and a shell history under the scratch home.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
mkdir -p "$HOME/.aws"
printf "[default]\naws_access_key_id = AKIAEXAMPLE\n" > "$HOME/.aws/credentials"
echo "mysql -p hunter2" > "$HOME/.bash_history"
cat "$HOME/.aws/credentials" > /dev/null
tail -n 5 "$HOME/.bash_history" > /dev/null
