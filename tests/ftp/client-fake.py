#!/usr/bin/python3
"""A hostile FTP server for tests/ftp-client.bats: the replies no real server
sends on purpose.

    client-fake.py MODE --port-file FILE

Listens on 127.0.0.1 (port 0, written to PORT_FILE once listening), serves
one client, then exits.  MODE:
  bad227      EPSV refused, PASV answered with a 227 that has no address
  endless     the greeting is a multi-line reply that never ends
  pasv-other  EPSV refused, PASV names 127.0.0.2; the data listener is on
              127.0.0.1 only, so a client that obeys the 227 fails
  silent      accepts, then never says a word
  stall       RETR sends a few bytes on the data connection, then nothing
  dos         LIST answers in the DOS shape (IIS), one line of no known shape
"""
import os
import socket
import sys

PAYLOAD = b"payload from the fake server\r\n##\r\n"
DOS_LISTING = (b"12-07-26  12:43AM       <DIR>          sub dir\r\n"
               b"12-07-26  01:05PM              1234 a b.txt\r\n"
               b"this line fits no listing shape\r\n")


def main():
    mode, port_file = sys.argv[1], sys.argv[3]
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    conn, _ = ls.accept()
    f = conn.makefile("rwb", buffering=0)

    def say(line):
        conn.sendall(line.encode() + b"\r\n")

    if mode == "silent":
        conn.recv(1)
        return
    if mode == "endless":
        say("220-welcome")
        try:
            while True:
                conn.sendall(b"220-and more words\r\n" * 1000)
        except OSError:
            return
    say("220 fake ready")
    data_ls = None
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode(errors="replace").strip()
        verb = cmd.split(" ")[0].upper()
        if verb == "USER":
            say("331 password please")
        elif verb == "PASS":
            say("230 in")
        elif verb == "FEAT":
            say("211-Features:")
            say(" SIZE")
            say("211 End")
        elif verb == "TYPE":
            say("200 binary")
        elif verb == "SIZE":
            say("213 %d" % len(PAYLOAD))
        elif verb == "EPSV":
            say("500 EPSV not understood")
        elif verb == "PASV":
            if mode == "bad227":
                say("227 Entering Passive Mode (no address here)")
            else:
                data_ls = socket.socket()
                data_ls.bind(("127.0.0.1", 0))
                data_ls.listen(1)
                p = data_ls.getsockname()[1]
                named = "127,0,0,2" if mode == "pasv-other" else "127,0,0,1"
                say("227 Entering Passive Mode (%s,%d,%d)" % (named, p >> 8, p & 255))
        elif verb == "RETR" and data_ls:
            say("150 here it comes")
            d, _ = data_ls.accept()
            if mode == "stall":
                d.sendall(PAYLOAD[:10])
                d.recv(1)  # until the client gives up and closes
                return
            d.sendall(PAYLOAD)
            d.close()
            say("226 done")
        elif verb == "LIST" and data_ls:
            say("150 listing")
            d, _ = data_ls.accept()
            d.sendall(DOS_LISTING)
            d.close()
            say("226 done")
        elif verb == "QUIT":
            say("221 bye")
            return
        else:
            say("502 not here")


if __name__ == "__main__":
    main()
