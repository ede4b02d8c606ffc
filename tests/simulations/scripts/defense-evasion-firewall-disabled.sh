#!/usr/bin/env bash
# rule: defense-evasion-firewall-disabled
# also: execution-binary-from-tmp-by-shell
set -euo pipefail
# Stand-ins named ufw, iptables and nft (copies of true): the commands, not their effect.
mkdir -p "$SIM_DIR/bin"
for tool in ufw iptables nft; do cp /bin/true "$SIM_DIR/bin/$tool"; done
"$SIM_DIR/bin/ufw" disable
"$SIM_DIR/bin/iptables" -F
"$SIM_DIR/bin/nft" flush ruleset
