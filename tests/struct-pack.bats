#!/usr/bin/env bats
# struct-pack: Python's struct format language, byte for byte.  python3's
# struct module is the reference: the same format must give the same
# bytes, the same values and the same refusals.

load helper

# hex: the bytes on stdin as one line of lowercase hex.
hex() { od -An -v -tx1 | tr -d ' \n'; }

# py CODE [ARG...]: runs python3 CODE (struct and sys imported) with ARGs in sys.argv[1:].
py() {
	local code=$1
	shift
	python3 -c "import struct, sys"$'\n'"$code" "$@"
}

# ---- the command line ------------------------------------------------------

@test "struct-pack without a command exits 2 and names the four commands" {
	run -2 --separate-stderr sockbox struct-pack
	assert_equal "$stderr" "sockbox struct-pack: missing command: pack, unpack, size or explain (see 'sockbox struct-pack --help')"
	assert_output ""
}

@test "struct-pack rejects an unknown command with exit 2" {
	run -2 --separate-stderr sockbox struct-pack frobnicate i
	assert_equal "$stderr" "sockbox struct-pack: unknown command 'frobnicate': pack, unpack, size or explain (see 'sockbox struct-pack --help')"
}

@test "struct-pack lists its commands for completion" {
	run -0 sockbox struct-pack --list-commands
	assert_output $'pack\nunpack\nsize\nexplain'
}

@test "a command without FORMAT exits 2" {
	run -2 --separate-stderr sockbox struct-pack unpack
	assert_equal "$stderr" "sockbox struct-pack: unpack: missing FORMAT (see 'sockbox struct-pack --help')"
}

@test "a negative value after the format is a value, not an option" {
	run -0 bash -c '"$SOCKBOX" struct-pack pack "<ih" -5 -2 | od -An -tx1 | tr -d " \n"'
	assert_output "fbfffffffeff"
}

@test "options go before or after the command, and -- ends them" {
	a=$(sockbox struct-pack -v pack '<i' 7 2>/dev/null | hex)
	b=$(sockbox struct-pack pack -v '<i' 7 2>/dev/null | hex)
	c=$(sockbox struct-pack pack -- '<i' 7 | hex)
	assert_equal "$a" "07000000"
	assert_equal "$b" "$a"
	assert_equal "$c" "$a"
}

@test "an option meant for another command exits 2" {
	run -2 --separate-stderr sockbox struct-pack pack --json i 1
	assert_equal "$stderr" "sockbox struct-pack: --json goes with 'unpack' or 'explain', not 'pack' (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack size --count 3 i
	assert_equal "$stderr" "sockbox struct-pack: --count goes with 'unpack', not 'size' (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack explain i extra
	assert_equal "$stderr" "sockbox struct-pack: explain takes only a FORMAT (see 'sockbox struct-pack --help')"
}

@test "--delimiter refuses characters that occur inside values" {
	for d in . - + 5 e x; do
		run -2 --separate-stderr sockbox struct-pack pack -d "$d" ii
		assert_equal "$stderr" "sockbox struct-pack: invalid --delimiter '$d': it occurs inside values and cannot separate them (see 'sockbox struct-pack --help')"
	done
	run -2 --separate-stderr sockbox struct-pack pack -d '\' ii
	assert_equal "$stderr" "sockbox struct-pack: invalid --delimiter '\\\\': it occurs inside values and cannot separate them (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack pack -d $'\n' ii
	assert_equal "$stderr" "sockbox struct-pack: invalid --delimiter '\\n': it occurs inside values and cannot separate them (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack pack -d ab ii
	assert_equal "$stderr" "sockbox struct-pack: invalid --delimiter 'ab': expected one character (see 'sockbox struct-pack --help')"
}

# ---- size and explain ------------------------------------------------------------

