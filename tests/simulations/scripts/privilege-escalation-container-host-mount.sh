#!/usr/bin/env bash
# rule: privilege-escalation-container-host-mount
# mitre: T1611
set -euo pipefail
# A stand-in container: a cgroup v2 group named like a Docker container (64 hex digits), which
# the sensor reads container.id from. Inside it, cgroup2 is mounted in a private mount namespace
# under $SIM_DIR. The group is removed on exit; the mount vanishes with the namespace.
root=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
[ -n "$root" ] || { echo "no cgroup v2 hierarchy mounted" >&2; exit 1; }
id=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' 
')
group="$root/kestrel-sim-$$"
mkdir -p "$group/$id"
trap 'rmdir "$group/$id" "$group" 2>/dev/null || true' EXIT
mkdir -p "$SIM_DIR/cgroup"
# The sensor finds a group by walking the hierarchy when it decodes the group's first events
# (at most once a second): the stand-in lives a moment before and after acting, as a real
# container would, so the group still exists then.
bash -c 'echo $$ > "$1/cgroup.procs" && sleep 1.2 && unshare -m mount -t cgroup2 none "$SIM_DIR/cgroup" && sleep 1' _ "$group/$id"
