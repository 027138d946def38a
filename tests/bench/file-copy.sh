#!/usr/bin/env bash
# tests/bench/file-copy.sh - file-copy beside cp and dd on a 1 GiB file with
# a warm page cache, beside the 1 KiB read/write loop (its own and dd's), and
# on a 1 GiB sparse file.  Each command runs FILE_COPY_RUNS times (default
# 5; 3 for the slow 1 KiB loops) under hyperfine; before each run (not
# timed) the previous copy is removed and the file system synced, so no run
# pays for another's writeback.  Figures are medians; a ratio is the peer's
# time over sockbox's, so above 1 means sockbox is faster.
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
source "$(dirname "$0")/lib.sh"

runs=${FILE_COPY_RUNS:-5}
dir=$BENCH_TMP/file-copy
mkdir -p "$dir"
cd "$dir"
trap 'rm -rf "$dir"' EXIT

# median_of RUNS CMD...: the median wall time of CMD in seconds.
median_of() {
	local n=$1; shift
	hyperfine -N --style none --runs "$n" --prepare "sh -c 'rm -f dst; sync -f .'" \
		--export-json "$dir/result.json" -- "$*" >/dev/null 2>&1 ||
		{ echo "bench: '$*' failed" >&2; return 1; }
	jq -r '.results[0].median' "$dir/result.json"
}

# line LABEL SECONDS [SOCKBOX_SECONDS]: one row, with the ratio when given sockbox's time.
line() {
	local mbps
	mbps=$(rate $((1 << 30)) "$2")
	mbps=$((mbps / 1000000))
	if [ -n "${3:-}" ]; then
		printf '  %-58s %8.4f s %6d MB/s   ratio %s\n' "$1" "$2" "$mbps" "$(ratio "$2" "$3")"
	else
		printf '  %-58s %8.4f s %6d MB/s\n' "$1" "$2" "$mbps"
	fi
}

echo "making a 1 GiB file of random bytes in $dir"
head -c 1G /dev/urandom >big
truncate -s 1G sparse
cat big >/dev/null # the page cache is warm for every command below

echo "1 GiB file, warm cache, median of $runs:"
sb=$(median_of "$runs" "$SOCKBOX" file-copy big dst)
line "sockbox file-copy" "$sb"
line "cp" "$(median_of "$runs" cp big dst)" "$sb"
line "dd bs=1M" "$(median_of "$runs" dd if=big of=dst bs=1M status=none)" "$sb"

loop_runs=$(((runs + 1) / 2 > 3 ? 3 : (runs + 1) / 2))
echo "the 1 KiB read/write loop, same file, median of $loop_runs:"
loop=$(median_of "$loop_runs" "$SOCKBOX" file-copy --method read-write --buffer-size 1K big dst)
line "sockbox file-copy --method read-write --buffer-size 1K" "$loop"
line "dd bs=1024" "$(median_of "$loop_runs" dd if=big of=dst bs=1024 status=none)" "$loop"
echo "  sockbox file-copy (auto) against its own 1 KiB loop: $(ratio "$loop" "$sb") times faster"

echo "1 GiB sparse file (all hole), median of $runs:"
sparse=$(median_of "$runs" "$SOCKBOX" file-copy sparse dst)
line "sockbox file-copy" "$sparse"
line "cp" "$(median_of "$runs" cp sparse dst)" "$sparse"
line "dd bs=1M (writes every zero)" "$(median_of "$runs" dd if=sparse of=dst bs=1M status=none)" "$sparse"
