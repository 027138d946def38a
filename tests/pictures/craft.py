#!/usr/bin/env python3
"""craft.py NAME OUT.pcap - captures for tests/pictures.bats (sniff --svg).

  rexmit-rst   a handshake, data, the same data again (a retransmission:
               this kernel has no netem to lose a packet on purpose), the
               answer, then a reset from the server
  long         one connection of 100,000 segments (a handshake, then data
               acknowledged one segment at a time)
  hostile      labels that must be escaped: TCP and UDP payloads holding
               markup, quotes, control bytes and invalid UTF-8, an ARP
               request and its reply, a ping

The frames are built with tests/sniff/craft.py's helpers; addresses are
from the documentation ranges (RFC 5737).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sniff"))
from craft import ETH, IP_A, IP_B, MAC_A, MAC_B, BCAST, arp, eth, icmp, ipv4, tcp, udp  # noqa: E402

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
C, S = 40000, 7  # client and server ports
CISN, SISN = 1000, 5000


def seg(frm_client, seq, ack, flags, data=b""):
    sport, dport = (C, S) if frm_client else (S, C)
    src, dst = (IP_A, IP_B) if frm_client else (IP_B, IP_A)
    return eth(ipv4(tcp(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, data=data), 6, src=src, dst=dst))


def pcap(frames, step_us=100):
    """frames at 1.7e9 s plus step_us apart; a 3 s pause before any frame given as (frame, 'pause')."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, ETH))
    t = 1700000000 * 1000000
    for f in frames:
        if isinstance(f, tuple):
            f, t = f[0], t + 3000000
        out += struct.pack("<IIII", t // 1000000, t % 1000000, len(f), len(f)) + f
        t += step_us
    return bytes(out)


def handshake():
    return [seg(1, CISN, 0, SYN), seg(0, SISN, CISN + 1, SYN | ACK), seg(1, CISN + 1, SISN + 1, ACK)]


def rexmit_rst():
    return pcap(handshake() + [
        seg(1, CISN + 1, SISN + 1, PSH | ACK, b"hello"),
        (seg(1, CISN + 1, SISN + 1, PSH | ACK, b"hello"), "pause"),
        seg(0, SISN + 1, CISN + 6, PSH | ACK, b"hello"),
        seg(1, CISN + 6, SISN + 6, ACK),
        seg(0, SISN + 6, CISN + 6, RST | ACK),
    ])


def long():
    frames = handshake()
    seq = CISN + 1
    while len(frames) < 100000:
        frames.append(seg(1, seq, SISN + 1, ACK, b"x" * 10))
        seq += 10
        frames.append(seg(0, SISN + 1, seq, ACK))
    return pcap(frames[:100000], step_us=10)


def hostile():
    bad = b'\x00\x1b\xff<b>&"\'</b>\xfe<script>alert(1)</script>'
    return pcap(handshake() + [
        seg(1, CISN + 1, SISN + 1, PSH | ACK, bad),
        eth(ipv4(udp(sport=5353, dport=53, data=b"</text><svg onload=1>\x07"), 17)),
        eth(arp(1, MAC_A, IP_A, b"\0" * 6, IP_B), 0x0806, dst=BCAST),
        eth(arp(2, MAC_B, IP_B, MAC_A, IP_A), 0x0806, dst=MAC_A, src=MAC_B),
        eth(ipv4(icmp(8, 0, 0x12340001, b"ping"), 1)),
        eth(ipv4(icmp(0, 0, 0x12340001, b"ping"), 1, src=IP_B, dst=IP_A), dst=MAC_A, src=MAC_B),
    ])


if __name__ == "__main__":
    makers = {"rexmit-rst": rexmit_rst, "long": long, "hostile": hostile}
    if len(sys.argv) != 3 or sys.argv[1] not in makers:
        sys.exit("usage: craft.py rexmit-rst|long|hostile OUT.pcap")
    with open(sys.argv[2], "wb") as f:
        f.write(makers[sys.argv[1]]())
