#!/usr/bin/env bats
# pictures.bats - the pictures sockbox draws (lib/draw): tcp-echo --bench's
# latency histogram, sniff --explain --svg's TCP ladder, http-probe's
# waterfall.  Every SVG is checked well-formed (xmllint) and
# self-contained (tests/pictures/check.py); one test renders them all in
# headless Chromium and keeps the PNGs under build/artifacts/.

load helper

CHECK=$BATS_TEST_DIRNAME/pictures/check.py

# svg_ok FILE: well-formed XML and a self-contained SVG 1.1 document.
svg_ok() {
	xmllint --noout "$1" || fail "$1 is not well-formed"
	python3 "$CHECK" svg "$1" >/dev/null || fail "$1 is not a self-contained SVG"
}

# on_tty CMD...: runs CMD with stdout on a pseudo-terminal (script(1)); its output in $output.
on_tty() {
	local cmd
	printf -v cmd '%q ' "$@"
	run timeout 60 script -qec "$cmd" /dev/null
}

# ---- tcp-echo --bench: the latency histogram ------------------------------

@test "tcp-echo --bench --histogram under LC_ALL=C NO_COLOR=1 prints a plain ASCII log-scale histogram" {
	serve sockbox tcp-echo -l -p 0
	LC_ALL=C NO_COLOR=1 run -0 --separate-stderr timeout 60 "$SOCKBOX" tcp-echo --bench --count 500 --histogram "$PORT"
	assert_equal "$stderr" ""
	assert_line --index 5 --regexp '^latency of 500 round trips \(log scale: [124] rows? per doubling, each from the time shown\)$'
	assert_line --regexp '^ *[0-9.]+ (ns|us|ms|s) \|#*  *\| +[0-9]+ +[0-9.]+%( p50)?( p99)?( p99\.9)?$'
	assert_line --regexp '^p50 [0-9.]+ (ns|us|ms), p99 [0-9.]+ (ns|us|ms), p99\.9 [0-9.]+ (ns|us|ms), max [0-9.]+ (ns|us|ms|s), mean [0-9.]+ (ns|us|ms)$'
	# the rows' counts add up to the round trips, and each mark is on one row
	total=$(printf '%s\n' "$output" | awk -F'|' 'NF == 3 { split($3, f, " "); n += f[1] } END { print n }')
	assert_equal "$total" 500
	assert_equal "$(printf '%s\n' "$output" | grep -cE '%( p[0-9.]+)* p50( |$)')" 1
	assert_equal "$(printf '%s\n' "$output" | grep -cE '%( p[0-9.]+)* p99( |$)')" 1
	# nothing but printable ASCII and newlines
	run bash -c 'LC_ALL=C grep -c "[^ -~]" <<<"$1"' _ "$output"
	assert_output 0
}

@test "tcp-echo --bench prints no histogram unless asked, on a pipe and on a terminal" {
	serve sockbox tcp-echo -l -p 0
	run -0 timeout 60 "$SOCKBOX" tcp-echo --bench --count 50 "$PORT"
	refute_output --partial "latency of"
	assert_equal "${#lines[@]}" 5
	on_tty "$SOCKBOX" tcp-echo --bench --count 50 "$PORT"
	assert_success
	refute_output --partial "latency of"
}

@test "tcp-echo --bench --histogram on a UTF-8 terminal draws block bars, in colour unless NO_COLOR" {
	serve sockbox tcp-echo -l -p 0
	LC_ALL=C.UTF-8 on_tty "$SOCKBOX" tcp-echo --bench --count 200 --histogram "$PORT"
	assert_success
	assert_output --partial "█"
	assert_output --partial $'\e[1mp50\e[0m'
	LC_ALL=C.UTF-8 NO_COLOR=1 on_tty "$SOCKBOX" tcp-echo --bench --count 200 --histogram "$PORT"
	assert_success
	assert_output --partial "█"
	refute_output --partial $'\e['
	LC_ALL=C TERM=xterm on_tty "$SOCKBOX" tcp-echo --bench --count 200 --histogram "$PORT"
	assert_success
	refute_output --partial "█"
	assert_output --partial "|#"
}

