#!/usr/bin/env python3
"""struct-pack-gen.py - the differential suite of sockbox struct-pack.

Draws random formats (valid and malformed) and random values and records
(valid and refused) from a fixed seed, asks Python 3's struct module what
they give, runs `sockbox struct-pack` on the same input and reports every
difference:

  size FORMAT          calcsize, or exit 2 for a malformed format
  pack FORMAT < lines  the same bytes as struct.pack, line after line
  pack ... bad line    exit 1, the records before it, the field named
  unpack FORMAT        the same values as struct.iter_unpack, as text
  unpack --json        the same values as JSON
  unpack partial       every whole record, then exit 1 naming the offset

Many records go through one process, so thousands of cases take seconds.

  python3 tests/struct-pack-gen.py --sockbox ./sockbox [--seed N] [--formats N]

Prints one summary line "struct-pack differential: ..., 0 mismatches" and
exits 0, or prints each mismatch with what reproduces it and exits 1.
The text forms (how a value is written on a line) are sockbox's own and
are mirrored here in to_python(); the bytes and values are Python's.
"""
import argparse
import json
import math
import random
import re
import struct
import subprocess
import sys

CODES = "xcbB?hHiIlLqQnNefdspP"
NATIVE_ONLY = "nNP"
INTEGER_CODES = "bBhHiIlLqQnNP"
FLOAT_CODES = "efd"
BAD_CHARS = "aAzZjJkKmMoOrRtTuUwWyYgGDE#$%&*()[]{},;:'\"/~|`^"
RECORD_MAX = 16 << 20


# ---- sockbox's text forms, mirrored ----------------------------------------

INT_RE = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)\Z")
FLOAT_RE = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\Z", re.I | re.A)
SIMPLE_ESCAPES = {"\\": 0x5C, "t": 9, "n": 10, "r": 13, "0": 0, "'": 0x27, '"': 0x22,
                  "a": 7, "b": 8, "f": 12, "v": 11}


class BadText(Exception):
    """The text is not a value of that kind: sockbox refuses it (exit 1)."""


def parse_int(text):
    if not INT_RE.match(text):
        raise BadText(text)
    sign = -1 if text[0] == "-" else 1
    body = text.lstrip("+-")
    if len(body) > 2 and body[0] == "0" and body[1] in "xXoObB":
        return sign * int(body[2:], {"x": 16, "o": 8, "b": 2}[body[1].lower()])
    return sign * int(body, 10)


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out.append(ord(c))
            i += 1
            continue
        if i + 1 >= len(text):
            raise BadText(text)
        n = text[i + 1]
        if n == "x":
            digits = text[i + 2:i + 4]
            if len(digits) != 2 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise BadText(text)
            out.append(int(digits, 16))
            i += 4
        elif n in SIMPLE_ESCAPES:
            out.append(SIMPLE_ESCAPES[n])
            i += 2
        else:
            raise BadText(text)
    return bytes(out)


def to_python(code, text):
    """The Python value sockbox packs for text in a field of this code."""
    if code in INTEGER_CODES:
        return parse_int(text)
    if code == "?":
        if text in ("True", "true", "1"):
            return True
        if text in ("False", "false", "0"):
            return False
        raise BadText(text)
    if code in FLOAT_CODES:
        if not FLOAT_RE.match(text):
            raise BadText(text)
        return float(text)
    return unescape(text)


def escape(data, delimiter="\t"):
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif b == 9:
            out.append("\\t")
        elif b == 10:
            out.append("\\n")
        elif b == 13:
            out.append("\\r")
        elif 0x20 <= b < 0x7F and chr(b) != delimiter:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def value_text(code, value, keep_nul=False):
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if code == "s" and not keep_nul:
        value = value.rstrip(b"\0")
    return escape(value)


def value_json(code, value):
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, bytes):
        return (value.rstrip(b"\0") if code == "s" else value).decode("latin-1")
    return value


# ---- formats -----------------------------------------------------------------

def items_of(fmt):
    """(code, count) per code of a valid format, as Python reads it."""
    body = fmt[1:] if fmt[:1] in "@=<>!" and fmt else fmt
    return [(c, int(n) if n else 1) for n, c in re.findall(r"(\d*)([^\d\s])", body)]


def value_codes(fmt):
    """The code of each value a record of fmt holds, in order."""
    codes = []
    for code, count in items_of(fmt):
        if code in "sp":
            codes.append(code + ":" + str(count))
        elif code != "x":
            codes.extend([code] * count)
    return codes


