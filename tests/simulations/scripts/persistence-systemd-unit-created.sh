#!/usr/bin/env bash
# rule: persistence-systemd-unit-created
set -euo pipefail
mkdir -p "$SIM_DIR/home/.config/systemd/user"
cat > "$SIM_DIR/home/.config/systemd/user/kestrel-sim.service" <<'EOF'
[Service]
ExecStart=/bin/true
EOF
