#!/usr/bin/env bash
# rule: credential-access-browser-credential-store-access
# mitre: T1555.003
# Copies a planted Firefox logins.json out of a profile in the scratch home.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
profile="$HOME/.mozilla/firefox/abcd1234.default-release"
mkdir -p "$profile"
echo '{"logins": []}' > "$profile/logins.json"
cp "$profile/logins.json" "$SIM_DIR/loot.json"
