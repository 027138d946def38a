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

# start_nginx: nginx (one worker, sendfile) serving $WWW on a free port of
# 127.0.0.1, its files in $BENCH_TMP/nginx; sets PORT and SERVER and adds
# the PID to PIDS.
start_nginx() {
	PORT=$(free_port)
	cat >"$BENCH_TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $BENCH_TMP/nginx/nginx.pid;
error_log $BENCH_TMP/nginx/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	open_file_cache max=1000;
	keepalive_requests 1000000;
	client_body_temp_path $BENCH_TMP/nginx;
	proxy_temp_path $BENCH_TMP/nginx;
	fastcgi_temp_path $BENCH_TMP/nginx;
	uwsgi_temp_path $BENCH_TMP/nginx;
	scgi_temp_path $BENCH_TMP/nginx;
	server { listen 127.0.0.1:$PORT; root $WWW; }
}
EOF
	nginx -c "$BENCH_TMP/nginx/nginx.conf" -p "$BENCH_TMP/nginx" 2>/dev/null &
	SERVER=$!
	PIDS+=("$SERVER")
	wait_listen "$PORT"
}

# wrk_run CONNS SECS [PATH]: wrk against 127.0.0.1:$PORT/PATH (index.html
# by default); sets RPS and P99_MS (0 on failure).
wrk_run() {
	local conns=$1 secs=$2 path=${3:-index.html} out threads=2
	((conns < threads)) && threads=$conns
	RPS=0 P99_MS=0
	if ! out=$(timeout $((secs + 30)) wrk -t"$threads" -c"$conns" -d"${secs}s" --latency \
		"http://127.0.0.1:$PORT/$path" 2>&1); then
		echo "  wrk failed or hung: $(tail -n 2 <<<"$out")" >&2
		return 0
	fi
	if grep -q "Non-2xx" <<<"$out"; then
		echo "  wrk saw errors: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ')" >&2
	fi
	RPS=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	P99_MS=$(awk '$1 == "99%" {
		v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
		if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000
		print v }' <<<"$out")
}
