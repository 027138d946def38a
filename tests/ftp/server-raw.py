#!/usr/bin/python3
"""server-raw.py PORT [--source ADDR] STEP... - talks raw FTP to ftp-server
on 127.0.0.1:PORT and prints every reply line it gets, one step at a time.

A STEP is a command line sent as it is ("USER anonymous"), or one of:
  !long N            a command line of N bytes (then CR LF)
  !pasvfrom ADDR CMD PASV, then connect the data connection from ADDR, then CMD
  !storcut NAME N    EPSV, STOR NAME, send N bytes, then vanish (no QUIT, no close)
  !slowretr NAME     EPSV, RETR NAME, then read one byte a second, forever
  !retr NAME         EPSV, RETR NAME, print the data's length and SHA-256
"""
import hashlib
import os
import re
import socket
import sys
import time


def closed():
    print("(closed)")
    sys.stdout.flush()
    sys.exit(0)


def read_reply(f):
    lines = []
    try:
        line = f.readline().decode("utf-8", "replace").rstrip("\r\n")
    except ConnectionResetError:
        # The server closed with our next command unread: the kernel
        # answers that with a reset instead of an end of stream.
        closed()
    if not line:
        closed()
    lines.append(line)
    if len(line) > 3 and line[3] == "-":
        code = line[:3]
        while True:
            line = f.readline().decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                break
            lines.append(line)
            if line.startswith(code + " "):
                break
    for l in lines:
        print(l)
    sys.stdout.flush()
    return lines[-1]


def send(s, text):
    try:
        s.sendall(text.encode("utf-8") + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        closed()


def epsv(s, f, source=None):
    send(s, "EPSV")
    last = read_reply(f)
    port = int(re.search(r"\|\|\|(\d+)\|", last).group(1))
    d = socket.socket()
    if source:
        d.bind((source, 0))
    d.connect(("127.0.0.1", port))
    return d


def pasv(s, f, source):
    send(s, "PASV")
    last = read_reply(f)
    n = [int(x) for x in re.search(r"\((\d+,\d+,\d+,\d+,\d+,\d+)\)", last).group(1).split(",")]
    d = socket.socket()
    d.bind((source, 0))
    d.connect(("127.0.0.1", n[4] * 256 + n[5]))
    return d


def main():
    port = int(sys.argv[1])
    args = sys.argv[2:]
    source = None
    if args[:1] == ["--source"]:
        source, args = args[1], args[2:]
    s = socket.socket()
    if source:
        s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    f = s.makefile("rb")
    read_reply(f)
    for step in args:
        if step.startswith("!long "):
            s.sendall(b"A" * int(step.split()[1]) + b"\r\n")
            read_reply(f)
        elif step.startswith("!pasvfrom "):
            _, addr, cmd = step.split(" ", 2)
            d = pasv(s, f, addr)
            send(s, cmd)
            read_reply(f)
            d.close()
        elif step.startswith("!storcut "):
            _, name, n = step.split()
            d = epsv(s, f)
            send(s, "STOR " + name)
            read_reply(f)
            d.sendall(os.urandom(int(n)))
            sys.stdout.flush()
            os._exit(0)  # the process ends: the kernel closes both connections
        elif step.startswith("!slowretr "):
            d = epsv(s, f)
            d.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            send(s, "RETR " + step.split()[1])
            read_reply(f)
            while d.recv(1):
                time.sleep(1)
        elif step.startswith("!retr "):
            d = epsv(s, f)
            send(s, "RETR " + step.split(" ", 1)[1])
            read_reply(f)
            data = b""
            while True:
                chunk = d.recv(65536)
                if not chunk:
                    break
                data += chunk
            d.close()
            print("data: %d bytes, sha256 %s" % (len(data), hashlib.sha256(data).hexdigest()))
            read_reply(f)
        else:
            send(s, step)
            read_reply(f)


main()