@test "size is Python's calcsize: 'bh' is 4 with native alignment and 3 in standard sizes" {
	run -0 sockbox struct-pack size bh
	assert_output 4
	run -0 sockbox struct-pack size '<bh'
	assert_output 3
	run -0 sockbox struct-pack size '!i16sif'
	assert_output 28
	run -0 sockbox struct-pack size 'b0i'
	assert_output "$(py 'print(struct.calcsize("b0i"))')"
}

@test "explain shows the padding inserted before each field" {
	run -0 --separate-stderr sockbox struct-pack explain '@bhiq'
	assert_output "format '@bhiq': native byte order (little-endian), native sizes and alignment
field    offset    size  pad  code   order  type
1             0       1    0  b      -      signed char
2             2       2    1  h      little short
3             4       4    0  i      little int
4             8       8    0  q      little long long
16 bytes, 4 values, 1 padding byte"
}

@test "explain --json prints one object per code with its offset and padding" {
	run -0 sockbox struct-pack explain --json '<h2xi'
	assert_output '{"field":1,"values":1,"offset":0,"size":2,"pad":0,"code":"h","count":1,"order":"little","type":"short"}
{"field":0,"values":0,"offset":2,"size":2,"pad":0,"code":"x","count":2,"order":"-","type":"pad byte"}
{"field":2,"values":1,"offset":4,"size":4,"pad":0,"code":"i","count":1,"order":"little","type":"int"}'
}

@test "a malformed format exits 2 and says what is wrong where" {
	run -2 --separate-stderr sockbox struct-pack size 'i16sZ'
	assert_equal "$stderr" "sockbox struct-pack: format 'i16sZ': bad character 'Z' at offset 4 (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack size 'ii3'
	assert_equal "$stderr" "sockbox struct-pack: format 'ii3': repeat count 3 without a code after it, at offset 2 (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack size 'i<i'
	assert_equal "$stderr" "sockbox struct-pack: format 'i<i': byte order character '<' must come first, at offset 1 (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack size '<n'
	assert_equal "$stderr" "sockbox struct-pack: format '<n': 'n' exists only in native mode ('@' or no prefix), at offset 1 (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack size '3 i'
	assert_equal "$stderr" "sockbox struct-pack: format '3 i': white space between a repeat count and its code, at offset 1 (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack size '99999999999999999999s'
	assert_equal "$stderr" "sockbox struct-pack: format '99999999999999999999s': total size too long (over 9223372036854775807 bytes), at offset 18 (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack size $'i\tq\x01'
	assert_equal "$stderr" "sockbox struct-pack: format 'i\\tq\\x01': bad character \\x01 at offset 3 (see 'sockbox struct-pack --help')"
}

@test "white space between codes is allowed, as in Python" {
	run -0 sockbox struct-pack size $'< i \t h\n'
	assert_output 6
}

# ---- the differential suite --------------------------------------------------------

@test "pack, unpack and size agree with python3 struct on random formats and values (fixed seed)" {
	# Under ASan every process costs ~30 ms: fewer formats, same seed.
	formats=${STRUCT_PACK_DIFF_FORMATS:-1500}
	[ -z "${ASAN_OPTIONS:-}" ] || formats=${STRUCT_PACK_DIFF_FORMATS:-120}
	run -0 python3 "$ROOT/tests/struct-pack-gen.py" --sockbox "$SOCKBOX" --formats "$formats"
	assert_line --regexp "^struct-pack differential: seed 20261123, [0-9]+ formats, [0-9]+ cases in [0-9]+ runs, 0 mismatches$"
}

# ---- edge cases by name ----------------------------------------------------------

