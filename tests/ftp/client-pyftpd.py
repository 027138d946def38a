#!/usr/bin/python3
"""pyftpdlib on 127.0.0.1, port 0, for tests/ftp-client.bats.

    client-pyftpd.py ROOT [--rate BYTES_PER_S] [--user NAME:PASS] --port-file FILE

Serves ROOT to anonymous (read-only) and, with --user, to NAME with write
permission; writes the bound port to PORT_FILE (atomically) once listening.
--rate throttles every data connection (pyftpdlib's ThrottledDTPHandler),
so that a test can kill this mirror while a segmented download is
mid-flight.  Runs in the foreground until killed.
"""
import argparse
import os
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler
from pyftpdlib.servers import FTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--rate", type=int, default=0)
    ap.add_argument("--user", default=None)
    a = ap.parse_args()
    auth = DummyAuthorizer()
    auth.add_anonymous(a.root)
    if a.user:
        name, password = a.user.split(":", 1)
        auth.add_user(name, password, a.root, perm="elradfmwMT")
    handler = FTPHandler
    handler.authorizer = auth
    if a.rate:
        dtp = ThrottledDTPHandler
        dtp.read_limit = a.rate
        dtp.write_limit = a.rate
        handler.dtp_handler = dtp
    import logging
    logging.basicConfig(level=logging.WARNING)
    server = FTPServer(("127.0.0.1", 0), handler)
    port = server.socket.getsockname()[1]
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, a.port_file)
    server.serve_forever(handle_exit=False)


if __name__ == "__main__":
    sys.exit(main())
