#!/usr/bin/env bash
# tests/bench/uring-server.sh - uring-server beside epoll-server (its
# readiness twin) and nginx, in the same run:
#   1. HTTP: wrk -t2 -c100 on the 1 KiB file: nginx (one worker, at its
#      best: sendfile, open_file_cache, no access log), epoll-server,
#      uring-server, uring-server --sqpoll.  Issue 15's targets: uring at
#      least 1.2x epoll's requests/s and 2x nginx's, p99 no worse than
#      epoll's.  Also a 256 KiB file (the path that splices files through a
#      pipe, IORING_OP_SPLICE, where epoll-server uses sendfile).
#   2. echo, driven by `sockbox tcp-echo --bench` (a C client): 256 MiB
#      through one connection, and 64-byte round trips on 100 connections;
#      epoll-server, uring-server, uring-server --sqpoll.
#   3. 10,000 idle connections: resident memory (the buffer ring counted:
#      it is in the process) and one active client's 64-byte round trips
#      (p50, p99), epoll-server and uring-server.
# Nothing is pinned; the machine has two cores, wrk takes one.  Every run
# is bounded by `timeout`; a failure is reported, never counted.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

WRK_SECONDS=${WRK_SECONDS:-5}
IDLE_CONNS=${IDLE_CONNS:-10000}
MUX_CLIENT=$here/../mux-client.py
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if ! "$SOCKBOX" uring-server -p 0 --duration 0.01 2>"$BENCH_TMP/uring.check"; then
	echo "  skipped: $(cat "$BENCH_TMP/uring.check")"
	exit 0
fi

# start_ours "TOOL [ARGS]" ARGS...: a server on a free port; sets PORT and SERVER.
start_ours() {
	local pf=$BENCH_TMP/port.$RANDOM
	# shellcheck disable=SC2086
	"$SOCKBOX" $1 -p 0 --port-file "$pf" --backlog 4096 "${@:2}" >/dev/null 2>"$BENCH_TMP/server.err" &
	SERVER=$!
	PIDS+=("$SERVER")
	local tries=500
	while [ ! -s "$pf" ] && ((tries-- > 0)); do sleep 0.02; done
	PORT=$(cat "$pf")
}
stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }

WWW=$BENCH_TMP/www
mkdir -p "$WWW" "$BENCH_TMP/nginx"
chmod 755 "$BENCH_TMP" "$WWW"
head -c 768 /dev/urandom | base64 -w 0 | head -c 1024 >"$WWW/index.html"
head -c 262144 /dev/urandom >"$WWW/big.bin"
chmod 644 "$WWW/index.html" "$WWW/big.bin"

ratio_or_na() { if [ "$(echo "${2:-0} > 0" | bc -l)" = 1 ]; then ratio "$1" "$2"; else echo "n/a"; fi; }

SERVERS=("epoll-server" "uring-server" "uring-server --sqpoll")
declare -A rps p99 big_rps

echo "1. HTTP: wrk -t2 -c100 -d${WRK_SECONDS}s, the 1 KiB file and a 256 KiB one, not pinned"
start_nginx
wrk_run 100 "$WRK_SECONDS" index.html
rps[nginx]=$RPS p99[nginx]=$P99_MS
wrk_run 100 "$WRK_SECONDS" big.bin
big_rps[nginx]=$RPS
stop_server
for s in "${SERVERS[@]}"; do
	start_ours "$s" --handler http --root "$WWW"
	wrk_run 100 "$WRK_SECONDS" index.html
	rps[$s]=$RPS p99[$s]=$P99_MS
	wrk_run 100 "$WRK_SECONDS" big.bin
	big_rps[$s]=$RPS
	stop_server
done
for s in nginx "${SERVERS[@]}"; do
	printf '  %-22s 1 KiB: %9.0f req/s  p99 %6.2f ms   256 KiB: %7.0f req/s\n' \
		"$s" "${rps[$s]}" "${p99[$s]}" "${big_rps[$s]}"
