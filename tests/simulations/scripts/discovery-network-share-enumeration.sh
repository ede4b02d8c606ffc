#!/usr/bin/env bash
# rule: discovery-network-share-enumeration
# mitre: T1135
# stand-in: showmount needs nfs-common and its RPC services, which would run on the host
# Runs a do-nothing program named showmount asking loopback for its exports.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool showmount)" -e 127.0.0.1
