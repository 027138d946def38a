#!/usr/bin/env python3
"""craft.py NAME OUT.pcap - writes one hand-made capture for tests/sniff.bats.

Plain captures cover link layers and protocols the loopback cannot make
(ARP, BSD loopback, raw IP, 802.1Q, IPv4 options, IPv6 extension headers,
ICMP errors).  Hostile ones lie: a snapshot that cuts a header, header
lengths below the minimum or beyond the packet, length fields larger than
what follows, broken options, a chain of extension headers too long, a
zero snapshot length, a file cut in the middle of a record.  Addresses are
from the documentation ranges (RFC 5737, RFC 3849): these bytes only ever
live in files.
"""
import random
import struct
import sys

ETH, NULL, RAW = 1, 0, 101
MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
BCAST = b"\xff" * 6
IP_A = bytes([192, 0, 2, 1])
IP_B = bytes([192, 0, 2, 2])
IP6_A = bytes.fromhex("20010db8000000000000000000000001")
IP6_B = bytes.fromhex("20010db8000000000000000000000002")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(payload, ethertype=0x0800, dst=MAC_B, src=MAC_A):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(payload, proto, src=IP_A, dst=IP_B, ihl=5, total=None, options=b"", version=4, ident=0x1234, frag=0x4000):
    total = 4 * ihl + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl, 0, total & 0xFFFF, ident, frag, 64, proto, 0, src, dst)
    hdr += options
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(payload, nxt, src=IP6_A, dst=IP6_B, plen=None):
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 6 << 28, plen, nxt, 64, src, dst) + payload


def tcp(sport=40000, dport=80, seq=1000, ack=0, flags=0x02, win=65535, doff=None, options=b"", data=b""):
    doff = (20 + len(options)) // 4 if doff is None else doff
    return struct.pack("!HHIIHHHH", sport, dport, seq, ack, doff << 12 | flags, win, 0, 0) + options + data


def udp(sport=40000, dport=53, data=b"", length=None):
    length = 8 + len(data) if length is None else length
    return struct.pack("!HHHH", sport, dport, length, 0) + data


