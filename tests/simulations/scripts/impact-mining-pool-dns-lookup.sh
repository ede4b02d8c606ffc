#!/usr/bin/env bash
# rule: impact-mining-pool-dns-lookup
# mitre: T1496
# Resolves a mining pool name through a loopback DNS responder.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
dns_lookup pool.supportxmr.com
