#!/usr/bin/env python3
"""The course's chat client, written from the protocol table in
sockbox-udp-chat(1): it joins with L NAME, then a receiver prints every
datagram while a sender turns each stdin line into C NAME TEXT; at the end
of stdin it sends Q NAME and waits for EXIT.  (The course forks; a thread
does the same here.)  It never sends H or W, and accepts "OK" with or
without the fields that follow.

usage: course_client.py NAME HOST PORT"""
import socket
import sys
import threading

name, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
sock = socket.socket(family, socket.SOCK_DGRAM)
sock.settimeout(5)
server = (host, port)
sock.sendto(("L " + name).encode(), server)
reply = sock.recv(65536).decode()
if reply.split(" ")[0] != "OK":
    print("refused: " + reply)
    sys.exit(1)
done = threading.Event()


def receive():
    sock.settimeout(None)
    while True:
        line = sock.recv(65536).decode()
        if line == "EXIT":
            done.set()
            return
        print(line, flush=True)


threading.Thread(target=receive, daemon=True).start()
for line in sys.stdin:
    sock.sendto(("C %s %s" % (name, line.rstrip("\n"))).encode(), server)
sock.sendto(("Q " + name).encode(), server)
sys.exit(0 if done.wait(5) else 1)