def random_format(rng):
    prefix = rng.choice(["", "", "@", "=", "<", ">", "!"])
    items = []
    for _ in range(rng.randint(0, 7)):
        code = rng.choice(CODES)
        if prefix in "=<>!" and prefix and code in NATIVE_ONLY and rng.random() < 0.8:
            code = rng.choice("iIq")
        r = rng.random()
        if code in "sp":
            count = rng.choice(["", str(rng.randint(0, 20)), str(rng.choice([0, 1, 2, 255, 256, 300]))])
        elif r < 0.6:
            count = ""
        elif r < 0.95:
            count = str(rng.randint(0, 4))
        else:
            count = str(rng.randint(5, 30))
        items.append(count + code + (rng.choice(" \t\n") if rng.random() < 0.08 else ""))
    fmt = prefix + "".join(items)
    if rng.random() < 0.15:
        fmt = malform(rng, prefix, fmt)
    return fmt


def malform(rng, prefix, fmt):
    at = rng.randint(len(prefix), len(fmt))
    kind = rng.randrange(6)
    if kind == 0:
        return fmt[:at] + rng.choice(BAD_CHARS) + fmt[at:]
    if kind == 1:
        return fmt + str(rng.randint(0, 99))
    if kind == 2:
        return fmt[:max(at, 1)] + rng.choice("@=<>!") + fmt[max(at, 1):]
    if kind == 3:
        return fmt + str(rng.randint(1, 9)) + " " + rng.choice("ihd")
    if kind == 4:
        return fmt + rng.choice(["99999999999999999999", "9223372036854775808", "4611686018427387904"]) + \
            rng.choice("biqs")
    return rng.choice("=<>!") + fmt.lstrip("@=<>!") + rng.choice(NATIVE_ONLY)


def python_size(fmt):
    try:
        return struct.calcsize(fmt)
    except struct.error:
        return None


# ---- values and records ---------------------------------------------------

def int_bounds(prefix, code):
    size = struct.calcsize(prefix + code)
    bits = 8 * size
    if code in "bhilqn":
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if code == "P":
        return -(1 << (bits - 1)), (1 << bits) - 1
    return 0, (1 << bits) - 1


def int_text(rng, v):
    form = rng.random()
    sign = "-" if v < 0 else rng.choice(["", "", "+"])
    mag = abs(v)
    if form < 0.7:
        return sign + str(mag)
    if form < 0.8:
        return sign + rng.choice(["0x", "0X"]) + "%x" % mag
    if form < 0.9:
        return sign + rng.choice(["0o", "0O"]) + "%o" % mag
    return sign + rng.choice(["0b", "0B"]) + bin(mag)[2:]


def random_int(rng, lo, hi):
    r = rng.random()
    if r < 0.3:
        return rng.choice([lo, hi, 0, lo + 1, hi - 1, -1 if lo < 0 else 1])
    if r < 0.6:
        return rng.randint(-100, 100) if lo < 0 else rng.randint(0, 200)
    return rng.randint(lo, hi)


def random_double(rng):
    r = rng.random()
    if r < 0.25:
        return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
    if r < 0.45:
        return struct.unpack("<f", rng.getrandbits(32).to_bytes(4, "little"))[0]
    if r < 0.6:
        return struct.unpack("<e", rng.getrandbits(16).to_bytes(2, "little"))[0]
    if r < 0.7:
        return rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, 65504.0, 65520.0, 65519.99,
                           6e-08, 5.960464477539063e-08, 2.9802322387695312e-08, 2.98023223876953e-08,
                           6.103515625e-05, 3.4028234663852886e+38, 3.4028235677973366e+38, 3.4028235677973362e+38,
                           1e39, 1.401298464324817e-45, 7e-46, 5e-324, 1.7976931348623157e+308, 0.1, 1e16, 1e-5])
    return round(rng.uniform(-1e6, 1e6), rng.randint(0, 8))


def float_text(rng, v):
    r = rng.random()
    if math.isnan(v):
        return rng.choice(["nan", "NaN", "-nan", "+nan"])
    if math.isinf(v):
        return ("-" if v < 0 else rng.choice(["", "+"])) + rng.choice(["inf", "Inf", "infinity", "INFINITY"])
    if r < 0.6:
        return repr(v)
    if r < 0.8:
        return "%.*e" % (rng.randint(0, 20), v)
    if r < 0.9:
        return "%.*f" % (rng.randint(0, 12), v)
    return "%d" % int(v) if abs(v) < 1e18 else repr(v)


