#!/usr/bin/env bash
# tests/bench/log-writer.sh - log-writer beside its peers, in the same run:
#
#  1. timestamp 1M stdin lines into a file: moreutils `ts`, and the awk
#     one-liner `{print NR". "strftime(), $0; fflush()}` in mawk and in gawk
#     (mawk's strftime() with no argument is "%c", which in the C locale is
#     ctime's format: the same line log-writer writes).  Every one of them
#     gets each line to the file as soon as it has it: awk by fflush(),
#     ts by autoflush, log-writer by writing whatever one read(2) returned.
#     Once with stdin a file, once with the lines arriving one write(2)
#     at a time through a pipe (the worst case for batching).
#  2. resume on a 1 GiB log: a whole `sockbox log-writer LOG MESSAGE` run
#     (open, lock, read the end backward, one write) beside `wc -l LOG`,
#     the way a naive resume would count.
#
# Targets (issue 2): at least 2x ts, no slower than the awk one-liner,
# resume under 10 ms.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
export LC_ALL=C
sb=$SOCKBOX
dir=$BENCH_TMP/log-writer
mkdir -p "$dir"
lines=1000000
runs=3

seq -f 'line %.0f of the benchmark input' "$lines" >"$dir/in"

# Each command writes a fresh file: ">" truncates for the peers, ": >" for us.
lw_file() { : >"$dir/out.lw"; "$sb" log-writer "$dir/out.lw" <"$dir/in"; }
ts_file() { ts <"$dir/in" >"$dir/out.ts"; }
mawk_file() { mawk '{print NR". "strftime(), $0; fflush()}' <"$dir/in" >"$dir/out.mawk"; }
gawk_file() { gawk '{print NR". "strftime(), $0; fflush()}' <"$dir/in" >"$dir/out.gawk"; }

# The same, with the lines trickling in one write(2) each.
trickle() { mawk '{ print; fflush() }' <"$dir/in"; }
lw_pipe() { : >"$dir/out.lw"; trickle | "$sb" log-writer "$dir/out.lw"; }
ts_pipe() { trickle | ts >"$dir/out.ts"; }
mawk_pipe() { trickle | mawk '{print NR". "strftime(), $0; fflush()}' >"$dir/out.mawk"; }
gawk_pipe() { trickle | gawk '{print NR". "strftime(), $0; fflush()}' >"$dir/out.gawk"; }

report() { # report LABEL SECONDS REFERENCE_SECONDS
	printf '  %-34s %8.3f s %10s lines/s  log-writer %sx faster\n' "$1" "$2" "$(rate "$lines" "$2")" "$(ratio "$2" "$3")"
}

for mode in file pipe; do
	if [ "$mode" = file ]; then
		echo "timestamp $lines lines, stdin a file (best of $runs)"
	else
		echo "timestamp $lines lines arriving one write(2) each through a pipe (best of $runs)"
	fi
	t_lw=$(best_of "$runs" "lw_$mode")
	[ "$(wc -l <"$dir/out.lw")" -eq "$lines" ] || { echo "bench: log-writer lost lines" >&2; exit 1; }
	t_ts=$(best_of "$runs" "ts_$mode")
	t_mawk=$(best_of "$runs" "mawk_$mode")
	t_gawk=$(best_of "$runs" "gawk_$mode")
	printf '  %-34s %8.3f s %10s lines/s\n' "sockbox log-writer FILE" "$t_lw" "$(rate "$lines" "$t_lw")"
	report "ts (moreutils)" "$t_ts" "$t_lw"
	report "mawk '{print NR\". \"strftime()...'" "$t_mawk" "$t_lw"
	report "gawk '{print NR\". \"strftime()...'" "$t_gawk" "$t_lw"
	echo "  log-writer vs ts: $(ratio "$t_ts" "$t_lw")x (target >= 2), vs mawk: $(ratio "$t_mawk" "$t_lw")x, vs gawk: $(ratio "$t_gawk" "$t_lw")x (target >= 1)"
	echo
done
rm -f "$dir"/out.*

# ---- resume on a 1 GiB log -----------------------------------------------
big=$dir/big.log
echo "resume on a 1 GiB log (made by log-writer itself: 17M entries)"
seq -f 'line %.0f of the resume benchmark log' 17000000 | "$sb" log-writer "$big"
size=$(stat -c %s "$big")
[ "$size" -ge $((1 << 30)) ] || { echo "bench: the log is only $size bytes" >&2; exit 1; }
cat "$big" >/dev/null # warm the cache for both sides
hyperfine -N --warmup 5 --runs 50 --export-json "$dir/resume.json" \
	"$sb log-writer $big resume" >/dev/null 2>&1
hyperfine -N --warmup 1 --runs 5 --export-json "$dir/wc.json" "wc -l $big" >/dev/null 2>&1
t_resume=$(jq '.results[0].median' "$dir/resume.json")
t_wc=$(jq '.results[0].median' "$dir/wc.json")
inner=$("$sb" log-writer -v "$big" resume 2>&1 | sed -n 's/.*found reading \([0-9]*\) bytes backward in \([0-9]*\) us/\1 bytes read, \2 us/p')
printf '  %-34s %8.3f ms (the whole process, median of 50)\n' "sockbox log-writer LOG MESSAGE" "$(echo "$t_resume * 1000" | bc -l)"
printf '  %-34s %8.3f ms (median of 5)\n' "wc -l LOG" "$(echo "$t_wc * 1000" | bc -l)"
echo "  inside log-writer (-v): $inner"
echo "  resume: $(printf '%.2f' "$(echo "$t_resume * 1000" | bc -l)") ms on $(numfmt --to=iec "$size")B (target < 10 ms), $(ratio "$t_wc" "$t_resume")x faster than wc -l"
rm -f "$big"