done
u=uring-server
echo "  ratio uring/epoll: $(ratio_or_na "${rps[$u]}" "${rps[epoll-server]}") req/s (target >= 1.2)," \
	"p99 $(ratio_or_na "${p99[$u]}" "${p99[epoll-server]}") (target <= 1), 256 KiB $(ratio_or_na "${big_rps[$u]}" "${big_rps[epoll-server]}")"
echo "  ratio uring/nginx: $(ratio_or_na "${rps[$u]}" "${rps[nginx]}") req/s (target >= 2)"
echo "  ratio sqpoll on/off: $(ratio_or_na "${rps[uring-server --sqpoll]}" "${rps[$u]}") req/s"

echo
echo "2. echo, driven by sockbox tcp-echo --bench: 256 MiB through one connection; 64-byte round trips on 100"
bench_json() { timeout 120 "$SOCKBOX" tcp-echo --bench --json "$@" "127.0.0.1:$PORT" 2>/dev/null || echo '{}'; }
declare -A mb rt rtp99
for s in "${SERVERS[@]}"; do
	start_ours "$s"
	out=$(bench_json --stream --size 64K --count 4096)
	mb[$s]=$(jq -r '.mb_per_s_received // 0' <<<"$out")
	out=$(bench_json --conns 100 --size 64 --duration 3)
	rt[$s]=$(jq -r '.round_trips_per_s // 0' <<<"$out")
	rtp99[$s]=$(jq -r '.latency_us.p99 // 0' <<<"$out")
	stop_server
	printf '  %-22s %8.1f MB/s through one   %9.0f round trips/s on 100 (p99 %.0f us)\n' \
		"$s" "${mb[$s]}" "${rt[$s]}" "${rtp99[$s]}"
done
echo "  ratio uring/epoll: throughput $(ratio_or_na "${mb[$u]}" "${mb[epoll-server]}"), round trips $(ratio_or_na "${rt[$u]}" "${rt[epoll-server]}") (targets >= 1)"
echo "  ratio sqpoll on/off: throughput $(ratio_or_na "${mb[uring-server --sqpoll]}" "${mb[$u]}"), round trips $(ratio_or_na "${rt[uring-server --sqpoll]}" "${rt[$u]}")"

echo
echo "3. $IDLE_CONNS idle connections: resident memory, and one active client's round trips meanwhile"
# rt_latency: 2000 64-byte round trips on one connection (python3; its own
# overhead is in every figure alike): prints "p50 p99" in us.
rt_latency() {
	timeout 60 python3 - "$PORT" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
msg, times = b"x" * 64, []
for _ in range(2000):
    t0 = time.perf_counter()
    s.sendall(msg)
    got = 0
    while got < 64:
        got += len(s.recv(64 - got))
    times.append((time.perf_counter() - t0) * 1e6)
times.sort()
print("%.0f %.0f" % (times[len(times) // 2], times[int(len(times) * 0.99)]))
EOF
}
for s in epoll-server uring-server; do
	start_ours "$s"
	rm -f "$BENCH_TMP/held" "$BENCH_TMP/release"
	base_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER/status")
	python3 "$MUX_CLIENT" hold "$PORT" "$IDLE_CONNS" --echo --hold-file "$BENCH_TMP/held" \
		--release-file "$BENCH_TMP/release" >/dev/null 2>"$BENCH_TMP/hold.err" &
	holder=$!
	PIDS+=("$holder")
	tries=3000
	while [ ! -s "$BENCH_TMP/held" ] && ((tries-- > 0)); do sleep 0.02; done
	idle_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER/status")
	read -r p50 p99v < <(rt_latency || echo "0 0")
	touch "$BENCH_TMP/release"
	wait "$holder" || true
	stop_server
	printf '  %-14s RSS %6d KiB alone, %6d KiB with %s (%.1f MiB); one client: p50 %s us, p99 %s us\n' \
		"$s" "$base_rss" "$idle_rss" "$(cut -d' ' -f2 "$BENCH_TMP/held" 2>/dev/null || echo '?')" \
		"$(echo "$idle_rss / 1024" | bc -l)" "$p50" "$p99v"
done
echo "  (each idle connection sent and got back one line first, so every one has been through a buffer)"
