#!/usr/bin/env bash
# rule: discovery-container-environment-check
# mitre: T1082, T1613
# Reads init's cgroup and looks for /.dockerenv.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
cat /proc/1/cgroup > /dev/null
ls /.dockerenv > /dev/null 2>&1 || true
