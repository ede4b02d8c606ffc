"""DNS lookups that never leave the machine: a responder bound to a loopback address on
UDP port 53 answers every A query with 127.0.0.1; the names are queried with sendto
from this process (what the sensor captures). --connect PORT then connects to
127.0.0.1:PORT from the same process, as a client would after resolving.

The process first moves to a network namespace of its own (only a loopback interface,
brought up here) when it may, so that nothing on the host's port 53 can see the queries;
otherwise the responder takes a free 127.53.x.y address on the host's loopback."""
import argparse
import ctypes
import fcntl
import random
import socket
import struct
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--connect", type=int)
ap.add_argument("--type", default="A", choices=["A", "TXT"])
ap.add_argument("names", nargs="+")
a = ap.parse_args()

QTYPE = {"A": 1, "TXT": 16}[a.type]


def private_network():
    """Unshares the network namespace and brings its loopback up; False if not allowed."""
    CLONE_NEWNET, SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x40000000, 0x8913, 0x8914, 0x1
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        return False
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH22x", b"lo", 0)))[1]
    fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))
    s.close()
    return True


def bind_responder():
    if private_network():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 53))
        return s, "127.0.0.1"
    for _ in range(50):
        addr = f"127.53.{random.randint(1, 254)}.{random.randint(1, 254)}"
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind((addr, 53))
            return s, addr
        except OSError:
            s.close()
    raise SystemExit("no free loopback address for the DNS responder")


def serve(sock, n):
    for _ in range(n):
        data, peer = sock.recvfrom(4096)
        qid = data[:2]
        question = data[12:]
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
        header = qid + struct.pack(">HHHHH", 0x8180, 1, 1, 0, 0)
        sock.sendto(header + question + answer, peer)


def query(name):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split("."))
    return (struct.pack(">HHHHHH", random.randint(0, 0xFFFF), 0x0100, 1, 0, 0, 0)
            + labels + b"\x00" + struct.pack(">HH", QTYPE, 1))


responder, addr = bind_responder()
t = threading.Thread(target=serve, args=(responder, len(a.names)), daemon=True)
t.start()
client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client.settimeout(5)
for name in a.names:
    client.sendto(query(name), (addr, 53))
    client.recvfrom(4096)
t.join(5)
if a.connect:
    c = socket.socket()
    c.settimeout(3)
    try:
        c.connect(("127.0.0.1", a.connect))
    except OSError:
        pass
    c.close()
