#!/usr/bin/env bash
# tests/bench/udp-chat.sh - fan-out: one sender's 2,000 messages to 50
# members on loopback.  The server's CPU time per delivered message (from
# /proc/PID/schedstat) with sendmmsg(2), with one sendto(2) per member
# (--no-sendmmsg), and for `ncat --chat` (a TCP broker) with 50 clients;
# deliveries lost (members' receive buffers sized as the man page advises).
# The best of three runs counts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

MEMBERS=${CHAT_BENCH_MEMBERS:-50}
COUNT=${CHAT_BENCH_COUNT:-2000}
driver=$here/../udp-chat/fanout.py

# run_udp ARGS...: one run against our server; prints "DELIVERED EXPECTED CPU_NS".
run_udp() {
	local pf=$BENCH_TMP/chat.port
	rm -f "$pf"
	"$SOCKBOX" udp-chat serve -p 0 --port-file "$pf" --rcvbuf 8M --max-members 100 "$@" \
		</dev/null >/dev/null 2>"$BENCH_TMP/chat.err" &
	local pid=$!
	for _ in $(seq 250); do [ -s "$pf" ] && break; sleep 0.02; done
	timeout 60 python3 "$driver" udp 127.0.0.1 "$(cat "$pf")" "$MEMBERS" "$COUNT" "$pid"
	kill "$pid"; wait "$pid" || true
}

run_ncat() {
	local port
	port=$(free_port)
	ncat -l --chat 127.0.0.1 "$port" </dev/null >/dev/null 2>&1 &
	local pid=$!
	wait_listen "$port"
	timeout 60 python3 "$driver" ncat 127.0.0.1 "$port" "$MEMBERS" "$COUNT" "$pid"
	kill "$pid"; wait "$pid" 2>/dev/null || true
}

# best RESULTS...: "NS_PER_DELIVERY LOST" of the run with the fewest ns per delivery.
best() { printf '%s\n' "$@" | awk '$1 > 0 { ns = $3 / $1; if (!best || ns < best) { best = ns; lost = $2 - $1 } } END { printf "%.0f %d\n", best, lost }'; }

mmsg=() sendto=() nc=()
for _ in 1 2 3; do
	mmsg+=("$(run_udp)")
	sendto+=("$(run_udp --no-sendmmsg)")
	nc+=("$(run_ncat)")
done
read -r mm_ns mm_lost < <(best "${mmsg[@]}")
read -r st_ns st_lost < <(best "${sendto[@]}")
read -r nc_ns nc_lost < <(best "${nc[@]}")
echo "$COUNT messages from one sender to $MEMBERS members, best of 3 (server CPU per delivery)"
printf '  sockbox udp-chat serve (sendmmsg)      %6s ns/delivery  (%s lost)\n' "$mm_ns" "$mm_lost"
printf '  sockbox udp-chat serve --no-sendmmsg   %6s ns/delivery  (%s lost)\n' "$st_ns" "$st_lost"
printf '  ncat -l --chat (TCP, 50 clients)       %6s ns/delivery  (%s lost)\n' "$nc_ns" "$nc_lost"
echo "  ratio sendto/sendmmsg: $(ratio "$st_ns" "$mm_ns") (target: 1.3 or more)"
echo "  ratio sockbox/ncat: $(ratio "$mm_ns" "$nc_ns") (ncat relays whole TCP reads, many lines per write)"
