#!/usr/bin/env bash
# rule: credential-access-password-cracking-tool
# mitre: T1110.001, T1110.002
# Cracks a scratch md5crypt hash with John the Ripper and a two-word list. John keeps its
# state in ~/.john, so it runs in a private mount namespace with a tmpfs over the home
# directory: nothing is left behind.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
john="$(tool john)"
home="$(getent passwd "$(id -u)" | cut -d: -f6)"
echo 'root:$1$salt$qJH7.N4xYta3aEG/dfqo/0' > hashes.txt
printf 'password\nsecret\n' > words.txt
unshare -m sh -c 'mount -t tmpfs kestrel-sim "$1" && exec "$2" --wordlist=words.txt hashes.txt' \
  sh "$home" "$john" >/dev/null 2>&1
