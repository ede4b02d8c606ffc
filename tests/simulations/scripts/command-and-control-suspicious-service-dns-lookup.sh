#!/usr/bin/env bash
# rule: command-and-control-suspicious-service-dns-lookup
# mitre: T1102, T1071.001
# Resolves an ngrok and a pastebin name through a loopback DNS responder.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
dns_lookup 0f3a9c.ngrok.io pastebin.com
