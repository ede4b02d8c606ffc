#!/usr/bin/env bash
# rule: impact-disk-structure-wipe
# mitre: T1561.002
# wipefs -a on a scratch disk image file with an ext2-like signature.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
truncate -s 1M disk.img
# The ext2/3/4 magic at offset 1080, so that wipefs has a signature to erase.
printf '\x53\xef' | dd of=disk.img bs=1 seek=1080 conv=notrunc status=none
wipefs -a disk.img > /dev/null
