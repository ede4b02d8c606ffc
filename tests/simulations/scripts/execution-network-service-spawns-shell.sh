#!/usr/bin/env bash
# rule: execution-network-service-spawns-shell
# mitre: T1190, T1505.003, T1059.004
set -euo pipefail
# perl run through a link named nginx listens (on all addresses, an ephemeral port; it accepts
# nothing), then runs a shell as an exploited service would.
ln -s "$(command -v perl)" "$SIM_DIR/nginx"
"$SIM_DIR/nginx" -MIO::Socket::INET -e '
  my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "0.0.0.0", LocalPort => 0, Proto => "tcp") or die;
  system("/bin/sh", "-c", "id > /dev/null") == 0 or die;
'