def icmp(typ, code, rest, data=b""):
    body = struct.pack("!BBHI", typ, code, 0, rest) + data
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def pcap(records, linktype=ETH, snaplen=262144):
    """records: frames, or (frame, wirelen) pairs, or (frame, wirelen, caplen)."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)
    for i, r in enumerate(records):
        if isinstance(r, bytes):
            r = (r, len(r))
        frame, wirelen = r[0], r[1]
        caplen = r[2] if len(r) > 2 else len(frame)
        out += struct.pack("<IIII", 1700000000 + i, 123 + i, caplen, wirelen) + frame
    return out


SYN_OPTS = (struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" + struct.pack("!BBII", 8, 10, 111, 0)
            + b"\x01" + struct.pack("!BBB", 3, 3, 7))
SACK_OPTS = b"\x01\x01" + struct.pack("!BBIIII", 5, 18, 2000, 2100, 3000, 3100)


def plain(name):
    if name == "arp":
        return pcap([
            eth(arp(1, MAC_A, IP_A, b"\0" * 6, IP_B), 0x0806, dst=BCAST),
            eth(arp(2, MAC_B, IP_B, MAC_A, IP_A), 0x0806, dst=MAC_A, src=MAC_B),
            eth(arp(1, MAC_A, IP_A, b"\0" * 6, IP_A), 0x0806, dst=BCAST),
        ])
    if name == "null":
        return pcap([
            struct.pack("<I", 2) + ipv4(tcp(options=SYN_OPTS), 6),
            struct.pack("<I", 30) + ipv6(udp(data=b"hello"), 17),
        ], NULL)
    if name == "raw":
        return pcap([
            ipv4(icmp(8, 0, 0x00070001, b"ping"), 1),
            ipv6(icmp(128, 0, 0x00070001, b"ping"), 58),
        ], RAW)
    if name == "vlan":
        tagged = struct.pack("!HH", 100, 0x0800) + ipv4(udp(data=b"tagged"), 17)
        return pcap([eth(tagged, 0x8100)])
    if name == "ipv4-options":
        rr = bytes([7, 11, 4]) + b"\0" * 8 + b"\x01"  # record route, then a nop: 12 bytes
        return pcap([eth(ipv4(udp(data=b"opts"), 17, ihl=8, options=rr))])
    if name == "ipv6-ext":
        seg = tcp(options=SYN_OPTS)
        frag = struct.pack("!BBHI", 6, 0, 0x0001, 0xABCD)          # offset 0, more fragments
        dest = struct.pack("!BB", 44, 0) + b"\x01\x04\0\0\0\0"      # destination options, padded
        hbh = struct.pack("!BB", 60, 0) + b"\x01\x04\0\0\0\0"       # hop-by-hop
        return pcap([eth(ipv6(hbh + dest + frag + seg, 0), 0x86DD)])
    if name == "tcp-options":
        return pcap([
            eth(ipv4(tcp(options=SYN_OPTS), 6)),
            eth(ipv4(tcp(flags=0x10, seq=1001, ack=5001, options=SACK_OPTS), 6)),
        ])
    if name == "first-fragment":        # the first 1480 bytes of a 2008-byte UDP datagram, IPv4 then IPv6
        dgram = udp(data=bytes(2000))
        frag6 = struct.pack("!BBHI", 17, 0, 0x0001, 0xABCD)
        return pcap([eth(ipv4(dgram[:1480], 17, frag=0x2000)),
                     eth(ipv6(frag6 + dgram[:1448], 44), 0x86DD)])
    if name == "tcp-retransmit-reset":
        c, sv = dict(src=IP_A, dst=IP_B), dict(src=IP_B, dst=IP_A)
        return pcap([
            eth(ipv4(tcp(40000, 80, 1000, 0, 0x02), 6, **c)),
            eth(ipv4(tcp(80, 40000, 5000, 1001, 0x12), 6, **sv)),
            eth(ipv4(tcp(40000, 80, 1001, 5001, 0x10), 6, **c)),
            eth(ipv4(tcp(40000, 80, 1001, 5001, 0x18, data=b"hello"), 6, **c)),
            eth(ipv4(tcp(40000, 80, 1001, 5001, 0x18, data=b"hello"), 6, **c)),
            eth(ipv4(tcp(80, 40000, 5001, 1006, 0x14), 6, **sv)),
        ])
    if name == "tcp-midstream":
        return pcap([
            eth(ipv4(tcp(40000, 80, 7000, 9000, 0x18, data=b"abc"), 6)),
            eth(ipv4(tcp(80, 40000, 9000, 7003, 0x10), 6, src=IP_B, dst=IP_A)),
        ])
    if name == "ascii":                 # a request with CRLFs, bytes outside ASCII, a lone CR; then a SYN
        data = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\xc3\xa9\tend\rok\r"
        return pcap([eth(ipv4(tcp(40000, 80, 1001, 5001, 0x18, data=data), 6)),
                     eth(ipv4(tcp(), 6))])
    if name == "icmp-error":
        quoted = ipv4(udp(sport=40000, dport=9, data=b"x"), 17, src=IP_B, dst=IP_A)
        return pcap([eth(ipv4(icmp(3, 3, 0, quoted), 1))])
    return None


def hostile(name):
    syn = eth(ipv4(tcp(options=SYN_OPTS), 6))
    if name == "trunc-tcp":             # the snapshot ends 12 bytes into TCP
        return pcap([(syn[:14 + 20 + 12], len(syn))], snaplen=46)
    if name == "tcp-options-cut":       # snapshots ending inside TS, then after wscale's kind byte
        return pcap([(syn[:14 + 20 + 20 + 9], len(syn)), (syn[:14 + 20 + 20 + 18], len(syn))], snaplen=72)
    if name == "caplen-zero":           # records that hold no byte at all
        return pcap([(b"", 60), (b"", 0)])
    if name == "zero-snaplen":          # a file header that says snapshot 0
        return pcap([syn, eth(ipv4(udp(data=b"z"), 17))], snaplen=0)
    if name == "bad-ihl":               # IPv4 header length 12 bytes
        return pcap([eth(ipv4(udp(data=b"x"), 17, ihl=3, total=40))])
    if name == "bad-version":           # an EtherType IPv4 frame holding version 5
        return pcap([eth(ipv4(udp(data=b"x"), 17, version=5))])
    if name == "ip-len-lies":           # total length 1500, 40 bytes follow
        return pcap([eth(ipv4(tcp(flags=0x10), 6, total=1500))])
    if name == "ip-len-short":          # total length 10, less than the header
        return pcap([eth(ipv4(tcp(flags=0x10), 6, total=10))])
    if name == "tcp-doff-small":        # data offset 3 words
        return pcap([eth(ipv4(tcp(doff=3), 6))])
    if name == "tcp-doff-big":          # data offset 60 bytes in a 20-byte segment
        return pcap([eth(ipv4(tcp(doff=15), 6))])
    if name == "tcp-option-bad":        # a timestamps option claiming 40 bytes
        return pcap([eth(ipv4(tcp(options=b"\x08\x28\0\0\0\0\0\0\0\0\0\0"), 6))])
    if name == "udp-len-lies":          # UDP length 200, 12 bytes follow
        return pcap([eth(ipv4(udp(data=b"abcd", length=200), 17))])
    if name == "ipv6-deep":             # nine destination-options headers
        ext = b"".join(struct.pack("!BB", 60, 0) + b"\x01\x04\0\0\0\0" for _ in range(9))
        return pcap([eth(ipv6(ext + udp(data=b"x"), 60), 0x86DD)])
    if name == "ipv6-len-lies":
        return pcap([eth(ipv6(udp(data=b"x"), 17, plen=4000), 0x86DD)])
    if name == "ipv4-options-cut":      # the snapshot ends inside the IPv4 options
        rr = bytes([7, 11, 4]) + b"\0" * 8 + b"\x01"
        frame = eth(ipv4(udp(data=b"opts"), 17, ihl=8, options=rr))
        return pcap([(frame[:14 + 24], len(frame))], snaplen=38)
    if name == "cut-file":              # the file ends in the middle of a record
        data = pcap([syn, syn])
        return data[:-30]
    if name == "odd-times":             # microseconds out of range; seconds of 2^31 and 2^32 - 1
        frame = eth(arp(1, MAC_A, IP_A, b"\0" * 6, IP_B), 0x0806, dst=BCAST)
        out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, ETH)
        for sec, usec in ((1700000000, 0xFFFFFFFF), (1700000000, 1000000), (0x80000000, 5), (0xFFFFFFFF, 999999)):
            out += struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame
        return out
    if name == "arp-sizes":             # IPv4 over InfiniBand (hardware size 20), then protocol size 8
        ib = struct.pack("!HHBBH", 32, 0x0800, 20, 4, 1) + bytes(range(20)) + IP_A + bytes(20) + IP_B
        p8 = struct.pack("!HHBBH", 1, 0x0800, 6, 8, 1) + MAC_A + bytes(8) + bytes(6) + bytes(8)
        return pcap([eth(ib, 0x0806, dst=BCAST), eth(p8, 0x0806, dst=BCAST)])
    if name == "ip-len-zero":           # total length 0, as segmentation offload leaves it
        return pcap([eth(ipv4(tcp(flags=0x10, data=b"x" * 100), 6, total=0))])
    if name == "wire-short":            # a record claiming 20 bytes on the wire, 45 captured
        return pcap([(eth(ipv4(udp(data=b"abc"), 17)), 20)])
    if name == "ipv6-ext-cut":          # the snapshot ends inside a destination-options header; AE set
        dest = struct.pack("!BB", 6, 1) + b"\x01\x0c" + b"\0" * 12
        frame = eth(ipv6(dest + tcp(flags=0x110), 60), 0x86DD)
        return pcap([(frame[:14 + 40 + 10], len(frame)), eth(ipv4(tcp(flags=0x110), 6))], snaplen=262144)
    if name == "ipv6-plen-zero":        # payload length 0 and no hop-by-hop header: no Jumbo option either
        return pcap([eth(ipv6(udp(data=b"zero"), 17, plen=0), 0x86DD)])
    if name == "ipv6-jumbo-bad":        # Jumbo options that disagree: with a payload length, below 65536, past the frame
        def hbh_jumbo(jlen, nxt=17):    # hop-by-hop: Jumbo Payload (0xC2, RFC 2675) at offset 2
            return struct.pack("!BBBBI", nxt, 0, 0xC2, 4, jlen)
        seg = udp(data=b"jumbo")
        return pcap([eth(ipv6(hbh_jumbo(70000) + seg, 0), 0x86DD),
                     eth(ipv6(hbh_jumbo(8 + len(seg)) + seg, 0, plen=0), 0x86DD),
                     eth(ipv6(hbh_jumbo(70000) + seg, 0, plen=0), 0x86DD)])
    if name == "ipv6-hbh-twice":        # hop-by-hop twice in a row, then after a destination-options header
        hbh = struct.pack("!BB", 0, 0) + b"\x01\x04\0\0\0\0"
        hbh_udp = struct.pack("!BB", 17, 0) + b"\x01\x04\0\0\0\0"
        dest = struct.pack("!BB", 0, 0) + b"\x01\x04\0\0\0\0"
        seg = udp(data=b"hbh")
        return pcap([eth(ipv6(hbh + hbh_udp + seg, 0), 0x86DD),
                     eth(ipv6(dest + hbh_udp + seg, 60), 0x86DD)])
    if name == "huge-caplen":           # a record header claiming 2 GB
        return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1) + \
            struct.pack("<IIII", 1700000000, 0, 0x7FFFFFFF, 0x7FFFFFFF) + b"\0" * 64
    return None


def garbage():
    """Random frames under every link layer sniff decodes: (linktype, capture) pairs."""
    rnd = random.Random(7)
    for linktype in (ETH, NULL, RAW, 113, 276, 228, 229, 108):
        recs = []
        for _ in range(300):
            n = rnd.randrange(0, 120)
            frame = bytes(rnd.randrange(256) for _ in range(n))
            if linktype == ETH and n > 14 and rnd.random() < 0.5:
                frame = frame[:12] + rnd.choice([b"\x08\x00", b"\x86\xdd", b"\x08\x06", b"\x81\x00"]) + \
                    bytes([0x45 if rnd.random() < 0.5 else 0x60]) + frame[15:]
            recs.append((frame, n + rnd.randrange(0, 64)))
        yield linktype, pcap(recs, linktype)


def main():
    name, path = sys.argv[1], sys.argv[2]
    if name == "garbage":
        for linktype, blob in garbage():
            with open("%s.%d" % (path, linktype), "wb") as f:
                f.write(blob)
        return
    data = plain(name)
    if data is None:
        data = hostile(name)
    if data is None:
        sys.exit("craft.py: no capture named %s" % name)
    with open(path, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
