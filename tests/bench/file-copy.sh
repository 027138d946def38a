#!/usr/bin/env bash
# tests/bench/file-copy.sh - file-copy beside cp and dd on a 1 GiB file with
# a warm page cache, beside the 1 KiB read/write loop (its own and dd's), and
# on a 1 GiB sparse file.
#
# The commands of a group run in rounds, one after the other inside each
# round, so that a neighbour's burst of IO hits all of them alike (on a
# shared machine it does: single runs swing 3x).  Before each run, untimed,
# the previous copy is removed and the file system synced, so no run pays
# for another's writeback.  Each figure is the median of FILE_COPY_RUNS
# rounds (default 5; at most 3 for the slow 1 KiB loops), with the best in
# brackets; a ratio is the peer's median over sockbox's, so above 1 means
# sockbox is faster.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
source "$(dirname "$0")/lib.sh"

runs=${FILE_COPY_RUNS:-5}
dir=$BENCH_TMP/file-copy
mkdir -p "$dir"
cd "$dir"
trap 'rm -rf "$dir"' EXIT

# time_once CMD...: wall seconds of one run of CMD, after removing dst and syncing.
time_once() {
	local t0 t1
	rm -f dst
	sync -f .
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 || { echo "bench: '$*' failed" >&2; return 1; }
	t1=$EPOCHREALTIME
	echo "$t1 - $t0" | bc -l
}

# rounds N LABEL... -- CMD... -- CMD...: runs every CMD once per round for N
# rounds; sets MEDIAN[i] and BEST[i] for the i-th command.
rounds() {
	local n=$1; shift
	local -a cmds=() times=()
	local cmd="" i r
	for word in "$@" --; do
		if [ "$word" = -- ]; then
			[ -n "$cmd" ] && cmds+=("$cmd")
			cmd=""
		else
			cmd+="${cmd:+ }$(printf '%q' "$word")"
		fi
	done
	for ((r = 0; r < n; r++)); do
		for i in "${!cmds[@]}"; do
			times[i]+="$(eval "time_once ${cmds[i]}") "
		done
	done
	MEDIAN=() BEST=()
	for i in "${!cmds[@]}"; do
		local sorted
		sorted=$(tr ' ' '\n' <<<"${times[i]}" | grep . | sort -g)
		BEST[i]=$(head -n 1 <<<"$sorted")
		MEDIAN[i]=$(sed -n "$(((n + 1) / 2))p" <<<"$sorted")
	done
}

# row LABEL I [SOCKBOX_I]: one line for command I, with the ratio to command SOCKBOX_I.
row() {
	local mbps
	mbps=$(($(rate $((1 << 30)) "${MEDIAN[$2]}") / 1000000))
	printf '  %-56s %8.4f s (%.4f) %6d MB/s' "$1" "${MEDIAN[$2]}" "${BEST[$2]}" "$mbps"
	if [ -n "${3:-}" ]; then printf '   ratio %s' "$(ratio "${MEDIAN[$2]}" "${MEDIAN[$3]}")"; fi
	printf '\n'
}

echo "making a 1 GiB file of random bytes in $dir"
head -c 1G /dev/urandom >big
truncate -s 1G sparse
sync -f .
cat big >/dev/null # the page cache is warm for every command below

echo "1 GiB file, warm cache: median (best) of $runs rounds"
rounds "$runs" -- "$SOCKBOX" file-copy big dst -- cp big dst -- dd if=big of=dst bs=1M status=none
row "sockbox file-copy" 0
row "cp" 1 0
row "dd bs=1M" 2 0
auto=${MEDIAN[0]}

loop_runs=$((runs < 3 ? runs : 3))
echo "the 1 KiB read/write loop, same file: median (best) of $loop_runs rounds"
rounds "$loop_runs" -- "$SOCKBOX" file-copy --method read-write --buffer-size 1K big dst \
	-- dd if=big of=dst bs=1024 status=none
row "sockbox file-copy --method read-write --buffer-size 1K" 0
row "dd bs=1024" 1 0
echo "  sockbox file-copy (auto) is $(ratio "${MEDIAN[0]}" "$auto") times as fast as its own 1 KiB loop"

echo "1 GiB sparse file (all hole): median (best) of $runs rounds"
rounds "$runs" -- "$SOCKBOX" file-copy sparse dst -- cp sparse dst -- dd if=sparse of=dst bs=1M status=none
row "sockbox file-copy" 0
row "cp" 1 0
row "dd bs=1M (writes every zero)" 2 0
