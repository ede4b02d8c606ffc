#!/usr/bin/env bash
# rule: persistence-systemd-unit-created
# mitre: T1543.002, T1053.006
set -euo pipefail
mkdir -p "$SIM_DIR/home/.config/systemd/user"
cat > "$SIM_DIR/home/.config/systemd/user/kestrel-sim.service" <<'EOF'
[Service]
ExecStart=/bin/true
EOF
