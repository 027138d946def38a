#!/usr/bin/env python3
"""tests/http-peer.py - a scripted HTTP peer for http-probe's hostile cases.

Listens on 127.0.0.1, port 0, writes the port to --port-file atomically
once listening, and answers every request it reads (the head up to the
empty line, then Content-Length bytes of body) with the bytes of --reply
FILE, as they are: any status line, any framing, any lie.  Connections are
served one after another, until the test stops the peer by PID.

  --reply FILE        bytes sent for each request (default: a tiny 200)
  --log FILE          append every request received, raw, to FILE
  --answer N          answer N requests per connection, then close it
                      without answering the next one
  --after MODE        after each answer: keep (read the next request on
                      the connection), close, reset (RST via SO_LINGER 0),
                      or hang (never read, never close)
  --mode MODE         reply (default); silent: accept, read, never answer;
                      endless-headers: a status line, then header fields
                      forever; reset: a RST as soon as the request is in
"""
import argparse
import os
import socket
import struct
import time

DEFAULT_REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def reset(conn):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def read_request(conn, pending):
    """One request (head and Content-Length body) or None at the end."""
    while b"\r\n\r\n" not in pending:
        data = conn.recv(65536)
        if not data:
            return None, b""
        pending += data
    head, _, rest = pending.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            break
        rest += data
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def hang(conn):
    while True:
        time.sleep(3600)


def serve(conn, args, reply):
    pending = b""
    answered = 0
    while True:
        request, pending = read_request(conn, pending)
        if request is None:
            return
        if args.log:
            with open(args.log, "ab") as f:
                f.write(request)
        if args.mode == "silent":
            hang(conn)
        if args.mode == "reset":
            reset(conn)
            return
        if args.answer is not None and answered >= args.answer:
            conn.close()
            return
        if args.mode == "endless-headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            try:
                while True:
                    conn.sendall(b"X-Filler: " + b"x" * 100 + b"\r\n")
            except OSError:
                return
        conn.sendall(reply)
        answered += 1
        if args.after == "close":
            conn.close()
            return
        if args.after == "reset":
            reset(conn)
            return
        if args.after == "hang":
            hang(conn)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--reply")
    parser.add_argument("--log")
    parser.add_argument("--answer", type=int)
    parser.add_argument("--after", default="keep", choices=["keep", "close", "reset", "hang"])
    parser.add_argument("--mode", default="reply", choices=["reply", "silent", "endless-headers", "reset"])
    args = parser.parse_args()
    reply = DEFAULT_REPLY
    if args.reply:
        with open(args.reply, "rb") as f:
            reply = f.read()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    write_port_file(args.port_file, listener.getsockname()[1])
    while True:
        conn, _ = listener.accept()
        try:
            serve(conn, args, reply)
        except (ConnectionError, BrokenPipeError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


if __name__ == "__main__":
    main()
