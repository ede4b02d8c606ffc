"""Loopback TCP listener for simulations: serves N connections, then exits. Writes its
port to --port-file. By default it sends --reply to each peer and reads until the peer
closes (a shell at the other end); with --http it reads one HTTP request (headers and a
Content-Length body), answers 200 and closes."""
import argparse
import socket

ap = argparse.ArgumentParser()
ap.add_argument("--reply", default="")
ap.add_argument("--count", type=int, default=1)
ap.add_argument("--port-file", required=True)
ap.add_argument("--timeout", type=float, default=10)
ap.add_argument("--http", action="store_true")
a = ap.parse_args()

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(8)
srv.settimeout(a.timeout)
with open(a.port_file, "w") as f:
    f.write(f"{srv.getsockname()[1]}\n")
reply = a.reply.encode().decode("unicode_escape").encode()
for _ in range(a.count):
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        break
    conn.settimeout(a.timeout)
    try:
        if a.http:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
            conn.close()
            continue
        if reply:
            conn.sendall(reply)
        while conn.recv(65536):
            pass
    except OSError:
        pass
    conn.close()
