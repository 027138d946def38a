#!/usr/bin/env python3
"""Checks on the pictures sockbox draws, for tests/pictures.bats.

  check.py svg FILE          well-formed, self-contained SVG 1.1: prints its
                             width and height ("W H")
  check.py arrows FILE       the ladder's arrows in drawing order, one line
                             each: "CLASS LABEL"
  check.py png FILE W H      a PNG of W x H pixels that is not one colour,
                             whose last column and row are white (the
                             picture fits: no scroll bar): prints the
                             number of distinct colours
Exit 1 with a message on stderr when a check fails.
"""
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

SVG = "{http://www.w3.org/2000/svg}"
# SVG 1.1 elements the modules may write; anything else (script,
# foreignObject, image, use of outside files) fails the check.
ALLOWED = {"svg", "title", "desc", "defs", "marker", "path", "style", "rect", "line", "text", "g", "polyline"}


def fail(msg):
    print("check.py: " + msg, file=sys.stderr)
    sys.exit(1)


def check_svg(path):
    root = ET.parse(path).getroot()
    if root.tag != SVG + "svg" or root.get("version") != "1.1":
        fail(f"{path}: root is not <svg version=1.1>")
    for el in root.iter():
        name = el.tag.replace(SVG, "")
        if name not in ALLOWED:
            fail(f"{path}: element <{name}> is not allowed")
        for k, v in el.attrib.items():
            if "href" in k or (("url(" in v) and not v.startswith("url(#")):
                fail(f"{path}: external reference {k}={v}")
    style = "".join(e.text or "" for e in root.iter(SVG + "style"))
    if "@import" in style or "url(" in style:
        fail(f"{path}: the style refers outside")
    print(root.get("width"), root.get("height"))


def arrows(path):
    root = ET.parse(path).getroot()
    for g in root.iter(SVG + "g"):
        if "arrow" not in (g.get("class") or "").split():
            continue
        texts = [t.text or "" for t in g.iter(SVG + "text")]
        print(g.get("class").split()[-1].replace("is-", ""), " ".join(texts))


def png(path, want_w, want_h):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if (w, h) != (int(want_w), int(want_h)):
        fail(f"{path}: {w}x{h}, expected {want_w}x{want_h}")
    if depth != 8 or ctype not in (2, 6):
        fail(f"{path}: colour type {ctype} depth {depth} not handled")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours = set()
    edge = set()
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:
            for x in range(0, stride, bpp * 2):
                colours.add(bytes(line[x:x + 3]))
        edge.add(bytes(line[stride - bpp:stride - bpp + 3]))
        if y == h - 1:
            edge.update(bytes(line[x:x + 3]) for x in range(0, stride, bpp))
        prev = line
    if edge != {b"\xff\xff\xff"}:
        fail(f"{path}: the last column or row is not white: a scroll bar, or the picture overflows")
    if len(colours) < 2:
        fail(f"{path}: the picture is blank")
    print(len(colours))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "svg" and len(sys.argv) == 3:
        check_svg(sys.argv[2])
    elif cmd == "arrows" and len(sys.argv) == 3:
        arrows(sys.argv[2])
    elif cmd == "png" and len(sys.argv) == 5:
        png(*sys.argv[2:])
    else:
        fail("usage: check.py svg FILE | arrows FILE | png FILE W H")
