#!/usr/bin/env bash
# rule: impact-mining-pool-lookup-then-stratum-connect
# also: impact-mining-pool-dns-lookup
# mitre: T1496, T1071
# Resolves a pool name through a loopback DNS responder, then connects to 127.0.0.1:3333 from the same process.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
dns_lookup --connect 3333 gulf.moneroocean.stream
