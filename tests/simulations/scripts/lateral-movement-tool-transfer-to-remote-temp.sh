#!/usr/bin/env bash
# rule: lateral-movement-tool-transfer-to-remote-temp
# mitre: T1570
# scp of a scratch file to /tmp on a closed loopback port.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
echo payload > tool.bin
"$(tool scp)" -o BatchMode=yes -o ConnectTimeout=3 -P "$(free_port)" tool.bin root@127.0.0.1:/tmp/tool.bin 2> /dev/null || true
