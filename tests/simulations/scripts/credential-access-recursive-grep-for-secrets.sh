#!/usr/bin/env bash
# rule: credential-access-recursive-grep-for-secrets
# mitre: T1552.001
# Greps a scratch tree for passwords.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
mkdir -p app/conf
echo "db_password=hunter2" > app/conf/app.ini
grep -ri password "$SIM_DIR/app" > /dev/null
