# tests/demo/sniff.sh - sniff's stop in `make demo` (sourced by run.sh).
# As root: capture a socat TCP echo exchange on lo with --explain, save it
# with -w, then read one packet back with every field named.  Otherwise:
# say why, and read captures made by tests/sniff/craft.py instead.

demo_wait_grep() { # FILE PATTERN: at most 10 s
	local tries=500
	until grep -q "$2" "$1" 2>/dev/null; do
		((tries-- > 0)) || { echo "demo: no '$2' in $1" >&2; return 1; }
		sleep 0.02
	done
}

if [ "$(id -u)" -eq 0 ]; then
	socat -d -d TCP-LISTEN:0,bind=127.0.0.1,reuseaddr PIPE 2>"$DEMO/socat.err" &
	DEMO_PIDS+=($!)
	demo_wait_grep "$DEMO/socat.err" "listening on"
	sniff_port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$DEMO/socat.err" | head -n 1)

	printf '\n\033[1m# %s\033[0m\n$ %s\n' "sniff loopback in the background, explaining each TCP segment and saving them" \
		"sockbox sniff --explain --timeout 20 -w \$DEMO/echo.pcap tcp port $sniff_port &"
	"$SOCKBOX" sniff --explain --timeout 20 -w "$DEMO/echo.pcap" tcp port "$sniff_port" \
		>"$DEMO/sniff.out" 2>"$DEMO/sniff.err" &
	sniff_pid=$!
	DEMO_PIDS+=($sniff_pid)
	demo_wait_grep "$DEMO/sniff.err" "listening on lo"
	cat "$DEMO/sniff.err"

	run_shell "a client sends one line to a socat echo server and closes its side" \
		"printf 'hello sockbox\n' | socat -t 2 - TCP:127.0.0.1:$sniff_port"
	demo_wait_grep "$DEMO/sniff.out" "teardown 4/4"
	kill -TERM "$sniff_pid"
	wait "$sniff_pid" || true
	printf '\n\033[1m# %s\033[0m\n' "what sniff saw: the three-way handshake, the data both ways, the four-step teardown"
	cat "$DEMO/sniff.out"
	step "read the saved capture again: the SYN, every field of every layer named" \
		"$SOCKBOX" sniff -v -c 1 -r "$DEMO/echo.pcap"
else
	echo "sniff: live capture needs root or CAP_NET_RAW; reading hand-made captures instead"
	craft=$(dirname "${BASH_SOURCE[0]}")/../sniff/craft.py
	python3 "$craft" tcp-options "$DEMO/tcp.pcap"
	python3 "$craft" arp "$DEMO/arp.pcap"
	step "a SYN and a SACK, every field of every layer named" "$SOCKBOX" sniff -v -r "$DEMO/tcp.pcap"
	step "ARP in words: who-has and is-at" "$SOCKBOX" sniff --explain -r "$DEMO/arp.pcap"
fi