def random_bytes(rng, n):
    r = rng.random()
    if r < 0.4:
        return bytes(rng.choice(b"abcdefghijklmnop XYZ0123456789") for _ in range(n))
    if r < 0.6:
        return bytes(rng.choice(b"ab\\\t\n\r\0\x7f\x80\xff ") for _ in range(n))
    return bytes(rng.getrandbits(8) for _ in range(n))


def bytes_text(rng, data):
    text = escape(data)
    if rng.random() < 0.2:
        # the other escapes sockbox reads, as Python's bytes literals do
        text = text.replace("\\x00", "\\0").replace("\\x07", "\\a").replace("\\x0b", "\\v")
        text = text.replace("\\x0c", "\\f").replace("\\x08", "\\b").replace("'", "\\'")
        text = re.sub(r"\\x([0-9a-f]{2})", lambda m: "\\x" + m.group(1).upper() if rng.random() < 0.5 else m.group(0),
                      text)
    return text


def random_value_text(rng, prefix, vcode):
    code, _, count = vcode.partition(":")
    if code in INTEGER_CODES:
        lo, hi = int_bounds(prefix, code)
        return int_text(rng, random_int(rng, lo, hi))
    if code == "?":
        return rng.choice(["True", "False", "true", "false", "1", "0"])
    if code in FLOAT_CODES:
        v = random_double(rng)
        if code == "e" and math.isfinite(v) and abs(v) > 65504 and rng.random() < 0.8:
            v = v / 1e300 if abs(v) > 1e300 else rng.uniform(-65504, 65504)
        if code == "f" and math.isfinite(v) and abs(v) > 3.4e38 and rng.random() < 0.8:
            v = v / 1e300
        return float_text(rng, v)
    if code == "c":
        return bytes_text(rng, random_bytes(rng, 1))
    n = int(count)
    return bytes_text(rng, random_bytes(rng, rng.choice([0, n, max(n - 1, 0), n + 3, rng.randint(0, n + 2)])))


def invalid_value_text(rng, prefix, vcode):
    code, _, count = vcode.partition(":")
    if code in INTEGER_CODES:
        lo, hi = int_bounds(prefix, code)
        return rng.choice([str(hi + 1), str(lo - 1), "1.5", "abc", "", " 5", "5 ", "0x", "--1", "1e3", "0b2",
                           "0o8", str(1 << 64), "-" + str(1 << 64), "99999999999999999999999"])
    if code == "?":
        return rng.choice(["yes", "2", "TRUE", "", "-1", "t"])
    if code in FLOAT_CODES:
        bad = ["", "abc", "1.2.3", "0x10", "1e", ".", "in", "1_0", " 1", "1 ", "e5", "+-1", "nan(1)"]
        if code == "e":
            bad += ["65520", "-65520", "1e5", "1e300", "65519.99999999999"]
        if code == "f":
            bad += ["3.5e38", "-1e39", "3.4028235677973366e+38", "1e300"]
        return rng.choice(bad)
    if code == "c":
        return rng.choice(["", "ab", "\\", "\\q", "\\x4", "\\x4g", "\\xZZ"])
    return rng.choice(["\\", "abc\\", "\\q", "\\x", "\\x4", "\\u0041", "a\\xZZb"])


def pack_expected(fmt, texts):
    """(bytes, None) or (None, index of the first refused value or -1 for the count)."""
    codes = value_codes(fmt)
    if len(texts) != len(codes):
        return None, -1
    prefix = fmt[0] if fmt[:1] in "@=<>!" and fmt else "@"
    values = []
    for i, (vcode, text) in enumerate(zip(codes, texts)):
        code, _, count = vcode.partition(":")
        try:
            v = to_python(code, text)
            struct.pack(prefix + count + code, v)
        except (BadText, struct.error, OverflowError, ValueError):
            return None, i
        values.append(v)
    try:
        return struct.pack(fmt, *values), None
    except (struct.error, OverflowError):
        return None, -2


# ---- running sockbox ----------------------------------------------------------

