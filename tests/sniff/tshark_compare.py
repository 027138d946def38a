#!/usr/bin/env python3
"""tshark_compare.py SOCKBOX PCAP... - decode each PCAP with `sockbox sniff
--json` and with `tshark -T fields`, and compare, packet by packet, the
fields both decode: addresses, ports, TCP flags, raw sequence and
acknowledgement numbers, window, header and payload lengths, UDP length,
IPv4 length/TTL/id, ARP opcode and addresses, ICMP type and code.

Only packets whose layers tshark and sniff see alike are compared field by
field (an Ethernet/SLL/loopback/raw frame carrying one IP header and then
TCP, UDP or ICMP, or ARP); tunnels and ICMP errors are skipped.  The packet
count must always match.  Prints one line per file, "FILE: N packets, M
compared", and every mismatch; exits 1 on any mismatch.
"""
import json
import subprocess
import sys

FIELDS = [
    "frame.number", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
    "ip.len", "ip.ttl", "ip.id", "ip.hdr_len",
    "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.len",
    "tcp.window_size_value", "tcp.hdr_len",
    "udp.srcport", "udp.dstport", "udp.length",
    "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4",
    "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
]
LINKS = {"eth", "sll", "linux_sll", "linux_sll2", "null", "loop", "raw", "ethertype", "vlan"}


def tshark_rows(path):
    # no reassembly: sniff shows each frame on its own, so must tshark
    cmd = ["tshark", "-n", "-r", path, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
           "-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields", "-E", "occurrence=f", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    rows = []
    for line in out.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        rows.append(dict(zip(FIELDS, cols)))
    return rows


def simple_kind(protocols):
    """'tcp', 'udp', 'icmp', 'icmpv6' or 'arp' when the frame is plain, else None."""
    parts = [p for p in protocols.split(":") if p and not p.startswith("ipv6.")]
    i = 0
    while i < len(parts) and parts[i] in LINKS:
        i += 1
    rest = parts[i:]
    if rest[:1] == ["arp"]:
        return "arp"
    if not rest or rest[0] not in ("ip", "ipv6"):
        return None
    if len(rest) < 2 or rest[1] not in ("tcp", "udp", "icmp", "icmpv6"):
        return None
    later = rest[2:]
    if any(p in ("ip", "ipv6", "icmp", "icmpv6", "tcp", "udp", "_ws.malformed") for p in later):
        return None
    return rest[1]


def num(v):
    if v == "":
        return None
    return int(v, 16) if v.startswith("0x") else int(v)


def compare(sockbox, path):
    mine = subprocess.run([sockbox, "sniff", "--json", "-r", path], capture_output=True, text=True,
                          timeout=120)
    packets = [json.loads(l) for l in mine.stdout.splitlines()]
    theirs = tshark_rows(path)
    bad = []
    if len(packets) != len(theirs):
        bad.append("packet count: sniff %d, tshark %d" % (len(packets), len(theirs)))
    compared = 0
    for p, t in zip(packets, theirs):
        kind = simple_kind(t["frame.protocols"])
        if kind is None or p.get("problems"):
            continue
        pairs = []
        ip = p.get("ipv4") or p.get("ipv6")
        if kind == "arp":
            a = p.get("arp", {})
            if a.get("ptype") != 0x0800 or a.get("plen") != 4:
                continue
            pairs += [("arp.opcode", a.get("op"), num(t["arp.opcode"])),
                      ("arp.src.proto_ipv4", a.get("spa"), t["arp.src.proto_ipv4"]),
                      ("arp.dst.proto_ipv4", a.get("tpa"), t["arp.dst.proto_ipv4"])]
        elif ip is None:
            pairs.append(("ip layer", None, kind))
        elif "ipv4" in p:
            pairs += [("ip.src", ip["src"], t["ip.src"]), ("ip.dst", ip["dst"], t["ip.dst"]),
                      ("ip.len", ip["len"], num(t["ip.len"])), ("ip.ttl", ip["ttl"], num(t["ip.ttl"])),
                      ("ip.id", ip["id"], num(t["ip.id"])), ("ip.hdr_len", ip["hdr_len"], num(t["ip.hdr_len"]))]
        else:
            pairs += [("ipv6.src", ip["src"], t["ipv6.src"]), ("ipv6.dst", ip["dst"], t["ipv6.dst"])]
        if kind == "tcp":
            tc = p.get("tcp", {})
            pairs += [("tcp.srcport", tc.get("sport"), num(t["tcp.srcport"])),
                      ("tcp.dstport", tc.get("dport"), num(t["tcp.dstport"])),
                      ("tcp.flags", tc.get("flags_raw"), num(t["tcp.flags"])),
                      ("tcp.seq_raw", tc.get("seq"), num(t["tcp.seq_raw"])),
                      ("tcp.ack_raw", tc.get("ack"), num(t["tcp.ack_raw"])),
                      ("tcp.window_size_value", tc.get("window"), num(t["tcp.window_size_value"])),
                      ("tcp.hdr_len", tc.get("hdr_len"), num(t["tcp.hdr_len"])),
                      ("tcp.len", p.get("payload", {}).get("len"), num(t["tcp.len"]))]
        elif kind == "udp":
            u = p.get("udp", {})
            pairs += [("udp.srcport", u.get("sport"), num(t["udp.srcport"])),
                      ("udp.dstport", u.get("dport"), num(t["udp.dstport"])),
                      ("udp.length", u.get("len"), num(t["udp.length"]))]
        elif kind in ("icmp", "icmpv6"):
            ic = p.get(kind, {})
            pairs += [(kind + ".type", ic.get("type"), num(t[kind + ".type"])),
                      (kind + ".code", ic.get("code"), num(t[kind + ".code"]))]
        for name, a, b in pairs:
            # tshark leaves a field empty where it gives up on a lying
            # header that sniff decodes; an IPv4 length of 0 (segmentation
            # offload) tshark replaces with the frame's
            if b in (None, "") or (name == "ip.len" and a == 0):
                continue
            if a != b:
                bad.append("packet %s: %s: sniff %r, tshark %r" % (t["frame.number"], name, a, b))
        compared += 1
    print("%s: %d packets, %d compared" % (path, len(packets), compared))
    for line in bad[:20]:
        print("  MISMATCH " + line)
    return not bad


def main():
    sockbox = sys.argv[1]
    ok = True
    for path in sys.argv[2:]:
        ok = compare(sockbox, path) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