@test "tcp-echo --bench --svg FILE draws the histogram as a well-formed SVG with the percentiles marked" {
	serve sockbox tcp-echo -l -p 0
	run -0 --separate-stderr timeout 60 "$SOCKBOX" tcp-echo --bench --count 300 --json --svg "$TMP/h.svg" "$PORT"
	assert_equal "${#lines[@]}" 1 # the JSON alone on stdout
	svg_ok "$TMP/h.svg"
	run -0 python3 "$CHECK" svg "$TMP/h.svg"
	assert_output "760 380"
	run -0 grep -c '<rect ' "$TMP/h.svg"
	[ "$output" -ge 2 ]
	run -0 grep -o '>p[0-9.]* [0-9.]* [mun]*s<' "$TMP/h.svg"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^>p50 '
	assert_line --index 1 --regexp '^>p99 '
	assert_line --index 2 --regexp '^>p99\.9 '
}

@test "tcp-echo --histogram and --svg are refused where they draw nothing" {
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --histogram 127.0.0.1:9
	assert_equal "$stderr" "sockbox tcp-echo: --histogram needs --bench (see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --bench --stream --svg x.svg 127.0.0.1:9
	assert_equal "$stderr" "sockbox tcp-echo: --stream measures no round trip: --svg has no latency to draw (see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --bench --json --histogram 127.0.0.1:9
	assert_equal "$stderr" "sockbox tcp-echo: choose --json or --histogram (--svg draws it beside the JSON) (see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --svg x.svg
	assert_equal "$stderr" "sockbox tcp-echo: --svg is for the client, not the server (-l) (see 'sockbox tcp-echo --help')"
}

@test "tcp-echo --bench --svg into a missing directory fails with exit 1 and leaves nothing" {
	serve sockbox tcp-echo -l -p 0
	run -1 --separate-stderr timeout 60 "$SOCKBOX" tcp-echo --bench --count 10 --svg "$TMP/no/h.svg" "$PORT"
	assert_equal "$stderr" "sockbox tcp-echo: write $TMP/no/h.svg: No such file or directory"
	assert_not_exist "$TMP/no"
}

# ---- sniff --explain --svg: the TCP ladder --------------------------------

CRAFT=$BATS_TEST_DIRNAME/pictures/craft.py

# capture_echo: a tcp-echo exchange over loopback (handshake, "hello", the
# echo, teardown) recorded by tcpdump into $TMP/echo.pcap.
capture_echo() {
	require_root "tcpdump captures on lo"
	serve sockbox tcp-echo -l -p 0
	local mark=$((PORT + 1))
	tcpdump -i lo -n -U --immediate-mode -Z root -w "$TMP/echo.pcap" "tcp port $PORT or udp port $mark" \
		>"$TMP/tcpdump.out" 2>"$TMP/tcpdump.err" &
	local cap=$!
	track_pid "$cap"
	wait_until 10 grep -q "listening on" "$TMP/tcpdump.err" || fail "tcpdump did not start"
	run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"hello"
	assert_output "hello"
	# the end mark: once tcpdump has written it, every segment before it is in
	printf 'end-of-capture' | socat -u - "UDP-SENDTO:127.0.0.1:$mark"
	wait_until 10 grep -qa "end-of-capture" "$TMP/echo.pcap" || fail "the end mark never reached the capture"
	stop_pid "$cap"
}

# steps FILE: the handshake and teardown steps of the ladder's arrows, in drawing order.
steps() { python3 "$CHECK" arrows "$1" | grep -o '\(handshake\|teardown\) [0-9]/[0-9]' | tr '\n' ' '; }

