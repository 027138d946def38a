#!/usr/bin/env bash
# tests/bench/udp-broadcast.sh - receiving datagrams: the CPU a listener
# spends per datagram, `sockbox udp-broadcast listen --raw` beside
# `socat -u UDP-RECV:PORT STDOUT`, fed the same 64-byte datagrams (one per
# line) by `sockbox udp-broadcast send` on loopback.  UDP drops what a full
# receive buffer cannot hold, so each side is charged per datagram it
# actually received, not per datagram sent; the best of three runs counts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

COUNT=${UDP_BENCH_COUNT:-100000}
SIZE=64
lines=$BENCH_TMP/udp-lines
awk -v n="$COUNT" -v size="$SIZE" 'BEGIN { l = sprintf("%*s", size - 1, ""); gsub(/ /, "x", l); for (i = 0; i < n; i++) print l }' >"$lines"

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# cpu_seconds FILE: user+sys of the children, from the second line `times` wrote.
cpu_seconds() { awk 'NR == 2 { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }' "$1"; }

# receive NAME PORT CMD...: runs the receiver CMD (which ends by itself
# after 1 s of silence) while the lines are sent to PORT; prints
# "DATAGRAMS CPU_SECONDS".
receive() {
	local name=$1 port=$2; shift 2
	local out=$BENCH_TMP/udp-$name.out
	# the subshell's `times` counts the receiver alone, not the sender
	# (and `times` must run in that shell itself, not in a pipeline)
	( "$@" >"$out" 2>/dev/null; times >"$out.times" ) &
	local receiver=$!
	sleep 0.3 # socat has no port file: both get the same head start
	"$SOCKBOX" udp-broadcast send --to "127.0.0.1:$port" <"$lines"
	wait "$receiver"
	echo "$(($(wc -c <"$out") / (SIZE - 1))) $(cpu_seconds "$out.times")"
}

# best RESULTS...: the lowest microseconds per datagram among "N CPU" pairs.
best() { printf '%s\n' "$@" | awk '$1 > 0 { us = $2 * 1e6 / $1; if (!best || us < best) { best = us; n = $1 } } END { printf "%.2f %d\n", best, n }'; }

sockbox_runs=() socat_runs=()
for _ in 1 2 3; do
	p=$(free_port)
	sockbox_runs+=("$(receive sockbox "$p" timeout 60 "$SOCKBOX" udp-broadcast listen -b 127.0.0.1 -p "$p" --raw -t 1)")
	p=$(free_port)
	socat_runs+=("$(receive socat "$p" timeout 60 socat -T 1 -u "UDP-RECV:$p,bind=127.0.0.1" STDOUT)")
done
read -r sb_us sb_n < <(best "${sockbox_runs[@]}")
read -r so_us so_n < <(best "${socat_runs[@]}")
echo "sent $COUNT datagrams of $SIZE bytes per run, best of 3 (CPU of the receiver per datagram received)"
printf '  sockbox udp-broadcast listen --raw  %8s us/datagram  (%s received)\n' "$sb_us" "$sb_n"
printf '  socat -u UDP-RECV STDOUT            %8s us/datagram  (%s received)\n' "$so_us" "$so_n"
echo "  ratio socat/sockbox: $(ratio "$so_us" "$sb_us") (above 1: sockbox spends less CPU per datagram)"
