#!/usr/bin/env bash
# rule: privilege-escalation-nsenter-host-namespaces
# mitre: T1611
set -euo pipefail
# Inside a new PID namespace (as in a container), PID 1 is the script's own shell: entering its
# namespaces changes nothing.
unshare -p -f -m --mount-proc bash -c 'nsenter -t 1 -m -- /bin/true'