@test "sniff --explain --svg draws a recorded tcp-echo exchange with one arrow per TCP segment, steps in time order" {
	capture_echo
	segments=$(tshark -r "$TMP/echo.pcap" -Y tcp -T fields -e frame.number | wc -l)
	[ "$segments" -ge 7 ] # 3 handshake, data and its echo, at least 2 FINs
	run -0 --separate-stderr sockbox sniff --explain -r "$TMP/echo.pcap" --svg "$TMP/echo.svg" tcp
	assert_equal "$stderr" ""
	svg_ok "$TMP/echo.svg"
	run -0 python3 "$CHECK" arrows "$TMP/echo.svg"
	assert_equal "${#lines[@]}" "$segments"
	refute_output --partial "rexmit"
	refute_output --partial "rst"
	assert_line --index 0 --regexp '^seg \+0\.000 ms handshake 1/3: SYN seq=0 len=0 SYN_SENT$'
	assert_line --index 1 --regexp '^seg \+[0-9.]+ ms handshake 2/3: SYN,ACK seq=0 ack=1 len=0 '
	assert_line --index 2 --regexp '^seg \+[0-9.]+ ms handshake 3/3: ACK seq=1 ack=1 len=0 .*handshake [0-9.]+ ms \(~1 RTT\)$'
	assert_line --regexp '^seg \+[0-9.]+ ms PSH,ACK seq=1 ack=1 len=6 "hello\\n"$'
	assert_equal "$(steps "$TMP/echo.svg")" "handshake 1/3 handshake 2/3 handshake 3/3 teardown 1/4 teardown 2/4 teardown 3/4 teardown 4/4 "
	# the times in the margin never go back
	python3 "$CHECK" arrows "$TMP/echo.svg" | awk '{ t = $2 + 0; if ($3 == "s") t *= 1000; if (t < last) exit 1; last = t }'
	grep -q '>conn 1: TCP client 127\.0\.0\.1:[0-9]* &lt;-&gt; server 127\.0\.0\.1:'"$PORT"'<' "$TMP/echo.svg"
}

@test "sniff --explain --svg on a live capture writes the ladder when the capture ends (-c)" {
	require_root "a live capture on lo"
	serve sockbox tcp-echo -l -p 0
	bg sockbox sniff --explain -c 3 --timeout 20 --svg "$TMP/live.svg" tcp port "$PORT"
	wait_until 10 grep -q "listening on lo" "$BG_ERR" || fail "sniff did not start: $(cat "$BG_ERR")"
	run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"live"
	wait_exit "$BG_PID" 20 || fail "sniff did not end after 3 packets"
	stop_pid "$BG_PID"
	assert_equal "$STOP_STATUS" 0
	svg_ok "$TMP/live.svg"
	assert_equal "$(steps "$TMP/live.svg")" "handshake 1/3 handshake 2/3 handshake 3/3 "
}

@test "sniff --svg draws a retransmission dashed and a reset in its own style, with the states beside the lines" {
	python3 "$CRAFT" rexmit-rst "$TMP/rr.pcap"
	run -0 sockbox sniff --explain -r "$TMP/rr.pcap" --svg "$TMP/rr.svg"
	svg_ok "$TMP/rr.svg"
	run -0 python3 "$CHECK" arrows "$TMP/rr.svg"
	assert_output - <<'OUT'
seg +0.000 ms handshake 1/3: SYN seq=0 len=0 SYN_SENT
seg +0.100 ms handshake 2/3: SYN,ACK seq=0 ack=1 len=0 ESTABLISHED SYN_RECEIVED
seg +0.200 ms handshake 3/3: ACK seq=1 ack=1 len=0 ESTABLISHED handshake 0.200 ms (~1 RTT)
seg +0.300 ms PSH,ACK seq=1 ack=1 len=5 "hello"
rexmit +3.000 s retransmission: PSH,ACK seq=1 ack=1 len=5 "hello"
seg +3.001 s PSH,ACK seq=1 ack=6 len=5 "hello"
seg +3.001 s ACK seq=6 ack=6 len=0
rst +3.001 s reset: RST,ACK seq=6 ack=6 len=0 CLOSED CLOSED
OUT
	# the three-second wait is cut short and labelled, not drawn 3 s long
	grep -q '>(3000\.100 ms later)<' "$TMP/rr.svg"
	grep -q 'class="rexmit" marker-end="url(#arrow-orange)"' "$TMP/rr.svg"
	grep -q 'class="rst" marker-end="url(#arrow-red)"' "$TMP/rr.svg"
}

