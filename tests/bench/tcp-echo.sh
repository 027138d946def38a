#!/usr/bin/env bash
# tests/bench/tcp-echo.sh - tcp-echo's server against socat's echo server
# (`socat -b 32768 TCP-LISTEN:P,bind=127.0.0.1,reuseaddr,fork PIPE`, the
# setting PEERS.md found not to hang), both driven by the same C client:
# sockbox tcp-echo --bench (one thread, epoll).  Figures: bulk throughput
# through one connection, 64-byte round trips on one connection,
# connections per second for each model; iperf3 quoted as the ceiling.
# Then the seven models side by side (issue 14): 64-byte round trips on
# RT_CONNS connections for each, the accept spread (busiest/idlest worker)
# of prefork, pool and reuseport, and the coroutine model against
# epoll-server's echo, the hand-written event loop it should come close to.
# Every run is bounded by `timeout`; a hang or a failure counts as such,
# never as a number.  Nothing is pinned to a core.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

RUNS=${RUNS:-5}
STREAM_COUNT=${STREAM_COUNT:-16384}   # 64 KiB writes: 1 GiB through the echo
RT_SECONDS=${RT_SECONDS:-2}
CONN_COUNT=${CONN_COUNT:-4000}
RT_CONNS=${RT_CONNS:-4}
SPREAD_COUNT=${SPREAD_COUNT:-400}
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do SERVER=$pid stop_server; done
}
trap cleanup EXIT

# start_ours ARGS...: our server on a free port; sets PORT and SERVER.
start_ours() {
	local pf=$BENCH_TMP/port.$RANDOM
	"$SOCKBOX" tcp-echo -l -p 0 --port-file "$pf" "$@" >/dev/null 2>"$BENCH_TMP/server.err" &
	SERVER=$!
	PIDS+=("$SERVER")
	local tries=500
	while [ ! -s "$pf" ] && ((tries-- > 0)); do sleep 0.02; done
	PORT=$(cat "$pf")
}

# start_socat: socat's echo server in a session (and process group) of its
# own, so that stop_server also ends a forked child that deadlocked itself.
start_socat() {
	PORT=$(free_port)
	setsid socat -b 32768 "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" PIPE >/dev/null 2>&1 &
	SERVER=$!
	PIDS+=("$SERVER")
	wait_listen "$PORT"
}

# stop_server: TERM to the server's process group when it leads one (socat),
# else to the server alone.
stop_server() {
	if [ "$(ps -o pgid= -p "$SERVER" | tr -d ' ')" = "$SERVER" ]; then
		kill -- "-$SERVER" 2>/dev/null || true
	else
		kill "$SERVER" 2>/dev/null || true
	fi
	wait "$SERVER" 2>/dev/null || true
}

# best LABEL KEY ARGS...: runs `tcp-echo --bench --json ARGS` RUNS times
# against $PORT, each bounded by 120 s (and by the client's own 10 s idle
# timeout), and prints the best value of KEY.  A run that fails or hangs is
# reported on stderr and counts as 0, never as a figure.
best() {
	local label=$1 key=$2; shift 2
	local best=0 value out run
	for run in $(seq "$RUNS"); do
		if out=$(timeout 120 "$SOCKBOX" tcp-echo --bench --json "$@" "$PORT" 2>"$BENCH_TMP/bench.err"); then
			value=$(jq -r ".$key" <<<"$out")
		else
			echo "  $label: run $run of $RUNS failed or hung: $(head -c 200 "$BENCH_TMP/bench.err")" >&2
			value=0
		fi
		if [ "$(echo "$value > $best" | bc -l)" = 1 ]; then best=$value; fi
	done
	echo "$best"
}