@test "'@' aligns every code after every other code exactly as python3 does" {
	codes='xcbB?hHiIlLqQnNefdspP'
	fmt=@
	for ((a = 0; a < ${#codes}; a++)); do
		for ((b = 0; b < ${#codes}; b++)); do
			fmt+="${codes:a:1}${codes:b:1}"
		done
	done
	# a code's offset is the size up to it with a count of 0: aligned, nothing added
	expected=$(py "
f = sys.argv[1]
for i in range(2, len(f) + 1):
    offset = struct.calcsize(f[:i - 1] + '0' + f[i - 1])
    print(offset, struct.calcsize(f[:i]) - offset)" "$fmt")
	got=$(sockbox struct-pack explain --json "$fmt" | python3 -c '
import json, sys
for line in sys.stdin:
    g = json.loads(line)
    print(g["offset"], g["size"])')
	assert_equal "$got" "$expected"
	run -0 sockbox struct-pack size "$fmt"
	assert_output "$(py 'print(struct.calcsize(sys.argv[1]))' "$fmt")"
}

@test "alignment never pads the end of a record; a trailing 0q does, as in Python" {
	run -0 sockbox struct-pack size '@qb'
	assert_output 9
	run -0 sockbox struct-pack size '@qb0q'
	assert_output 16
}

@test "0s packs nothing and unpacks as empty bytes" {
	run -0 bash -c '"$SOCKBOX" struct-pack pack "<b0sb" 1 hello 2 | od -An -tx1 | tr -d " \n"'
	assert_output "$(py 'print(struct.pack("<b0sb", 1, b"hello", 2).hex())')"
	run -0 bash -c 'printf "\001\002" | "$SOCKBOX" struct-pack unpack "<b0sb"'
	assert_output $'1\t\t2'
}

@test "0p takes a value and packs nothing (Python 3.11's stray 0xff byte is not copied)" {
	run -0 bash -c '"$SOCKBOX" struct-pack pack "<0pb" abc 7 | od -An -tx1 | tr -d " \n"'
	assert_output "07"
	run -0 bash -c 'printf "\007" | "$SOCKBOX" struct-pack unpack "<0pb"'
	assert_output $'\t7'
}

@test "255p holds 254 bytes and 256p's length byte stops at 255, as in Python" {
	long=$(printf 'a%.0s' $(seq 300))
	got=$(for n in 1 2 254 255 256 300; do sockbox struct-pack pack "${n}p" "$long" | hex; echo; done)
	assert_equal "$got" "$(py 'for n in (1, 2, 254, 255, 256, 300): print(struct.pack("%dp" % n, b"a" * 300).hex())')"
	run -0 bash -c 'printf "\377abc" | "$SOCKBOX" struct-pack unpack 4p'
	assert_output "abc"
}

@test "s is cut or padded with NULs as in Python, and unpack drops the padding unless --keep-nul" {
	run -0 bash -c '"$SOCKBOX" struct-pack pack "3s5s" abcdef ab | od -An -tx1 | tr -d " \n"'
	assert_output "$(py 'print(struct.pack("3s5s", b"abcdef", b"ab").hex())')"
	run -0 bash -c 'printf "ab\000\000" | "$SOCKBOX" struct-pack unpack 4s'
	assert_output "ab"
	run -0 bash -c 'printf "ab\000\000" | "$SOCKBOX" struct-pack unpack --keep-nul 4s'
	assert_output 'ab\x00\x00'
	run -0 bash -c 'printf "a\000b\000" | "$SOCKBOX" struct-pack unpack 4s'
	assert_output 'a\x00b'
}

@test "half floats round half to even at their limits and subnormals, both ways, as python3" {
	values='0 -0.0 1 65504 65519.99999999999 -65519 6.103515625e-05 6.097555160522461e-05 5.960464477539063e-08 2.9802322387695312e-08 2.9802322387695315e-08 8.940696716308594e-08 1e-10 -1e-10 0.1 3.14159 1024.5 2049 2051 inf -inf nan'
	halves='0100 ff03 0004 ff7b 0080 007c 00fc 017c ff7f'
	tr ' ' '\n' <<<"$values" >"$TMP/values"
	py '
values = open(sys.argv[1]).read().split()
packed = b"".join(struct.pack("<e", float(v)) for v in values)
open(sys.argv[2], "w").write(packed.hex())
open(sys.argv[3], "w").write("".join(repr(v) + "\n" for (v,) in struct.iter_unpack("<e", packed)))
halves = bytes.fromhex("".join(sys.argv[5].split()))
open(sys.argv[4], "w").write("".join(repr(v) + "\n" for (v,) in struct.iter_unpack("<e", halves)))
' "$TMP/values" "$TMP/want.hex" "$TMP/want.txt" "$TMP/want-halves.txt" "$halves"
	sockbox struct-pack pack '<e' <"$TMP/values" >"$TMP/packed"
	assert_equal "$(hex <"$TMP/packed")" "$(cat "$TMP/want.hex")"
	run -0 sockbox struct-pack unpack '<e' "$TMP/packed"
	assert_output "$(cat "$TMP/want.txt")"
	run -0 bash -c 'printf "$(sed "s/../\\\\x&/g" <<<"${1// /}")" | "$SOCKBOX" struct-pack unpack "<e"' _ "$halves"
	assert_output "$(cat "$TMP/want-halves.txt")"
}

@test "a value too large for e or f is refused naming the field, as Python's OverflowError" {
	run -1 --separate-stderr sockbox struct-pack pack '<ie' 1 65520
	assert_equal "$stderr" "sockbox struct-pack: pack: field 2 (e): 65520 is too large for 'e' (half float, at most 65504)"
	run -1 --separate-stderr sockbox struct-pack pack '>f' 3.5e38
	assert_equal "$stderr" "sockbox struct-pack: pack: field 1 (f): 3.5e38 is too large for 'f' (float)"
	assert_output ""
	# native 'f' casts, as Python's does: too large becomes inf
	run -0 bash -c '"$SOCKBOX" struct-pack pack f 3.5e38 | od -An -tx1 | tr -d " \n"'
	assert_output "$(py 'print(struct.pack("f", 3.5e38).hex())')"
}

@test "-0.0 keeps its sign through e, f and d both ways" {
	got=$(for c in e f d; do sockbox struct-pack pack ">$c" -0.0 | hex; echo; done)
	assert_equal "$got" "$(py 'for c in "efd": print(struct.pack(">" + c, -0.0).hex())')"
	run -0 bash -c 'for c in e f d; do "$SOCKBOX" struct-pack pack ">$c" -0.0 | "$SOCKBOX" struct-pack unpack ">$c"; done'
	assert_output $'-0.0\n-0.0\n-0.0'
}

@test "NaN payloads unpack as nan, and nan packs as Python's quiet NaN" {
	run -0 bash -c 'printf "\x7f\xf8\0\0\0\0\0\0\x7f\xf0\0\0\0\0\0\x01\xff\xf8\0\0\0\0\0\0\x7f\xff\xff\xff\xff\xff\xff\xff" | "$SOCKBOX" struct-pack unpack ">d"'
	assert_output $'nan\nnan\nnan\nnan'
	run -0 bash -c 'printf "\x7f\xc0\0\0\x7f\x80\0\x01\xff\xff\xff\xff" | "$SOCKBOX" struct-pack unpack --json ">f"'
	assert_output $'["nan"]\n["nan"]\n["nan"]'
	got=$(for c in e f d; do sockbox struct-pack pack ">$c$c" nan -nan | hex; echo; done)
	assert_equal "$got" "$(py 'for c in "efd": print(struct.pack(">" + c + c, float("nan"), float("-nan")).hex())')"
}

@test "floats unpack as Python's repr: shortest round trip, Python's layout" {
	run -0 sockbox struct-pack pack '<fdddddd' 0.1 94.5 1e16 1.5e-05 123456789012345678 0.0001 -inf
	py_out=$(py 'print("\t".join(repr(v) for v in struct.unpack("<fdddddd", struct.pack("<fdddddd", 0.1, 94.5, 1e16, 1.5e-05, 123456789012345678, 0.0001, float("-inf")))))')
	run -0 bash -c '"$SOCKBOX" struct-pack pack "<fdddddd" 0.1 94.5 1e16 1.5e-05 123456789012345678 0.0001 -inf | "$SOCKBOX" struct-pack unpack "<fdddddd"'
	assert_output "$py_out"
	assert_output $'0.10000000149011612\t94.5\t1e+16\t1.5e-05\t1.2345678901234568e+17\t0.0001\t-inf'
}

@test "every integer code packs and unpacks its extremes as python3, and refuses one past them" {
	# Python writes, for each byte order: the format, the lowest and highest
	# values of each code, their packing, and one line per value past them.
	py '
def bounds(prefix, c):
    n = struct.calcsize(prefix + c) * 8
    if c in "bhilqn" or c == "P":
        lo = -(1 << (n - 1))
    else:
        lo = 0
    hi = (1 << (n - 1)) - 1 if c in "bhilqn" else (1 << n) - 1
    return lo, hi
for prefix in "@=<>!":
    codes = "bBhHiIlLqQ" + ("nNP" if prefix == "@" else "")
    lows, highs = zip(*(bounds(prefix, c) for c in codes))
    fmt = prefix + codes
    back = struct.unpack(fmt, struct.pack(fmt, *lows)) + struct.unpack(fmt, struct.pack(fmt, *highs))
    with open(sys.argv[1] + "/" + str("@=<>!".index(prefix)), "w") as f:
        print(fmt, file=f)
        print("\t".join(map(str, lows)), file=f)
        print("\t".join(map(str, highs)), file=f)
        print(struct.pack(fmt, *lows).hex() + struct.pack(fmt, *highs).hex(), file=f)
        print("\t".join(map(str, back[:len(codes)])) + "\n" + "\t".join(map(str, back[len(codes):])), file=f)
        for c, lo, hi in zip(codes, lows, highs):
            for bad in sorted({lo - 1, hi + 1}):
                try:
                    struct.pack(prefix + c, bad)
                    print("python accepted", c, bad, file=f)
                except struct.error:
                    print("%s\t%d\tsockbox struct-pack: pack: field 1 (%s): %d is out of range for \x27%s\x27 (%d..%d)"
                          % (prefix + c, bad, c, bad, c, lo, hi), file=f)
' "$TMP"
	for i in 0 1 2 3 4; do
		{ read -r fmt; read -r lows; read -r highs; read -r want_hex; read -r want_lo; read -r want_hi; } <"$TMP/$i"
		printf '%s\n%s\n' "$lows" "$highs" >"$TMP/lines"
		sockbox struct-pack pack "$fmt" <"$TMP/lines" >"$TMP/packed"
		assert_equal "$(hex <"$TMP/packed")" "$want_hex"
		run -0 sockbox struct-pack unpack "$fmt" "$TMP/packed"
		assert_output "$want_lo"$'\n'"$want_hi"
		while IFS=$'\t' read -r code bad message; do
			run -1 --separate-stderr sockbox struct-pack pack "$code" "$bad"
			assert_equal "$stderr" "$message"
		done < <(tail -n +7 "$TMP/$i")
	done
}

@test "integers are read in decimal, 0x, 0o and 0b, with a sign" {
	run -0 bash -c '"$SOCKBOX" struct-pack pack "<6h" 10 -0x10 0o17 +0b101 0X7fff -0B1 | od -An -tx1 | tr -d " \n"'
	assert_output "$(py 'print(struct.pack("<6h", 10, -16, 15, 5, 32767, -1).hex())')"
}

@test "a refused value names its field and code and exits 1" {
	run -1 --separate-stderr sockbox struct-pack pack '<hB' 1 256
	assert_equal "$stderr" "sockbox struct-pack: pack: field 2 (B): 256 is out of range for 'B' (0..255)"
	run -1 --separate-stderr sockbox struct-pack pack '<i' 1.5
	assert_equal "$stderr" "sockbox struct-pack: pack: field 1 (i): '1.5' is not an integer"
	run -1 --separate-stderr sockbox struct-pack pack '<d' 1,5
	assert_equal "$stderr" "sockbox struct-pack: pack: field 1 (d): '1,5' is not a number"
	run -1 --separate-stderr sockbox struct-pack pack '?' yes
	assert_equal "$stderr" "sockbox struct-pack: pack: field 1 (?): 'yes' is not a boolean (True, False, true, false, 1 or 0)"
	run -1 --separate-stderr sockbox struct-pack pack c ab
	assert_equal "$stderr" "sockbox struct-pack: pack: field 1 (c): 'ab' is 2 bytes, 'c' takes exactly 1"
	run -1 --separate-stderr sockbox struct-pack pack 4s 'a\q'
	assert_equal "$stderr" "sockbox struct-pack: pack: field 1 (s): bad escape at offset 1 in 'a\\q'"
	assert_output ""
}

@test "pack refuses the wrong number of values" {
	run -1 --separate-stderr sockbox struct-pack pack '!i16sif' 1 ada 36
	assert_equal "$stderr" "sockbox struct-pack: pack: the format takes 4 values, got 3"
	run -1 --separate-stderr bash -c 'printf "1\t2\t3\n" | "$SOCKBOX" struct-pack pack ii'
	assert_equal "$stderr" "sockbox struct-pack: pack line 1: the format takes 2 values, got 3"
	# the count comes first, as in Python, even when a value is also wrong
	run -1 --separate-stderr bash -c 'printf "x\n" | "$SOCKBOX" struct-pack pack ii'
	assert_equal "$stderr" "sockbox struct-pack: pack line 1: the format takes 2 values, got 1"
}

@test "pack from stdin writes every record before a refused line, then exits 1 naming it" {
	run -1 --separate-stderr bash -c 'printf "1\t2\n3\t4\n5\tsix\n7\t8\n" | "$SOCKBOX" struct-pack pack "<bb" | od -An -tx1 | tr -d " \n"; exit ${PIPESTATUS[1]}'
	assert_output "01020304"
	assert_equal "$stderr" "sockbox struct-pack: pack line 3: field 2 (b): 'six' is not an integer"
}

@test "pack reads bytes escaped as unpack writes them, and Python's other escapes" {
	run -0 bash -c '"$SOCKBOX" struct-pack pack 12s "a\\\\b\\t\\n\\r\\x00\\xff\\0\\a\\x7F" | od -An -tx1 | tr -d " \n"'
	assert_output "$(py 'print(struct.pack("12s", b"a\\b\t\n\r\x00\xff\x00\x07\x7f").hex())')"
	run -0 bash -c '"$SOCKBOX" struct-pack pack 8s "a\\\\b\\t\\n\\r\\x00\\xff" | "$SOCKBOX" struct-pack unpack --keep-nul 8s'
	assert_output 'a\\b\t\n\r\x00\xff'
}

@test "empty input packs nothing and unpacks nothing" {
	run -0 --separate-stderr bash -c '"$SOCKBOX" struct-pack pack "!i16sif" </dev/null | wc -c'
	assert_output 0
	run -0 --separate-stderr sockbox struct-pack unpack '!i16sif' /dev/null
	assert_output ""
	assert_equal "$stderr" ""
}

@test "a partial record: every whole record printed, then exit 1 naming its offset" {
	run -1 --separate-stderr bash -c 'printf "\001\000\002\000\003" | "$SOCKBOX" struct-pack unpack "<h"'
	assert_output $'1\n2'
	assert_equal "$stderr" "sockbox struct-pack: unpack -: partial record at offset 4: 1 bytes, a record is 2"
}

@test "a huge repeat count is sized without allocating and refused by pack and unpack" {
	run -0 sockbox struct-pack size 999999999999s
	assert_output 999999999999
	run -0 sockbox struct-pack size 1000000000q
	assert_output 8000000000
	run -0 sockbox struct-pack explain 1000000000q
	assert_line --index 2 --regexp "^1-1000000000 +0 +8000000000 +0  1000000000q little long long$"
	# 64 MiB of address space would not hold one such record
	limit="ulimit -v 65536;"
	[ -z "${ASAN_OPTIONS:-}" ] || limit="" # ASan reserves terabytes of address space
	run -1 --separate-stderr bash -c "$limit"' "$SOCKBOX" struct-pack pack 999999999999s x'
	assert_equal "$stderr" "sockbox struct-pack: pack: format '999999999999s' makes records of 999999999999 bytes, over the 16 MiB limit"
	run -1 --separate-stderr bash -c "$limit"' "$SOCKBOX" struct-pack unpack 1000000000q </dev/zero'
	assert_equal "$stderr" "sockbox struct-pack: unpack: format '1000000000q' makes records of 8000000000 bytes, over the 16 MiB limit"
}

@test "a record of 0 bytes cannot be unpacked from a stream: exit 2" {
	run -2 --separate-stderr sockbox struct-pack unpack 0i /dev/null
	assert_equal "$stderr" "sockbox struct-pack: unpack: format '0i' makes records of 0 bytes, which a stream cannot hold (see 'sockbox struct-pack --help')"
}

@test "unpack --offset skips a header and --count stops after N records" {
	printf 'HDR\001\000\002\000\003\000\004\000' >"$TMP/in"
	run -0 sockbox struct-pack unpack --offset 3 --count 2 '<h' "$TMP/in"
	assert_output $'1\n2'
	run -0 bash -c 'cat "$1" | "$SOCKBOX" struct-pack unpack --offset 3 "<h"' _ "$TMP/in"
	assert_output $'1\n2\n3\n4'
	run -1 --separate-stderr sockbox struct-pack unpack --offset 20 '<h' "$TMP/in"
	assert_equal "$stderr" "sockbox struct-pack: unpack $TMP/in: input ends at byte 11, before --offset 20"
}

@test "unpack of a missing file exits 1 with the system's reason" {
	run -1 --separate-stderr sockbox struct-pack unpack i "$TMP/nope"
	assert_equal "$stderr" "sockbox struct-pack: open $TMP/nope: No such file or directory"
}

@test "unpack --json prints arrays: numbers, booleans, non-finite floats and \\u00HH bytes as strings" {
	run -0 bash -c '"$SOCKBOX" struct-pack pack "<i?d4sfc" -3 True 2.5 "a\"\\xff" inf "\\n" | "$SOCKBOX" struct-pack unpack --json "<i?d4sfc"'
	assert_output '[-3,true,2.5,"a\"\u00ff","inf","\n"]'
	run -0 python3 -c 'import json, sys; print(json.loads(sys.argv[1]))' "$output"
}

@test "--delimiter changes the separator both ways and escapes it inside bytes" {
	run -0 bash -c '"$SOCKBOX" struct-pack pack "<h5s" 7 "a,b" | "$SOCKBOX" struct-pack unpack -d , "<h5s"'
	assert_output '7,a\x2cb'
	run -0 bash -c 'printf "7,a\\\\x2cb\n" | "$SOCKBOX" struct-pack pack -d , "<h5s" | od -An -tx1 | tr -d " \n"'
	assert_output "$(py 'print(struct.pack("<h5s", 7, b"a,b").hex())')"
}

@test "pack and unpack round-trip 10000 records through text" {
	python3 -c '
import random, struct, sys
r = random.Random(7)
sys.stdout.buffer.write(b"".join(struct.pack("<qd8sH?e", r.randint(-2**63, 2**63 - 1), r.uniform(-1e9, 1e9),
    bytes(r.getrandbits(8) for _ in range(8)), r.randint(0, 65535), r.random() < 0.5, r.uniform(-100, 100))
    for _ in range(10000)))' >"$TMP/recs"
	sockbox struct-pack unpack --keep-nul '<qd8sH?e' "$TMP/recs" >"$TMP/recs.txt"
	run -0 wc -l <"$TMP/recs.txt"
	assert_output 10000
	sockbox struct-pack pack '<qd8sH?e' <"$TMP/recs.txt" >"$TMP/back"
	run -0 cmp "$TMP/recs" "$TMP/back"
}

@test "the i16sif record goes from a sockbox sender to a python3 receiver over UDP" {
	bg python3 -c '
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(10)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
data, _ = s.recvfrom(2048)
rec_id, name, age, score = struct.unpack("i16sif", data)
print(len(data), rec_id, name.rstrip(b"\0").decode(), age, score)' "$TMP/port"
	wait_for_file "$TMP/port" || fail "the python receiver did not publish its port"
	port=$(cat "$TMP/port")
	sockbox struct-pack pack i16sif 7 'Ada Lovelace' 36 94.5 | socat -u - "UDP-SENDTO:127.0.0.1:$port"
	wait_exit "$BG_PID" 10 || fail "the python receiver got nothing"
	stop_pid "$BG_PID"
	assert_equal "$STOP_STATUS" 0
	assert_equal "$(cat "$BG_OUT")" "28 7 Ada Lovelace 36 94.5"
}

@test "-v narrates the layout and the record count on stderr and leaves stdout alone" {
	quiet=$(printf 'A\000\000\000B\000\000\000' | sockbox struct-pack unpack '<i')
	run -0 --separate-stderr bash -c 'printf "A\000\000\000B\000\000\000" | "$SOCKBOX" struct-pack unpack -v "<i"'
	assert_output "$quiet"
	assert_equal "$stderr" "sockbox struct-pack: format '<i': little-endian, standard sizes, no alignment; 4 bytes per record, 1 value
sockbox struct-pack: unpacked 2 records of 4 bytes"
}

@test "a failed write to stdout is reported and exits 1" {
	run -1 --separate-stderr bash -c '"$SOCKBOX" struct-pack unpack --count 100000 "<i" </dev/zero >/dev/full'
	assert_equal "$stderr" "sockbox struct-pack: write stdout: No space left on device"
	run -1 --separate-stderr bash -c '"$SOCKBOX" struct-pack pack "<i" 5 >/dev/full'
	assert_equal "$stderr" "sockbox struct-pack: write stdout: No space left on device"
}

@test "a reader that goes away ends unpack quietly" {
	run -0 --separate-stderr bash -c 'head -c 1000000 /dev/zero | "$SOCKBOX" struct-pack unpack "<i" | head -n 1'
	assert_output 0
	assert_equal "$stderr" ""
}

@test "struct-pack unpack under set -o pipefail | head -1: exit 0, no message, the first record printed" {
	python3 -c 'import struct, sys; sys.stdout.buffer.write(b"".join(struct.pack("!I", i) for i in range(7, 200007)))' >"$TMP/big.bin"
	run -0 --separate-stderr bash -c 'set -o pipefail; "$SOCKBOX" struct-pack unpack "!I" "$1" | head -n 1' sh "$TMP/big.bin"
	assert_output 7
	assert_equal "$stderr" ""
}

@test "an option typed after the format is named, with where options go" {
	printf 'abcd' >"$TMP/rec"
	run -2 --separate-stderr sockbox struct-pack unpack '!i16sif' "$TMP/rec" -n 1
	assert_output ""
	assert_equal "$stderr" "sockbox struct-pack: unpack takes one FILE, got 3 operands after the format ('-n' is an option: options go before the format) (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack size '<i' --json
	assert_equal "$stderr" "sockbox struct-pack: size takes only a FORMAT ('--json' is an option: options go before the format) (see 'sockbox struct-pack --help')"
	run -2 --separate-stderr sockbox struct-pack unpack '<i' a b
	assert_equal "$stderr" "sockbox struct-pack: unpack takes one FILE, got 2 operands after the format (see 'sockbox struct-pack --help')"
}