@test "sniff --svg escapes payload bytes and draws UDP, ARP and ping as plain arrows" {
	python3 "$CRAFT" hostile "$TMP/h.pcap"
	run -0 sockbox sniff --explain -r "$TMP/h.pcap" --svg "$TMP/h.svg"
	svg_ok "$TMP/h.svg"
	run -1 grep -c '<script\|<svg onload\|<b>' "$TMP/h.svg"
	assert_output 0
	grep -qF '>PSH,ACK seq=1 ack=1 len=39 &quot;\x00\x1b\xff&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;\xfe&lt;s&quot;...<' "$TMP/h.svg"
	run -0 python3 "$CHECK" arrows "$TMP/h.svg"
	assert_line --index 4 'plain +0.000 ms UDP len=22 "</text><svg onlo"...'
	assert_line --index 5 'plain +0.000 ms ARP who-has 192.0.2.2? tell 192.0.2.1'
	assert_line --index 6 'plain +0.100 ms ARP 192.0.2.2 is-at 02:00:00:00:00:02'
	assert_line --index 7 'plain +0.000 ms ping request id=4660 seq=1'
	assert_line --index 8 'plain +0.100 ms ping reply id=4660 seq=1'
	# --conn 1: that connection only
	run -0 sockbox sniff --explain -r "$TMP/h.pcap" --svg "$TMP/c.svg" --conn 1
	run -0 python3 "$CHECK" arrows "$TMP/c.svg"
	assert_equal "${#lines[@]}" 4
	refute_output --partial "plain"
}

@test "sniff --svg draws 100,000 segments of one connection in bounded time and size, saying how many were left out" {
	python3 "$CRAFT" long "$TMP/long.pcap"
	run -0 --separate-stderr timeout 60 "$SOCKBOX" sniff --explain -r "$TMP/long.pcap" --svg "$TMP/long.svg" -q -w /dev/null
	assert_equal "$stderr" "sockbox sniff: $TMP/long.svg: 2000 arrows drawn, 98000 packets left out (--max-arrows 2000)"
	svg_ok "$TMP/long.svg"
	[ "$(stat -c %s "$TMP/long.svg")" -lt 2000000 ]
	run -0 python3 "$CHECK" arrows "$TMP/long.svg"
	assert_equal "${#lines[@]}" 2000
	grep -q '>98000 more segments of this connection not drawn (--max-arrows 2000)<' "$TMP/long.svg"
	run -0 --separate-stderr timeout 60 "$SOCKBOX" sniff --explain -r "$TMP/long.pcap" --svg - --max-arrows 10
	assert_equal "$stderr" "sockbox sniff: -: 10 arrows drawn, 99990 packets left out (--max-arrows 10)"
	assert_line --index 0 '<?xml version="1.0" encoding="UTF-8"?>'
	assert_equal "$(printf '%s\n' "$output" | grep -c '<g class="arrow ')" 10
}

@test "sniff --svg, --conn and --max-arrows are refused without what they need" {
	run -2 --separate-stderr sockbox sniff -r x.pcap --svg x.svg
	assert_equal "$stderr" "sockbox sniff: --svg needs --explain (see 'sockbox sniff --help')"
	run -2 --separate-stderr sockbox sniff -r x.pcap --explain --conn 2
	assert_equal "$stderr" "sockbox sniff: --conn needs --svg (see 'sockbox sniff --help')"
	run -2 --separate-stderr sockbox sniff -r x.pcap --explain --svg x.svg --max-arrows 0
	assert_equal "$stderr" "sockbox sniff: invalid --max-arrows '0': expected a whole number from 1 to 1000000 (see 'sockbox sniff --help')"
	run -2 --separate-stderr sockbox sniff -r x.pcap --explain --svg - -w -
	assert_equal "$stderr" "sockbox sniff: --svg - and --write - both want stdout (see 'sockbox sniff --help')"
}

# ---- http-probe: the waterfall --------------------------------------------

