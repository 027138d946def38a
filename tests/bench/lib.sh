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

# free_port: a TCP port on 127.0.0.1 that was free a moment ago, for peers
# (nginx, socat, iperf3) that cannot listen on port 0 and publish it.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_listen PORT: until a socket listens on PORT (10 s).  Asks ss(8)
# rather than connecting: a probe would be a one-shot server's only client.
wait_listen() {
	local tries=500
	until [ -n "$(ss -Htln "sport = :$1")" ]; do
		((tries-- > 0)) || { echo "bench: nothing listens on $1" >&2; return 1; }
		sleep 0.02
	done
}
