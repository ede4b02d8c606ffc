#!/usr/bin/env bash
# rule: credential-access-cloud-metadata-credentials
# mitre: T1552.005
# curl asks for the metadata service URL, pinned to a loopback listener with --connect-to.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
listen --http
port=$LISTEN_PORT
"$(tool curl)" -s --max-time 5 --connect-to "169.254.169.254:80:127.0.0.1:$port" \
  http://169.254.169.254/latest/meta-data/iam/security-credentials/ > /dev/null || true
wait