@test "http-probe -n on a terminal under LC_ALL=C NO_COLOR=1 prints an ASCII waterfall bar per request, reuse without dns/connect" {
	serve sockbox epoll-server --handler http -p 0
	LC_ALL=C NO_COLOR=1 on_tty "$SOCKBOX" http-probe -n 3 --interval 0.01 "http://127.0.0.1:$PORT/"
	assert_success
	output=${output//$'\r'/}
	lines=()
	mapfile -t lines <<<"$output"
	assert_line --index 0 --regexp "^seq=1 HTTP/1\.1 200 OK from 127\.0\.0\.1:$PORT: .* ms, [0-9]+ bytes$"
	assert_line --index 1 --regexp '^waterfall: d dns, c connect, t tls, s server, x transfer; 40 cells = [0-9.]+ ms$'
	assert_line --index 2 --regexp '^\|d*c*s*x* *\| [0-9.]+ ms$'
	assert_line --index 3 --regexp '^seq=2 .*, reused$'
	assert_line --index 4 --regexp '^\|s*x*>? *\| [0-9.]+ ms$'
	assert_line --index 6 --regexp '^\|s*x*>? *\| [0-9.]+ ms$'
	# every bar is 40 cells between its bars, whatever its total
	first=${lines[2]%|*} second=${lines[4]%|*}
	assert_equal "${#first}" 41
	assert_equal "${#second}" 41
	run bash -c 'LC_ALL=C grep -c "[^ -~]" <<<"$1"' _ "$output"
	assert_output 0
}

@test "http-probe draws no waterfall when stdout is not a terminal, and colours it on one unless NO_COLOR" {
	serve sockbox epoll-server --handler http -p 0
	run -0 "$SOCKBOX" http-probe -n 2 --interval 0.01 "http://127.0.0.1:$PORT/"
	refute_output --partial "waterfall"
	refute_output --regexp '^\|'
	TERM=xterm on_tty "$SOCKBOX" http-probe "http://127.0.0.1:$PORT/"
	assert_success
	assert_output --partial $'\e[30;46mc'
}

@test "http-probe --svg FILE draws every request's phases as a well-formed waterfall" {
	serve sockbox epoll-server --handler http -p 0
	run -0 "$SOCKBOX" http-probe -n 3 --interval 0.01 --json --svg "$TMP/w.svg" "http://127.0.0.1:$PORT/"
	assert_equal "${#lines[@]}" 4 # three records and the statistics: nothing else on stdout
	svg_ok "$TMP/w.svg"
	run -0 grep -c '<g class="request">' "$TMP/w.svg"
	assert_output 3
	grep -q '>seq=1 200, new connection<' "$TMP/w.svg"
	grep -q '>seq=3 200, reused<' "$TMP/w.svg"
	grep -q '>http-probe http://127\.0\.0\.1:'"$PORT"'/<' "$TMP/w.svg"
	run -2 --separate-stderr "$SOCKBOX" http-probe --svg - "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" "sockbox http-probe: invalid --svg '-': expected a file (stdout carries the probe lines) (see 'sockbox http-probe --help')"
}

# ---- a real browser renders them ------------------------------------------

# shoot SVG NAME: headless Chromium screenshots SVG at the SVG's own size
# into build/artifacts/pictures/NAME.png, and checks the picture: that size,
# not blank, nothing overflowing.
shoot() {
	local svg=$1 png=$ROOT/build/artifacts/pictures/$2.png size
	size=$(python3 "$CHECK" svg "$svg") || fail "$svg is not a self-contained SVG"
	rm -f "$png"
	timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars=false \
		--user-data-dir="$TMP/chromium" --screenshot="$png" --window-size="${size/ /,}" \
		"file://$svg" >"$TMP/chromium.out" 2>&1 || fail "chromium failed on $svg: $(tail -n 3 "$TMP/chromium.out")"
	python3 "$CHECK" png "$png" $size >/dev/null
}

@test "headless Chromium renders the histogram, the ladder and the waterfall at their own size, not blank" {
	command -v chromium >/dev/null || skip "chromium is not installed"
	mkdir -p "$ROOT/build/artifacts/pictures"
	serve sockbox tcp-echo -l -p 0
	run -0 timeout 60 "$SOCKBOX" tcp-echo --bench --count 2000 --svg "$TMP/histogram.svg" "$PORT"
	python3 "$CRAFT" rexmit-rst "$TMP/rr.pcap"
	run -0 sockbox sniff --explain -r "$TMP/rr.pcap" --svg "$TMP/ladder.svg"
	serve sockbox epoll-server --handler http -p 0
	run -0 "$SOCKBOX" http-probe -n 3 --interval 0.01 --svg "$TMP/waterfall.svg" "http://127.0.0.1:$PORT/"
	for name in histogram ladder waterfall; do
		svg_ok "$TMP/$name.svg"
		shoot "$TMP/$name.svg" "$name"
		cp "$TMP/$name.svg" "$ROOT/build/artifacts/pictures/$name.svg"
	done
}
