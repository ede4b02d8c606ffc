# Helpers sourced by simulation scripts: everything stays in $SIM_DIR and on loopback.
# shellcheck shell=bash

SIM_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The system Python, not a per-user shim: its process is then simply python3.
PY=/usr/bin/python3
[[ -x $PY ]] || PY="$(command -v python3)"
# Clients (ssh, curl) read and write per-user state under $HOME: keep it in $SIM_DIR.
export HOME="$SIM_DIR/home"
mkdir -p "$HOME"

# fake_tool NAME: a symlink named NAME in $SIM_DIR/bin to /bin/true; prints its path.
# Run through it, true's process is named NAME (the name execve was given) while its
# executable stays /usr/bin/true, so rules keyed on a tool's name fire without the tool
# doing anything, and rules on programs run from /tmp do not. Only for tools that cannot
# run harmlessly here: a script using it says why on a "# stand-in: <reason>" line.
fake_tool() {
  mkdir -p "$SIM_DIR/bin"
  ln -sf "$(readlink -f /bin/true)" "$SIM_DIR/bin/$1"
  printf '%s\n' "$SIM_DIR/bin/$1"
}

# tool NAME: the installed NAME's path; fails naming it when it is not installed (a
# simulation runs the real tool, never a stand-in in its place without saying so).
tool() {
  command -v "$1" 2>/dev/null || { echo "simulation needs $1, which is not installed" >&2; return 1; }
}

# free_port: a loopback TCP port nothing listens on right now.
free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# listen [--reply TEXT] [--http] [--count N]: starts a loopback TCP listener in the
# background of the calling shell (it serves N connections: sends TEXT to each and reads
# until the peer closes, or with --http answers one HTTP request) and sets LISTEN_PORT
# once it listens. Call it directly, not in $(...), so that `wait` waits for it.
listen() {
  local portfile
  portfile="$(mktemp "$SIM_DIR/port.XXXXXX")"
  "$PY" "$SIM_LIB/listener.py" "$@" --port-file "$portfile" > /dev/null &
  for _ in $(seq 200); do
    [[ -s $portfile ]] && break
    sleep 0.05
  done
  LISTEN_PORT="$(cat "$portfile")"
  [[ -n $LISTEN_PORT ]] || { echo "the listener did not start" >&2; return 1; }
}

# dns_lookup [--connect PORT] NAME...: resolves each NAME through a DNS responder on a
# loopback address (UDP port 53, answering 127.0.0.1); with --connect, then connects to
# 127.0.0.1:PORT from the same process.
dns_lookup() {
  "$PY" "$SIM_LIB/dns.py" "$@"
}
