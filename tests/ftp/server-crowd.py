#!/usr/bin/python3
"""server-crowd.py PORT N SERVER_PID - opens N control connections to
ftp-server at once, counts the greetings by code, reports the server's
descriptors and resident memory while they are all open, then closes them.
Prints: "220 X", "421 Y", "fds F", "rss_kib R"."""
import os
import socket
import sys

port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for _ in range(n):
    s = socket.socket()
    s.settimeout(20)
    s.connect(("127.0.0.1", port))
    socks.append(s)
codes = {}
for s in socks:
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(256)
        if not chunk:
            break
        data += chunk
    code = data[:3].decode() or "closed"
    codes[code] = codes.get(code, 0) + 1
for code in sorted(codes):
    print(code, codes[code])
print("fds", len(os.listdir("/proc/%s/fd" % pid)))
for line in open("/proc/%s/status" % pid):
    if line.startswith("VmRSS:"):
        print("rss_kib", line.split()[1])
for s in socks:
    s.close()
