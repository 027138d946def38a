#!/usr/bin/env python3
"""Hostile and heavy peers for tests/udp-chat.bats (the protocol as
sockbox-udp-chat(1) tables it).  Every wait is bounded.

  peer.py hostile HOST PORT         the malformed datagrams, one reply each
  peer.py flood HOST PORT N         N joins from N distinct ports: reply counts
  peer.py spoof HOST PORT REQUEST   REQUEST from a fresh port: its reply or "no reply"
  peer.py rate HOST PORT N          "fast" sends N messages at once: what "slow" got
  peer.py load HOST PORT M N        M members send N messages each: who got what
"""
import errno
import select
import socket
import sys
import time

host, port = sys.argv[2], int(sys.argv[3])
FAMILY = socket.AF_INET6 if ":" in host else socket.AF_INET
SERVER = (host, port)


def sock(rcvbuf=0):
    s = socket.socket(FAMILY, socket.SOCK_DGRAM)
    s.bind(("::" if FAMILY == socket.AF_INET6 else "0.0.0.0", 0))
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    return s


def ask(s, data, wait=2.0):
    s.sendto(data, SERVER)
    return recv(s, wait)


def recv(s, wait):
    r, _, _ = select.select([s], [], [], wait)
    return s.recv(65536).decode(errors="backslashreplace") if r else "no reply"


def join(name, rcvbuf=0):
    s = sock(rcvbuf)
    reply = ask(s, ("L " + name).encode())
    assert reply.startswith("OK"), reply
    return s


def hostile():
    s = sock()
    try:
        s.sendto(b"C x " + b"y" * 69996, SERVER)
        print("70000 bytes: sent")
    except OSError as e:
        print("70000 bytes: " + errno.errorcode[e.errno])
    print("65507 bytes: " + ask(s, b"C x " + b"y" * 65503))
    print("1201 bytes: " + ask(s, b"C x " + b"y" * 1197))
    print("empty: " + ask(s, b""))
    print("unknown verb: " + ask(s, b"X hello"))
    print("invalid UTF-8: " + ask(s, b"L \xff\xfe"))
    print("name with newline: " + ask(s, b"L al\nice"))
    print("name of 33 characters: " + ask(s, b"L " + b"n" * 33))
    print("admin: " + ask(s, b"L Admin"))
    print("message before joining: " + ask(s, b"C nobody hi"))
    print("join: " + ask(s, b"L hostile"))
    print("control character: " + ask(s, b"C hostile a\x1b[2Jb"))
    print("second name, same address: " + ask(s, b"L other"))
    print("leave: " + ask(s, b"Q hostile"))


def flood(n):
    counts, members = {}, []
    for start in range(0, n, 250):
        batch = [sock() for _ in range(min(250, n - start))]
        for i, s in enumerate(batch):
            s.sendto(("L f%d" % (start + i)).encode(), SERVER)
        for s in batch:
            reply = recv(s, 5)
            counts[reply] = counts.get(reply, 0) + 1
            if reply.startswith("OK"):
                members.append(s)  # kept open: its port stays a member's
            else:
                s.close()
    for reply in sorted(counts):
        print("%s: %d" % (reply, counts[reply]))


def spoof(request):
    print(ask(sock(), request.encode(), 0.5))


def rate(n):
    slow, fast = join("slow"), join("fast")
    recv(slow, 2)  # "fast joined"
    for i in range(n):
        fast.sendto(("C fast %d" % i).encode(), SERVER)
    got = 0
    while recv(slow, 0.5) != "no reply":
        got += 1
    print("slow got %d of %d" % (got, n))


def load(m, n):
    names = ["m%d" % i for i in range(m)]
    socks = {}
    for name in names:
        socks[name] = join(name, 4 << 20)
    expect = {name: {other: 0 for other in names if other != name} for name in names}
    errors, got = [], {name: 0 for name in names}

    def drain(wait):
        r, _, _ = select.select(list(socks.values()), [], [], wait)
        for name in names:
            if socks[name] not in r:
                continue
            while True:
                try:
                    line = socks[name].recv(65536, socket.MSG_DONTWAIT).decode()
                except BlockingIOError:
                    break
                if ": " not in line:
                    continue  # a join notice
                who, seq = line.split(": ", 1)
                if int(seq) != expect[name][who]:
                    errors.append("%s got %s from %s, expected %d" % (name, seq, who, expect[name][who]))
                expect[name][who] = int(seq) + 1
                got[name] += 1
        return bool(r)

    for i in range(n):
        for name in names:
            socks[name].sendto(("C %s %d" % (name, i)).encode(), SERVER)
        drain(0)
    deadline = time.time() + 10
    while time.time() < deadline and min(got.values()) < (m - 1) * n:
        drain(0.5)
    for name in names:
        print("%s received %d" % (name, got[name]))
    print("out of order: %d" % len(errors))
    for e in errors[:5]:
        print(e)


cmd = sys.argv[1]
if cmd == "hostile":
    hostile()
elif cmd == "flood":
    flood(int(sys.argv[4]))
elif cmd == "spoof":
    spoof(sys.argv[4])
elif cmd == "rate":
    rate(int(sys.argv[4]))
elif cmd == "load":
    load(int(sys.argv[4]), int(sys.argv[5]))
