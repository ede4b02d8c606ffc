#!/usr/bin/env bash
# rule: defense-evasion-firewall-disabled
# mitre: T1562.004
# iptables flushes the rules of a fresh, private network namespace: the host's firewall is untouched.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
unshare -n iptables -F