class Judge:
    def __init__(self, sockbox, verbose):
        self.sockbox = sockbox
        self.verbose = verbose
        self.cases = 0
        self.runs = 0
        self.mismatches = []

    def run(self, args, stdin=b""):
        self.runs += 1
        return subprocess.run([self.sockbox, "struct-pack"] + args, input=stdin, capture_output=True)

    def check(self, ok, what, args, stdin, proc, expected):
        self.cases += 1
        if ok:
            return
        shown_in = stdin[:200]
        self.mismatches.append(
            "MISMATCH %s\n  command: sockbox struct-pack %s\n  stdin:   %r%s\n  expected: %s\n"
            "  got:      exit %d, stdout %r, stderr %r" %
            (what, " ".join(repr(a) for a in args), shown_in, "..." if len(stdin) > 200 else "",
             expected, proc.returncode, proc.stdout[:300], proc.stderr[:300]))

    def size(self, fmt, expected):
        p = self.run(["size", fmt])
        if expected is None:
            self.check(p.returncode == 2 and p.stdout == b"" and
                       p.stderr.startswith(b"sockbox struct-pack: format '"), "size (malformed)",
                       ["size", fmt], b"", p, "exit 2, a format message")
        else:
            self.check(p.returncode == 0 and p.stdout == b"%d\n" % expected, "size", ["size", fmt], b"", p,
                       "%d" % expected)

    def pack_malformed(self, fmt):
        p = self.run(["pack", fmt], b"1\n")
        self.check(p.returncode == 2 and p.stdout == b"", "pack (malformed format)", ["pack", fmt], b"1\n", p,
                   "exit 2")

    def pack_lines(self, fmt, lines, expected_bytes):
        stdin = "".join(line + "\n" for line in lines).encode("latin-1")
        p = self.run(["pack", fmt], stdin)
        self.check(p.returncode == 0 and p.stdout == expected_bytes and p.stderr == b"", "pack",
                   ["pack", fmt], stdin, p, "exit 0, %r" % expected_bytes[:300])

    def pack_refused(self, fmt, lines, good_bytes, field, nvalues):
        stdin = "".join(line + "\n" for line in lines).encode("latin-1")
        p = self.run(["pack", fmt], stdin)
        lineno = len(lines)
        if field == -1:
            got = len(lines[-1].split("\t")) if (lines[-1] or nvalues) else 0
            msg = "sockbox struct-pack: pack line %d: the format takes %d value%s, got %d\n" % (
                lineno, nvalues, "" if nvalues == 1 else "s", got)
            ok = p.stderr.decode("latin-1") == msg
        else:
            code = value_codes(fmt)[field][0]
            start = "sockbox struct-pack: pack line %d: field %d (%s): " % (lineno, field + 1, code)
            ok = p.stderr.decode("latin-1").startswith(start) and p.stderr.count(b"\n") == 1
        self.check(ok and p.returncode == 1 and p.stdout == good_bytes, "pack (refused value)",
                   ["pack", fmt], stdin, p, "exit 1, %r, field %d" % (good_bytes[:300], field + 1))

    def pack_operands(self, fmt, texts, expected_bytes, field):
        p = self.run(["pack", fmt] + texts)
        if expected_bytes is not None:
            ok = p.returncode == 0 and p.stdout == expected_bytes
        else:
            ok = p.returncode == 1 and p.stdout == b"" and p.stderr.startswith(b"sockbox struct-pack: pack")
        self.check(ok, "pack operands", ["pack", fmt] + texts, b"", p,
                   repr(expected_bytes) if expected_bytes is not None else "exit 1 (field %d)" % (field + 1))

    def unpack(self, fmt, data, keep_nul, as_json, partial):
        size = struct.calcsize(fmt)
        whole = len(data) - partial
        lines = []
        codes = [c[0] for c in value_codes(fmt)]
        for rec in struct.iter_unpack(fmt, data[:whole]):
            if as_json:
                lines.append(json.dumps([value_json(c, v) if not (keep_nul and c == "s") else
                                         (v.decode("latin-1") if isinstance(v, bytes) else v)
                                         for c, v in zip(codes, rec)], separators=(",", ":")))
            else:
                lines.append("\t".join(value_text(c, v, keep_nul) for c, v in zip(codes, rec)))
        expected = "".join(line + "\n" for line in lines).encode("latin-1")
        args = ["unpack"] + (["--json"] if as_json else []) + (["--keep-nul"] if keep_nul else []) + [fmt]
        p = self.run(args, data)
        if partial:
            msg = "sockbox struct-pack: unpack -: partial record at offset %d: %d bytes, a record is %d\n" % (
                whole, partial, size)
            ok = p.returncode == 1 and p.stderr.decode() == msg
        else:
            ok = p.returncode == 0 and p.stderr == b""
        self.check(ok and p.stdout == expected, "unpack" + (" --json" if as_json else ""), args, data, p,
                   repr(expected[:300]))


