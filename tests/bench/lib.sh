# tests/bench/lib.sh - helpers the benchmarks source.

# best_of N CMD...: runs CMD N times, prints the fastest wall time in seconds.
# The best of several is the figure least disturbed by the neighbours.
best_of() {
	local n=$1; shift
	local best="" t0 t1 t
	for _ in $(seq "$n"); do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || { echo "bench: '$*' failed" >&2; return 1; }
		t1=$(date +%s.%N)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	printf '%.4f\n' "$best"
}

# ratio A B: A/B with two decimals.
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

# rate AMOUNT SECONDS: AMOUNT/SECONDS, no decimals.
rate() { printf '%.0f' "$(echo "$1 / $2" | bc -l)"; }
