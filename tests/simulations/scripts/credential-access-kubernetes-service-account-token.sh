#!/usr/bin/env bash
# rule: credential-access-kubernetes-service-account-token
# mitre: T1552.007, T1528
# Reads a planted service account token from a pod-like tree in $SIM_DIR.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
sa="$SIM_DIR/var/run/secrets/kubernetes.io/serviceaccount"
mkdir -p "$sa"
echo "eyJhbGciOiJSUzI1NiJ9.sim.token" > "$sa/token"
cat "$sa/token" > /dev/null
