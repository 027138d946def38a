#!/usr/bin/env python3
"""tests/mux-client.py - hostile and numerous clients for the multiplexing
servers' suites (tests/select-server.bats, poll-server.bats, epoll-server.bats).

    mux-client.py hold PORT N [--echo] [--hold-file F] [--release-file F]
        opens N connections at once and keeps them open; with --echo, sends
        one line on each and checks each gets it back; writes "held N
        refused R" to --hold-file once they are all up, then waits for
        --release-file (at most 60 s) and closes them all with RST.
        A connection answered with "too many clients" or closed at once
        counts as refused.
    mux-client.py churn PORT TOTAL BATCH
        opens TOTAL connections, BATCH at a time, one echoed line each,
        closed with RST (no TIME_WAIT to run out of ports); prints "ok TOTAL".
    mux-client.py flood PORT SECS
        sends as fast as it can for SECS without ever reading; prints the
        bytes the kernel accepted.
    mux-client.py slowloris PORT INTERVAL MAX_SECS
        sends an HTTP request head one field at a time, INTERVAL apart,
        never finishing it; prints "closed after S" when the server hangs up
        (or "still open" after MAX_SECS).
    mux-client.py reset PORT
        sends a line, then resets the connection (SO_LINGER 0).

Every wait is bounded; exit status 1 on any check that fails.
"""
import errno
import os
import selectors
import socket
import struct
import sys
import time

LINGER_RST = struct.pack("ii", 1, 0)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
    return s


def open_many(port, n):
    """n connections opened without waiting for each: non-blocking connects."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
        s.setblocking(False)
        err = s.connect_ex(("127.0.0.1", port))
        if err not in (0, errno.EINPROGRESS):
            raise OSError(err, os.strerror(err))
        socks.append(s)
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_WRITE)
    pending, deadline = len(socks), time.time() + 30
    while pending and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            sel.unregister(key.fileobj)
            pending -= 1
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise OSError(err, os.strerror(err))
    sel.close()
    if pending:
        raise TimeoutError("%d connects did not complete" % pending)
    return socks


def echo_all(socks, tag):
    """Sends a line on each socket; returns how many echoed it and how many
    were refused (answered "too many clients" or closed)."""
    sel = selectors.DefaultSelector()
    want, got = {}, {}
    for i, s in enumerate(socks):
        line = ("%s %d\n" % (tag, i)).encode()
        want[s] = line
        got[s] = b""
        try:
            s.send(line)
        except OSError:
            pass
        sel.register(s, selectors.EVENT_READ)
    echoed = refused = 0
    deadline = time.time() + 60
    while want and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            got[s] += data
            if got[s] == want[s]:
                echoed += 1
            elif data and not want[s].startswith(got[s]):
                refused += got[s].startswith(b"too many clients")
                if not got[s].startswith(b"too many clients"):
                    print("wrong echo: %r" % got[s], file=sys.stderr)
            elif data:
                continue
            else:
                refused += 1
            sel.unregister(s)
            del want[s]
    sel.close()
    if want:
        print("%d connections never answered" % len(want), file=sys.stderr)
    return echoed, refused


def wait_for_file(path, secs):
    deadline = time.time() + secs
    while time.time() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def cmd_hold(port, n, rest):
    echo = "--echo" in rest
    rest = [a for a in rest if a != "--echo"]
    opts = dict(zip(rest[::2], rest[1::2]))
    socks = open_many(port, n)
    held, refused = len(socks), 0
    if echo:
        held, refused = echo_all(socks, "hold")
    report = "held %d refused %d\n" % (held, refused)
    if "--hold-file" in opts:
        with open(opts["--hold-file"] + ".tmp", "w") as f:
            f.write(report)
        os.rename(opts["--hold-file"] + ".tmp", opts["--hold-file"])
    else:
        sys.stdout.write(report)
    if "--release-file" in opts:
        wait_for_file(opts["--release-file"], 60)
    for s in socks:
        s.close()
    return 0 if held + refused == n else 1


def cmd_churn(port, total, batch):
    done = 0
    while done < total:
        k = min(batch, total - done)
        socks = open_many(port, k)
        echoed, refused = echo_all(socks, "churn")
        for s in socks:
            s.close()
        if echoed != k:
            print("batch at %d: %d of %d echoed, %d refused" % (done, echoed, k, refused), file=sys.stderr)
            return 1
        done += k
    print("ok %d" % total)
    return 0


def cmd_flood(port, secs):
    s = connect(port)
    s.setblocking(False)
    chunk = b"x" * 65536
    sent, deadline = 0, time.time() + secs
    while time.time() < deadline:
        try:
            sent += s.send(chunk)
        except BlockingIOError:
            time.sleep(0.01)
    print(sent)
    s.close()
    return 0


def cmd_slowloris(port, interval, max_secs):
    s = connect(port)
    s.settimeout(interval)
    start = time.time()
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    i = 0
    while time.time() - start < max_secs:
        try:
            if s.recv(4096) == b"":
                print("closed after %.1f" % (time.time() - start))
                return 0
        except socket.timeout:
            pass
        except OSError:
            print("closed after %.1f" % (time.time() - start))
            return 0
        try:
            s.sendall(b"X-Slow-%d: y\r\n" % i)
        except OSError:
            print("closed after %.1f" % (time.time() - start))
            return 0
        i += 1
    print("still open")
    return 1


def cmd_reset(port):
    s = connect(port)
    s.sendall(b"about to reset\n")
    s.close()  # SO_LINGER 0: RST instead of FIN
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, port = argv[1], int(argv[2])
    if cmd == "hold":
        return cmd_hold(port, int(argv[3]), argv[4:])
    if cmd == "churn":
        return cmd_churn(port, int(argv[3]), int(argv[4]))
    if cmd == "flood":
        return cmd_flood(port, float(argv[3]))
    if cmd == "slowloris":
        return cmd_slowloris(port, float(argv[3]), float(argv[4]))
    if cmd == "reset":
        return cmd_reset(port)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