ratio_or_na() { if [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then ratio "$1" "$2"; else echo "n/a"; fi; }

echo "driver: sockbox tcp-echo --bench (one epoll thread), best of $RUNS, not pinned"

# The ceiling: one iperf3 stream over loopback.
ip=$(free_port)
iperf3 -s -1 -p "$ip" >/dev/null 2>&1 &
PIDS+=($!)
wait_listen "$ip"
sleep 0.2
gbit=$(timeout 30 iperf3 -c 127.0.0.1 -p "$ip" -t 5 -J 2>/dev/null |
	jq -r '.end.sum_received.bits_per_second / 1e9' || echo 0)
printf 'ceiling: iperf3 -c 127.0.0.1 -t 5: %.1f Gbit/s (%.0f MB/s one way, no echo)\n' "$gbit" "$(echo "$gbit * 125" | bc -l)"

echo
echo "throughput through one connection: --bench --stream --size 64K --count $STREAM_COUNT (MB/s echoed)"
start_ours
ours_mb=$(best tcp-echo mb_per_s_received --stream --size 64K --count "$STREAM_COUNT")
stop_server
start_socat
socat_mb=$(best socat mb_per_s_received --stream --size 64K --count "$STREAM_COUNT")
stop_server
printf '  tcp-echo (thread)  %10.1f MB/s\n  socat PIPE         %10.1f MB/s\n' "$ours_mb" "$socat_mb"
echo "  ratio tcp-echo/socat: $(ratio_or_na "$ours_mb" "$socat_mb") (target >= 1.5)"

echo
echo "64-byte round trips on one connection: --bench --size 64 --duration $RT_SECONDS (round trips/s)"
start_ours
ours_rt=$(best tcp-echo round_trips_per_s --size 64 --duration "$RT_SECONDS")
stop_server
start_socat
socat_rt=$(best socat round_trips_per_s --size 64 --duration "$RT_SECONDS")
stop_server
printf '  tcp-echo (thread)  %10.0f /s\n  socat PIPE         %10.0f /s\n' "$ours_rt" "$socat_rt"
echo "  ratio tcp-echo/socat: $(ratio_or_na "$ours_rt" "$socat_rt") (target >= 1.0)"

echo
echo "connections per second: --bench --reconnect --conns 4 --count $CONN_COUNT (connect, 64 bytes there and back, close)"
MODELS=(iterative fork thread prefork pool reuseport coroutine)
for model in "${MODELS[@]}"; do
	start_ours --model "$model"
	rate=$(best "tcp-echo --model $model" connections_per_s --reconnect --conns 4 --count "$CONN_COUNT")
	stop_server
	eval "conn_$model=$rate"
	printf '  tcp-echo --model %-9s %8.0f /s\n' "$model" "$rate"
done
start_socat
socat_conn=$(best socat connections_per_s --reconnect --conns 4 --count "$CONN_COUNT")
stop_server
printf '  socat PIPE (fork)         %8.0f /s\n' "$socat_conn"
# shellcheck disable=SC2154
echo "  ratios: thread/fork $(ratio_or_na "$conn_thread" "$conn_fork"), fork/socat $(ratio_or_na "$conn_fork" "$socat_conn"), thread/socat $(ratio_or_na "$conn_thread" "$socat_conn")"
# shellcheck disable=SC2154
echo "  ratios: prefork/thread $(ratio_or_na "$conn_prefork" "$conn_thread"), reuseport/thread $(ratio_or_na "$conn_reuseport" "$conn_thread") (target > 1: no process or thread created per connection), pool/thread $(ratio_or_na "$conn_pool" "$conn_thread")"

echo
echo "64-byte round trips, every model: --bench --size 64 --conns $RT_CONNS --duration $RT_SECONDS (round trips/s)"
for model in "${MODELS[@]}"; do
	start_ours --model "$model"
	rate=$(best "tcp-echo --model $model" round_trips_per_s --size 64 --conns "$RT_CONNS" --duration "$RT_SECONDS")
	stop_server
	eval "rt_$model=$rate"
	printf '  tcp-echo --model %-9s %8.0f /s\n' "$model" "$rate"
done

# spread: the busiest and idlest worker's accepts after SPREAD_COUNT
# connections, read from the server's answer to SIGUSR1.
echo
echo "accept spread over 4 workers: --bench --reconnect --conns 1 --count $SPREAD_COUNT (one client at a time), then SIGUSR1"
for model in prefork pool reuseport; do
	start_ours --model "$model" --workers 4
	timeout 120 "$SOCKBOX" tcp-echo --bench --reconnect --conns 1 --count "$SPREAD_COUNT" "$PORT" >/dev/null 2>&1 ||
		echo "  $model: the load run failed or hung" >&2
	kill -USR1 "$SERVER"
	line=""
	for _ in $(seq 100); do
		line=$(grep "accepts per worker" "$BENCH_TMP/server.err" | tail -n 1 || true)
		[ -n "$line" ] && break
		sleep 0.02
	done
	stop_server
	read -r busiest idlest < <(sed 's/.*(busiest \([0-9]*\), idlest \([0-9]*\))$/\1 \2/' <<<"$line")
	printf '  %-9s %s  busiest/idlest %s\n' "$model" "${line#*worker: }" \
		"$(if [ "${idlest:-0}" -gt 0 ]; then ratio "$busiest" "$idlest"; else echo "$busiest:0"; fi)"
done
echo "  (prefork: one shared queue, the first idle sleeper is woken first: uneven; pool: the condition variable's queue takes turns; reuseport: a hash decides, target within 2:1)"

echo
echo "coroutine vs epoll-server, 64-byte echo round trips on $RT_CONNS connections (both one thread, one epoll loop)"
pf=$BENCH_TMP/port.epoll
"$SOCKBOX" epoll-server -p 0 --port-file "$pf" >/dev/null 2>"$BENCH_TMP/server.err" &
SERVER=$!
PIDS+=("$SERVER")
tries=500
while [ ! -s "$pf" ] && ((tries-- > 0)); do sleep 0.02; done
PORT=$(cat "$pf")
epoll_rt=$(best epoll-server round_trips_per_s --size 64 --conns "$RT_CONNS" --duration "$RT_SECONDS")
stop_server
start_ours --model coroutine
coro_rt=$(best "tcp-echo --model coroutine" round_trips_per_s --size 64 --conns "$RT_CONNS" --duration "$RT_SECONDS")
stop_server
printf '  epoll-server              %8.0f /s\n  tcp-echo --model coroutine %7.0f /s\n' "$epoll_rt" "$coro_rt"
echo "  ratio coroutine/epoll-server: $(ratio_or_na "$coro_rt" "$epoll_rt") (target >= 0.90)"
