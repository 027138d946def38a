#!/usr/bin/env python3
"""The fan-out benchmark's driver (tests/bench/udp-chat.sh): one sender and
MEMBERS members in one process; the sender sends COUNT messages, each
member counts what it receives.  Prints "DELIVERED EXPECTED CPU_NS": the
deliveries that arrived, those that should have, and the server's CPU time
over the run (/proc/PID/schedstat, nanoseconds).

  fanout.py udp HOST PORT MEMBERS COUNT SERVER_PID    our server (L/C/Q)
  fanout.py ncat HOST PORT MEMBERS COUNT SERVER_PID   ncat --chat (TCP lines)
"""
import os
import select
import socket
import sys
import time

mode, host, port, members, count, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
SO_RCVBUFFORCE = 33


def cpu_ns():
    with open("/proc/%s/schedstat" % pid) as f:
        return int(f.read().split()[0])


def big_buffer(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)


def udp_member(name):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    big_buffer(s)
    s.connect((host, port))
    s.send(("L " + name).encode())
    s.settimeout(5)
    assert s.recv(2048).startswith(b"OK")
    return s


def quiet(socks):
    """Reads and drops what arrives until 0.2 s pass in silence."""
    while select.select(socks, [], [], 0.2)[0]:
        for s in socks:
            try:
                while s.recv(1 << 20):
                    pass
            except BlockingIOError:
                pass


def drain(socks, want, count_fn):
    got = 0
    deadline = time.time() + 2
    while got < want and time.time() < deadline:
        r, _, _ = select.select(socks, [], [], 0.2)
        for s in r:
            got += count_fn(s)
        if r:
            deadline = time.time() + 2
    return got


if mode == "udp":
    socks = [udp_member("m%d" % i) for i in range(members)]
    sender = udp_member("sender")
    for s in socks:
        s.setblocking(False)
    quiet(socks)  # the join notices
    start = cpu_ns()
    for i in range(count):
        sender.send(b"C sender message %d" % i)

    def take(s):
        n = 0
        while True:
            try:
                s.recv(2048)
            except BlockingIOError:
                return n
            n += 1

    got = drain(socks, members * count, take)
    cpu = cpu_ns() - start
else:
    socks = []
    for i in range(members + 1):
        s = socket.create_connection((host, port))
        s.setblocking(False)
        socks.append(s)
    sender, socks = socks[-1], socks[:-1]
    time.sleep(0.5)  # ncat has every client registered
    quiet(socks)  # its greetings
    start = cpu_ns()
    sender.setblocking(True)
    sender.sendall(b"".join(b"message %d\n" % i for i in range(count)))

    def take(s):
        n = 0
        while True:
            try:
                data = s.recv(1 << 20)
            except BlockingIOError:
                return n
            if not data:
                return n
            n += data.count(b"\n")

    got = drain(socks, members * count, take)
    cpu = cpu_ns() - start
print(got, members * count, cpu)
