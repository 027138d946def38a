# tests/bench/struct-pack.sh - 1,000,000 `!i16sif` records (id, 16-byte
# name, age, score: 28 bytes each) unpacked to tab-separated text and packed
# back from it: sockbox struct-pack vs python3 (struct.iter_unpack + print,
# struct.pack per line) vs perl (unpack/pack).  Run by tests/bench/run.sh
# with $SOCKBOX and $BENCH_TMP; prints times, records per second and ratios.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

n=${STRUCT_PACK_BENCH_RECORDS:-1000000}
runs=${STRUCT_PACK_BENCH_RUNS:-3}
# sockbox's runs are short, so more of them cost little and make its best
# time less hostage to the neighbours on a shared machine.
fast_runs=$((runs * 3))
bin=$BENCH_TMP/records.bin
tsv=$BENCH_TMP/records.tsv

# The records: names padded with NULs, ages 18-99, scores with two decimals
# stored as binary32 (so their repr has up to 17 digits, as real data does).
python3 - "$n" "$bin" <<'EOF'
import random, struct, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(5)
names = [b"Ada Lovelace", b"Alan Turing", b"Grace Hopper", b"Edsger Dijkstra", b"Barbara Liskov",
         b"Ken Thompson", b"Dennis Ritchie", b"Radia Perlman", b"Donald Knuth", b"Frances Allen"]
s = struct.Struct("!i16sif")
with open(path, "wb") as f:
    f.write(b"".join(s.pack(i, rng.choice(names), rng.randint(18, 99), round(rng.uniform(0, 100), 2))
                     for i in range(n)))
EOF

cat >"$BENCH_TMP/unpack.py" <<'EOF'
import struct, sys
with open(sys.argv[1], "rb") as f:
    data = f.read()
for rec_id, name, age, score in struct.iter_unpack("!i16sif", data):
    print(rec_id, name.rstrip(b"\0").decode("latin-1"), age, score, sep="\t")
EOF
# Reading this text means decoding its escapes (a name may hold \t, \\ or
# \x00), as sockbox's pack does: codecs.escape_decode is Python's way.
cat >"$BENCH_TMP/pack.py" <<'EOF'
import codecs, struct, sys
pack = struct.Struct("!i16sif").pack
unescape = codecs.escape_decode
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    rec_id, name, age, score = line.rstrip(b"\n").split(b"\t")
    out.write(pack(int(rec_id), unescape(name)[0], int(age), float(score)))
EOF
unpack_perl='open my $f, "<:raw", $ARGV[0] or die; local $/; my $d = <$f>;
for (my $o = 0; $o + 28 <= length $d; $o += 28) {
	print join("\t", unpack("l> Z16 l> f>", substr($d, $o, 28))), "\n" }'
pack_perl='binmode STDOUT; while (<STDIN>) { chomp; my @v = split /\t/;
	print pack("l> a16 l> f>", @v) }'

# The outputs must agree before the times mean anything.
"$SOCKBOX" struct-pack unpack '!i16sif' "$bin" >"$tsv"
python3 "$BENCH_TMP/unpack.py" "$bin" | cmp -s - "$tsv" || { echo "bench: python3 and sockbox unpack differ" >&2; exit 1; }
"$SOCKBOX" struct-pack pack '!i16sif' <"$tsv" | cmp -s - "$bin" || { echo "bench: sockbox pack does not give the records back" >&2; exit 1; }
python3 "$BENCH_TMP/pack.py" <"$tsv" | cmp -s - "$bin" || { echo "bench: python3 pack differs" >&2; exit 1; }

sockbox_unpack() { "$SOCKBOX" struct-pack unpack '!i16sif' "$bin"; }
python_unpack() { python3 "$BENCH_TMP/unpack.py" "$bin"; }
perl_unpack() { perl -e "$unpack_perl" "$bin"; }
sockbox_pack() { "$SOCKBOX" struct-pack pack '!i16sif' <"$tsv"; }
python_pack() { python3 "$BENCH_TMP/pack.py" <"$tsv"; }
perl_pack() { perl -e "$pack_perl" <"$tsv"; }

report() {
	local what=$1 sb=$2 py=$3 pl=$4
	printf '%-8s sockbox %7.3f s (%9s rec/s)   python3 %7.3f s (%7s rec/s)   perl %7.3f s (%7s rec/s)\n' \
		"$what" "$sb" "$(rate "$n" "$sb")" "$py" "$(rate "$n" "$py")" "$pl" "$(rate "$n" "$pl")"
	printf '%-8s sockbox is %sx python3, %sx perl\n' "$what" "$(ratio "$py" "$sb")" "$(ratio "$pl" "$sb")"
}

echo "$n records of '!i16sif' ($(stat -c %s "$bin") bytes, $(stat -c %s "$tsv") bytes as text), output to /dev/null"
echo "best wall time of $fast_runs runs (sockbox) and $runs runs (python3, perl)"
report unpack "$(best_of "$fast_runs" sockbox_unpack)" "$(best_of "$runs" python_unpack)" "$(best_of "$runs" perl_unpack)"
report pack "$(best_of "$fast_runs" sockbox_pack)" "$(best_of "$runs" python_pack)" "$(best_of "$runs" perl_pack)"
