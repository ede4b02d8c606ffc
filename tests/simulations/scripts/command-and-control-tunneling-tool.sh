#!/usr/bin/env bash
# rule: command-and-control-tunneling-tool
# mitre: T1572, T1090
# stand-in: chisel is not packaged for the test machines, and a real tunnel client needs a server to reach
# Runs a do-nothing program named chisel as a reverse SOCKS client to loopback.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool chisel)" client 127.0.0.1:8080 R:socks
