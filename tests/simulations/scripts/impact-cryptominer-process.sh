#!/usr/bin/env bash
# rule: impact-cryptominer-process
# mitre: T1496
# stand-in: a real miner would burn the CPU of a shared machine and reach out to a pool
# Runs a do-nothing program named xmrig pointed at a loopback stratum URL.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool xmrig)" -o stratum+tcp://127.0.0.1:3333 -u 44wallet --donate-level 1
