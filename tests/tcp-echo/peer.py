#!/usr/bin/env python3
"""tests/tcp-echo/peer.py MODE ARGS - the hostile and picky peers of
tests/tcp-echo.bats, written with nothing but Python's socket module.

  frames ADDR              send 200 frames in odd splits and joins; check each echo
  hold ADDR                echo one line, say "held", wait; say "eof" when the server closes
  noread ADDR              send until the server stops reading; say "blocked", never read
  reset ADDR               send 1 MB, then close with SO_LINGER 0 (a reset)
  halfclose ADDR SIZE      send SIZE bytes, shutdown(SHUT_WR), read to EOF, check
  bigframe ADDR N          announce a frame of N bytes; say "closed" once the server closes
  cutframe ADDR            send half a frame, then end the stream
  rst-server PORTFILE      accept one client, read a line, answer with a reset
  record-server PORTFILE   accept one client, read to EOF, print the bytes as hex,
                           answer with the frame "ok"

ADDR is a port on 127.0.0.1, [::1]:PORT or unix:/path.  Every wait is
bounded: the peer gives up after 20 s.
"""
import os
import select
import socket
import struct
import sys
import time

LIMIT = 20


def connect(addr):
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(addr[5:])
    elif addr.startswith("["):
        host, port = addr[1:].split("]:")
        s = socket.create_connection((host, int(port)), timeout=LIMIT)
    else:
        s = socket.create_connection(("127.0.0.1", int(addr)), timeout=LIMIT)
    s.settimeout(LIMIT)
    return s


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise SystemExit("eof after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def say(text):
    print(text, flush=True)


def frames(addr):
    s = connect(addr)
    messages = [bytes([65 + i % 26]) * (i * 37 % 3000) for i in range(200)]
    wire = b"".join(struct.pack("!I", len(m)) + m for m in messages)
    # odd splits: 1 byte, 3 bytes (inside a prefix), then pieces that join
    # the end of one frame to the start of the next
    sizes = [1, 3, 2, 7, 4093, 5, 1, 65537]
    at, i = 0, 0
    while at < len(wire):
        n = sizes[i % len(sizes)]
        s.sendall(wire[at:at + n])
        at += n
        i += 1
        if i % 5 == 0:
            time.sleep(0.001)  # let some pieces arrive alone
    back = recv_exact(s, len(wire))
    if back != wire:
        raise SystemExit("echo differs")
    s.shutdown(socket.SHUT_WR)
    if s.recv(1) != b"":
        raise SystemExit("bytes after the last frame")
    say("ok %d" % len(messages))


def hold(addr):
    s = connect(addr)
    s.sendall(b"x\n")
    recv_exact(s, 2)
    say("held")
    s.settimeout(60)
    try:
        data = s.recv(1)
    except ConnectionResetError:
        data = b""
    say("eof" if data == b"" else "data")


def noread(addr):
    s = connect(addr)
    s.setblocking(False)
    chunk = b"n" * 65536
    stalled, deadline = 0, time.time() + LIMIT
    while stalled < 6 and time.time() < deadline:
        try:
            s.send(chunk)
            stalled = 0
        except BlockingIOError:
            stalled += 1
            time.sleep(0.05)
        except ConnectionResetError:
            break  # dropped already (an idle --timeout): it took no more either
    say("blocked")
    time.sleep(60)


def reset(addr):
    s = connect(addr)
    s.sendall(b"r" * (1 << 20))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    say("reset")


def halfclose(addr, size):
    s = connect(addr)
    data = os.urandom(int(size))
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    back = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        back += chunk
    say("ok" if back == data else "differs: %d of %d bytes" % (len(back), len(data)))


def bigframe(addr, n):
    s = connect(addr)
    s.sendall(struct.pack("!I", int(n)) + b"z" * 1000)
    try:
        while s.recv(65536):
            pass
    except ConnectionResetError:
        pass
    say("closed")


def cutframe(addr):
    s = connect(addr)
    s.sendall(struct.pack("!I", 10) + b"half")
    s.shutdown(socket.SHUT_WR)
    data = s.recv(65536)
    say("closed, %d bytes back" % len(data))


def listen(portfile):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    srv.settimeout(LIMIT)
    conn, _ = srv.accept()
    conn.settimeout(LIMIT)
    return conn


def rst_server(portfile):
    c = listen(portfile)
    c.recv(100)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


def record_server(portfile):
    c = listen(portfile)
    data = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    say(data.hex())
    c.sendall(struct.pack("!I", 2) + b"ok")
    c.close()


MODES = {
    "frames": frames, "hold": hold, "noread": noread, "reset": reset,
    "halfclose": halfclose, "bigframe": bigframe, "cutframe": cutframe,
    "rst-server": rst_server, "record-server": record_server,
}

if __name__ == "__main__":
    MODES[sys.argv[1]](*sys.argv[2:])
