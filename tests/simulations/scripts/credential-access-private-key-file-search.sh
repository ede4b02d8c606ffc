#!/usr/bin/env bash
# rule: credential-access-private-key-file-search
# mitre: T1552.004
# Searches the scratch directory for private key files.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
mkdir -p keys && : > keys/id_rsa && : > keys/server.pem
find "$SIM_DIR" -name "id_rsa*" -o -name "*.pem" > /dev/null
