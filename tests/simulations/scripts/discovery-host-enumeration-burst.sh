#!/usr/bin/env bash
# rule: discovery-host-enumeration-burst
# mitre: T1033, T1082, T1016, T1087.001
# whoami, uname, ip and getent in a row, as an intruder's first look around.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
whoami > /dev/null
uname -a > /dev/null
ip addr > /dev/null
getent passwd root > /dev/null
