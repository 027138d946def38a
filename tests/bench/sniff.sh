#!/usr/bin/env bash
# tests/bench/sniff.sh - decode a capture of 1,000,000 packets:
# `sockbox sniff -r` vs `tcpdump -n -r` vs `tshark -r`, output to /dev/null.
#
# The capture is made here, by tcpdump on lo, from a burst of small UDP
# datagrams (16 bytes of payload) sent by iperf3, a C sender fast enough to
# make a million packets in a few seconds: the decode of many small packets,
# the case where a decoder's per-packet cost shows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

PACKETS=${SNIFF_BENCH_PACKETS:-1000000}
pcap=$BENCH_TMP/sniff-${PACKETS}.pcap
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# wait_grep FILE PATTERN: at most 10 s for PATTERN to appear in FILE.
wait_grep() {
	local tries=500
	until grep -q "$2" "$1" 2>/dev/null; do
		((tries-- > 0)) || { echo "bench: no '$2' in $1" >&2; cat "$1" >&2; return 1; }
		sleep 0.02
	done
}

make_capture() {
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	iperf3 -s -1 --forceflush -B 127.0.0.1 -p "$port" >"$BENCH_TMP/iperf3-server.log" 2>&1 &
	pids+=($!)
	wait_grep "$BENCH_TMP/iperf3-server.log" "listening"
	tcpdump -i lo -n -s 128 -B 65536 -c "$PACKETS" -w "$pcap" "udp port $port" 2>"$BENCH_TMP/tcpdump.err" &
	local tcpdump_pid=$!
	pids+=($tcpdump_pid)
	wait_grep "$BENCH_TMP/tcpdump.err" "listening on"
	iperf3 -c 127.0.0.1 -p "$port" -u -l 16 -b 0 -t 60 >/dev/null 2>&1 &
	pids+=($!)
	# tcpdump ends by itself after -c packets; bound it anyway (120 s)
	local tries=6000
	while kill -0 "$tcpdump_pid" 2>/dev/null && ((tries-- > 0)); do sleep 0.02; done
	wait "$tcpdump_pid" || { echo "bench: tcpdump failed" >&2; cat "$BENCH_TMP/tcpdump.err" >&2; return 1; }
	cleanup
	pids=()
}

t0=$(date +%s.%N)
make_capture
t1=$(date +%s.%N)
have=$("$SOCKBOX" sniff -r "$pcap" | wc -l)
printf 'capture: %s packets, 16-byte UDP datagrams on lo, %s bytes, made by tcpdump in %.1f s\n' \
	"$have" "$(stat -c %s "$pcap")" "$(echo "$t1 - $t0" | bc -l)"

sb=$(best_of 3 "$SOCKBOX" sniff -r "$pcap")
td=$(best_of 2 tcpdump -n -r "$pcap")
ts=$(best_of 1 tshark -n -r "$pcap")
sbv=$(best_of 1 "$SOCKBOX" sniff -v -r "$pcap")
sbj=$(best_of 1 "$SOCKBOX" sniff --json -r "$pcap")
sbe=$(best_of 1 "$SOCKBOX" sniff --explain -r "$pcap")

printf '%-34s %8s s %12s packets/s\n' "sockbox sniff -r" "$sb" "$(rate "$have" "$sb")"
printf '%-34s %8s s %12s packets/s\n' "tcpdump -n -r" "$td" "$(rate "$have" "$td")"
printf '%-34s %8s s %12s packets/s\n' "tshark -n -r" "$ts" "$(rate "$have" "$ts")"
printf '%-34s %8s s %12s packets/s\n' "sockbox sniff -v -r (layers)" "$sbv" "$(rate "$have" "$sbv")"
printf '%-34s %8s s %12s packets/s\n' "sockbox sniff --json -r" "$sbj" "$(rate "$have" "$sbj")"
printf '%-34s %8s s %12s packets/s\n' "sockbox sniff --explain -r" "$sbe" "$(rate "$have" "$sbe")"
echo "ratio sniff/tcpdump (speed): $(ratio "$td" "$sb")x"
echo "ratio sniff/tshark (speed):  $(ratio "$ts" "$sb")x"
