#!/usr/bin/env bash
# rule: defense-evasion-firewall-disabled
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
# Stand-ins named ufw, iptables and nft (true through links): the commands, not their effect.
"$(fake_tool ufw)" disable
"$(fake_tool iptables)" -F
"$(fake_tool nft)" flush ruleset