def record_bytes(rng, fmt, size):
    """A record: random bytes, or the packing of random values."""
    if rng.random() < 0.5:
        return bytes(rng.getrandbits(8) for _ in range(size))
    prefix = fmt[0] if fmt[:1] in "@=<>!" and fmt else "@"
    for _ in range(5):
        texts = [random_value_text(rng, prefix, c) for c in value_codes(fmt)]
        data, _ = pack_expected(fmt, texts)
        if data is not None:
            return data
    return bytes(size)


def exercise(judge, rng, fmt):
    size = python_size(fmt)
    judge.size(fmt, size)
    if size is None:
        judge.pack_malformed(fmt)
        return
    if size > RECORD_MAX:
        return
    prefix = fmt[0] if fmt[:1] in "@=<>!" and fmt else "@"
    codes = value_codes(fmt)
    # Python 3.11 packs '0p' as a stray 0xff byte in the next field's place
    # (and cannot unpack it): a bug sockbox does not copy (see CAVEATS).
    zero_p = ("p", 0) in items_of(fmt)

    # pack: valid lines in one process
    lines, packed = [], b""
    for _ in range(rng.randint(1, 12)):
        for _ in range(10):
            texts = [random_value_text(rng, prefix, c) for c in codes]
            data, _ = pack_expected(fmt, texts)
            if data is not None and (texts != [""] or codes):
                lines.append("\t".join(texts))
                packed += data
                break
    if lines and not zero_p:
        judge.pack_lines(fmt, lines, packed)

    # pack: a refused line after the good ones
    if codes and not zero_p and rng.random() < 0.7:
        texts = [random_value_text(rng, prefix, c) for c in codes]
        bad = rng.randrange(len(codes))
        texts[bad] = invalid_value_text(rng, prefix, codes[bad])
        if rng.random() < 0.15:
            texts = texts[:-1] if rng.random() < 0.5 else texts + ["1"]
        # what sockbox reads from the line: an empty line is one empty value
        texts = "\t".join(texts).split("\t") if texts or codes else []
        data, field = pack_expected(fmt, texts)
        if data is None and field != -2 and not (len(texts) == 1 and texts[0] == "" and not codes):
            judge.pack_refused(fmt, lines + ["\t".join(texts)], packed, field, len(codes))

    # pack: values as operands
    if not zero_p and rng.random() < 0.3:
        texts = [random_value_text(rng, prefix, c) for c in codes]
        if codes and rng.random() < 0.3:
            i = rng.randrange(len(codes))
            texts[i] = invalid_value_text(rng, prefix, codes[i])
        data, field = pack_expected(fmt, texts)
        if texts:  # with no VALUE, pack reads standard input instead
            judge.pack_operands(fmt, texts, data, field)

    # unpack: whole records, sometimes with a partial one at the end
    if size == 0 or zero_p:
        return  # 0-byte records cannot stream; Python 3.11 cannot unpack '0p'
    data = b"".join(record_bytes(rng, fmt, size) for _ in range(rng.randint(0, 8)))
    partial = 0
    if rng.random() < 0.2:
        partial = rng.randint(1, size - 1) if size > 1 else 0
        data += bytes(rng.getrandbits(8) for _ in range(partial))
    judge.unpack(fmt, data, rng.random() < 0.2, rng.random() < 0.3, partial)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sockbox", required=True)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--formats", type=int, default=1200)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    judge = Judge(args.sockbox, args.verbose)
    fixed = ["", "x", "0s", "0p", "255p", "999999999999s", "1000000000q", "@bhiq", "@?d", "@e0q", "i16sif",
             "!i16sif", "<5e", ">2xh", "=P", "@nNP"]
    for fmt in fixed + [random_format(rng) for _ in range(args.formats)]:
        exercise(judge, rng, fmt)
    for m in judge.mismatches[:20]:
        print(m)
    print("struct-pack differential: seed %d, %d formats, %d cases in %d runs, %d mismatches" %
          (args.seed, len(fixed) + args.formats, judge.cases, judge.runs, len(judge.mismatches)))
    return 1 if judge.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
