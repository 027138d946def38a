#!/usr/bin/env python3
"""The course's chat server, written from the protocol table in
sockbox-udp-chat(1), not from sockbox's code: a dict of name -> address,
a 1024-byte receive buffer, no heartbeats, no address check (its flaws).

usage: course_server.py PORT_FILE   (binds 127.0.0.1, port 0)
Each stdin line is an announcement from the administrator."""
import os
import select
import socket
import sys

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(sock.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
members = {}  # name -> address


def send_all(text, but=None):
    for name, addr in members.items():
        if name != but:
            sock.sendto(text.encode(), addr)


inputs = [sock, sys.stdin]
while True:
    ready, _, _ = select.select(inputs, [], [])
    if sys.stdin in ready:
        line = sys.stdin.readline()
        if not line:
            inputs.remove(sys.stdin)
        else:
            send_all("admin: " + line.rstrip("\n"))
    if sock not in ready:
        continue
    data, addr = sock.recvfrom(1024)
    words = data.decode(errors="replace").rstrip("\n").split(" ", 2)
    if words[0] == "L" and len(words) == 2:
        if words[1] in members:
            sock.sendto(b"ERR name taken", addr)
            continue
        members[words[1]] = addr
        sock.sendto(b"OK", addr)
        send_all(words[1] + " joined", but=words[1])
    elif words[0] == "C" and len(words) == 3:
        send_all(words[1] + ": " + words[2], but=words[1])
    elif words[0] == "Q" and len(words) == 2 and words[1] in members:
        sock.sendto(b"EXIT", members.pop(words[1]))
        send_all(words[1] + " left")
