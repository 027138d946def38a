# tests/mux_servers.bash - the checks select-server, poll-server and
# epoll-server share: one behaviour, three system calls.
#
#   TOOL=poll-server CALL=poll     (set by the suite, before loading)
#   load helper
#   load mux_servers
#   @test "poll-server ..." { check_something; }
#
# Each check_* function is one test's body, written once for the three
# servers; MUX_ARGS adds options to every server a check starts (the epoll
# suite runs some checks again with --edge).  Clients are real peers
# (socat, curl) or tests/mux-client.py for what they cannot do: thousands
# of connections, a client that never reads, a slowloris, a reset.

MUX_CLIENT=$BATS_TEST_DIRNAME/mux-client.py
MUX_ARGS=${MUX_ARGS:-}
SUMMARY_RE='accepted [0-9]+, active [0-9]+, peak [0-9]+, refused [0-9]+, bytes in [0-9]+, bytes out [0-9]+, loop iterations [0-9]+'

# start ARGS...: the server under test on port 0 (sets SERVER_PID, PORT, SERVER_ERR).
# The binary itself, not the `sockbox` shell function: a function runs in a
# background subshell, and SERVER_PID would be that shell, not the server
# the signals are meant for.
start() {
	# shellcheck disable=SC2086
	serve "$SOCKBOX" "$TOOL" -p 0 $MUX_ARGS "$@"
}

# counters: asks the server for its counters line (SIGUSR1), prints it.
counters() {
	local before
	before=$(grep -cE "$SUMMARY_RE" "$SERVER_ERR")
	kill -USR1 "$SERVER_PID"
	wait_until 10 eval "[ \$(grep -cE '$SUMMARY_RE' '$SERVER_ERR') -gt $before ]" ||
		fail "no counters line after SIGUSR1"
	grep -E "$SUMMARY_RE" "$SERVER_ERR" | tail -n 1
}

# counter NAME: one number from a fresh counters line ("active", "peak", "refused").
counter() {
	counters | sed -E "s/.*[ ]$1 ([0-9]+).*/\1/"
}

# active_is N: true when the server reports exactly N open connections.
active_is() { [ "$(counter active)" -eq "$1" ]; }

# wait_active N [SECS]: waits until the server holds exactly N connections.
wait_active() {
	wait_until "${2:-20}" active_is "$1" || fail "the server never held $1 connections: $(counters)"
}

# rss_kib PID: resident memory of PID in KiB.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# http_status_of FILE: sends FILE as a raw request, prints the status line.
http_status_of() {
	timeout 10 socat -t3 - "TCP:127.0.0.1:$PORT" <"$1" | head -n 1 | tr -d '\r'
}

# make_root: a document root in $TMP/www with a small file, a large one,
# a directory with an index, a symlink inside and one pointing out.
make_root() {
	WWW=$TMP/www
	mkdir -p "$WWW/sub" "$TMP/outside"
	printf 'hello from the root\n' >"$WWW/hello.txt"
	printf '<p>index</p>\n' >"$WWW/index.html"
	printf '<p>sub</p>\n' >"$WWW/sub/index.html"
	printf 'body {}\n' >"$WWW/style.css"
	head -c 300000 /dev/urandom >"$WWW/big.bin"
	printf 'secret\n' >"$TMP/outside/secret.txt"
	ln -s "$TMP/outside/secret.txt" "$WWW/escape.txt"
	ln -s ../outside "$WWW/escape-dir"
	ln -s hello.txt "$WWW/link.txt"
}

# ---- usage and setup ----

check_usage_errors() {
	run -2 --separate-stderr sockbox "$TOOL" --handler nope
	assert_equal "$stderr" "sockbox $TOOL: invalid --handler 'nope': expected echo, upper, discard, reply or http (see 'sockbox $TOOL --help')"
	run -2 --separate-stderr sockbox "$TOOL" --handler echo --root /tmp
	assert_equal "$stderr" "sockbox $TOOL: --root goes with --handler http (see 'sockbox $TOOL --help')"
	run -2 --separate-stderr sockbox "$TOOL" --handler http --reply hi
	assert_equal "$stderr" "sockbox $TOOL: --reply goes with --handler reply (see 'sockbox $TOOL --help')"
	run -2 --separate-stderr sockbox "$TOOL" --idle-timeout soon
	assert_equal "$stderr" "sockbox $TOOL: invalid --idle-timeout 'soon': expected seconds, such as 30 or 0.5 (see 'sockbox $TOOL --help')"
	run -2 --separate-stderr sockbox "$TOOL" --max-clients 0
	assert_equal "$stderr" "sockbox $TOOL: invalid --max-clients '0': expected a whole number from 1 (see 'sockbox $TOOL --help')"
	run -2 --separate-stderr sockbox "$TOOL" -p 99999
	assert_equal "$stderr" "sockbox $TOOL: invalid --port '99999': expected 0-65535 (see 'sockbox $TOOL --help')"
	run -2 --separate-stderr sockbox "$TOOL" extra
	assert_equal "$stderr" "sockbox $TOOL: unexpected argument 'extra' (see 'sockbox $TOOL --help')"
}

check_missing_root() {
	run -1 --separate-stderr sockbox "$TOOL" --handler http --root "$TMP/none" -p 0
	assert_equal "$stderr" "sockbox $TOOL: open --root $TMP/none: No such file or directory"
	assert_equal "$output" ""
}

check_port_in_use() {
	start
	run -1 --separate-stderr sockbox "$TOOL" -p "$PORT"
	assert_equal "$stderr" "sockbox $TOOL: listen 127.0.0.1:$PORT: Address already in use"
}

check_stop_summary() {
	start
	printf 'one\n' | socat -t5 - "TCP:127.0.0.1:$PORT" >/dev/null
	run -0 counters
	assert_output --regexp "^sockbox $TOOL: $SUMMARY_RE\$"
	assert_output --partial "accepted 1, active 0, peak 1, refused 0, bytes in 4, bytes out 4,"
	stop_pid "$SERVER_PID" TERM
	assert_equal "$STOP_STATUS" 0
	run tail -n 1 "$SERVER_ERR"
	assert_output --regexp "^sockbox $TOOL: accepted 1, active 0, peak 1, refused 0, bytes in 4, bytes out 4, loop iterations [0-9]+\$"
}

check_sigint_closes_clients() {
	start
	bg python3 "$MUX_CLIENT" hold "$PORT" 3 --hold-file "$TMP/held" --release-file "$TMP/release"
	wait_for_file "$TMP/held"
	wait_active 3
	stop_pid "$SERVER_PID" INT
	assert_equal "$STOP_STATUS" 0
	run tail -n 1 "$SERVER_ERR"
	assert_output --regexp "^sockbox $TOOL: accepted 3, active 3, peak 3, refused 0, "
	touch "$TMP/release"
}

check_max_conns() {
	start --max-conns 2
	printf 'a\n' | socat -t5 - "TCP:127.0.0.1:$PORT"
	printf 'b\n' | socat -t5 - "TCP:127.0.0.1:$PORT"
	wait_exit "$SERVER_PID" 10 || fail "the server did not end after --max-conns 2"
	wait "$SERVER_PID" || fail "exit status $?"
	run tail -n 1 "$SERVER_ERR"
	assert_output --regexp "^sockbox $TOOL: accepted 2, active 0, peak 1, refused 0, bytes in 4, bytes out 4, "
}

check_duration() {
	run -0 --separate-stderr sockbox "$TOOL" -p 0 --duration 0.3
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 2
	[[ "${stderr_lines[0]}" =~ ^sockbox\ $TOOL:\ listening\ on\ 127\.0\.0\.1:[0-9]+$ ]] ||
		fail "bad first line: ${stderr_lines[0]}"
	[[ "${stderr_lines[1]}" =~ ^sockbox\ $TOOL:\ accepted\ 0,\ active\ 0,\ peak\ 0,\ refused\ 0,\ bytes\ in\ 0,\ bytes\ out\ 0,\ loop\ iterations\ [0-9]+$ ]] ||
		fail "bad summary: ${stderr_lines[1]}"
}

check_verbose_narration() {
	start -v
	printf 'hello\n' | socat -t5 - "TCP:127.0.0.1:$PORT"
	wait_until 5 grep -q "closed 1" "$SERVER_ERR" || fail "no close narrated"
	run cat "$SERVER_ERR"
	assert_line "sockbox $TOOL: $CALL: 1 watched, 1 ready: accepted 1"
	assert_line --regexp "^sockbox $TOOL: $CALL: 2 watched, 1 ready: read 1 \(6 bytes\), sent 1 \(6 bytes\)\$"
	assert_line "sockbox $TOOL: handler echo; output bound 256.0 KiB per client; idle timeout none"
}

check_very_verbose_events() {
	start -vv
	printf 'hello\n' | socat -t5 - "TCP:127.0.0.1:$PORT"
	wait_until 5 grep -q "closed (peer closed)" "$SERVER_ERR" || fail "no close narrated"
	run cat "$SERVER_ERR"
	assert_line --regexp "^sockbox $TOOL: fd [0-9]+ 127\.0\.0\.1:[0-9]+: accepted \(1 client\)\$"
	assert_line --regexp "^sockbox $TOOL: fd [0-9]+ 127\.0\.0\.1:[0-9]+: readable: [0-9]+ reads?, 6 bytes\$"
	assert_line --regexp "^sockbox $TOOL: fd [0-9]+ 127\.0\.0\.1:[0-9]+: closed \(peer closed\), 6 bytes in, 6 bytes out\$"
}

# ---- stream handlers ----

# concurrent_clients N HANDLER_ARGS...: N socat clients connected at once,
# each sending a line, waiting until all N are connected, then another.
concurrent_clients() {
	local n=$1 i pids=()
	shift
	start --backlog 1024 "$@"
	# Each client blocks reading one line from a FIFO (opened read-write, so
	# no open ever blocks), rather than polling with a sleep process: 200
	# clients polling forked 2,000 processes a second on a loaded machine.
	mkfifo "$TMP/go"
	exec 6<>"$TMP/go"
	for ((i = 1; i <= n; i++)); do
		(
			printf 'client %d says hello\n' "$i"
			read -r -u 6
			printf 'and goodbye %d\n' "$i"
		) | timeout 120 socat -t10 - "TCP:127.0.0.1:$PORT" >"$TMP/out.$i" 2>"$TMP/err.$i" &
		pids+=($!)
	done
	wait_active "$n" 30
	for ((i = 1; i <= n; i++)); do echo go; done >&6
	for ((i = 0; i < n; i++)); do
		wait "${pids[$i]}" || fail "client $((i + 1)) failed with status $?: $(cat "$TMP/err.$((i + 1))")"
	done
	exec 6>&-
	wait_active 0
}

check_echo_concurrent() {
	concurrent_clients 200 --handler echo
	for ((i = 1; i <= 200; i++)); do
		assert_equal "$(cat "$TMP/out.$i")" "$(printf 'client %d says hello\nand goodbye %d' "$i" "$i")"
	done
	run -0 counters
	assert_output --partial "accepted 200, active 0, peak 200, refused 0,"
}

check_upper_concurrent() {
	concurrent_clients 200 --handler upper
	for ((i = 1; i <= 200; i++)); do
		assert_equal "$(cat "$TMP/out.$i")" "$(printf 'CLIENT %d SAYS HELLO\nAND GOODBYE %d' "$i" "$i")"
	done
}

check_discard_concurrent() {
	concurrent_clients 200 --handler discard
	for ((i = 1; i <= 200; i++)); do
		[ ! -s "$TMP/out.$i" ] || fail "client $i got bytes back: $(cat "$TMP/out.$i")"
	done
	run -0 counters
	assert_output --regexp "peak 200, refused 0, bytes in [0-9]+, bytes out 0,"
}

check_reply_concurrent() {
	concurrent_clients 200 --handler reply --reply pong
	for ((i = 1; i <= 200; i++)); do
		assert_equal "$(cat "$TMP/out.$i")" "$(printf 'pong\npong')"
	done
}

check_reply_last_line() {
	start --reply 'seen it'
	run -0 sh -c "printf 'one\ntwo\nno newline' | socat -t5 - TCP:127.0.0.1:$PORT"
	assert_output "$(printf 'seen it\nseen it\nseen it')"
}

check_half_close_1mib() {
	head -c 1048576 /dev/urandom >"$TMP/in"
	start
	timeout 30 socat -t10 - "TCP:127.0.0.1:$PORT" <"$TMP/in" >"$TMP/out"
	cmp "$TMP/in" "$TMP/out"
}

check_echo_8mib_one_connection() {
	head -c 8388608 /dev/urandom >"$TMP/in"
	start
	timeout 60 socat -b 32768 -t10 - "TCP:127.0.0.1:$PORT" <"$TMP/in" >"$TMP/out"
	cmp "$TMP/in" "$TMP/out"
}

check_resets() {
	start
	for i in $(seq 20); do
		python3 "$MUX_CLIENT" reset "$PORT"
	done
	wait_active 0
	run -0 sh -c "printf 'still here\n' | socat -t5 - TCP:127.0.0.1:$PORT"
	assert_output "still here"
	kill -0 "$SERVER_PID"
}

check_never_reader() {
	start
	local base peak=0 rss
	base=$(rss_kib "$SERVER_PID")
	bg python3 "$MUX_CLIENT" flood "$PORT" 3
	local flood=$BG_PID
	wait_active 1
	# while the flood sits blocked, another client is answered at once
	run -0 timeout 5 sh -c "printf 'not held up\n' | socat -t5 - TCP:127.0.0.1:$PORT"
	assert_output "not held up"
	while kill -0 "$flood" 2>/dev/null; do
		rss=$(rss_kib "$SERVER_PID")
		((rss > peak)) && peak=$rss
		sleep 0.1
	done
	wait "$flood"
	[ "$(cat "$BG_OUT")" -gt 1048576 ] || fail "the flood sent only $(cat "$BG_OUT") bytes"
	# the output bound is 256 KiB: everything past it stays in socket
	# buffers.  Under ASan (make check-asan) freed blocks stay resident in
	# its quarantine (256 MiB by default), so the bound doubles there.
	local bound=16384
	[ -z "${ASAN_OPTIONS:-}" ] || bound=32768
	((peak - base < bound)) || fail "server memory grew from $base KiB to $peak KiB"
}

check_idle_timeout_silent() {
	start -v --idle-timeout 0.5
	local t0=$SECONDS
	# socat ends 0.5 s after the server hangs up (-t)
	run -0 timeout 10 socat -t0.5 - "TCP:127.0.0.1:$PORT" < <(sleep 8)
	((SECONDS - t0 < 5)) || fail "the silent client was not closed by the idle timeout"
	wait_until 5 grep -q "idle for 0.5s, closing" "$SERVER_ERR"
	run grep -E "fd [0-9]+ 127\.0\.0\.1:[0-9]+: idle for 0\.5s, closing" "$SERVER_ERR"
	assert_success
}

check_max_clients_refusal() {
	start -v --max-clients 2
	bg python3 "$MUX_CLIENT" hold "$PORT" 2 --hold-file "$TMP/held" --release-file "$TMP/release"
	wait_for_file "$TMP/held"
	wait_active 2
	run -0 timeout 10 socat -t5 - "TCP:127.0.0.1:$PORT" </dev/null
	assert_output "too many clients"
	run grep -E "^sockbox $TOOL: refused 127\.0\.0\.1:[0-9]+: --max-clients 2 reached\$" "$SERVER_ERR"
	assert_success
	touch "$TMP/release"
	wait_active 0
	run -0 counters
	assert_output --partial "accepted 2, active 0, peak 2, refused 1,"
}

check_no_leak_after_churn() {
	start --backlog 4096
	local before
	before=$(fd_count "$SERVER_PID")
	run -0 timeout 300 python3 "$MUX_CLIENT" churn "$PORT" 10000 500
	assert_output "ok 10000"
	wait_active 0
	assert_equal "$(fd_count "$SERVER_PID")" "$before"
	run -0 counters
	assert_output --partial "accepted 10000, active 0,"
}

check_hold_10k() {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge 10100 ] || skip "needs a descriptor hard limit of 10100 (ulimit -Hn is $hard)"
	ulimit -n "$hard"
	start --backlog 4096 -v
	bg python3 "$MUX_CLIENT" hold "$PORT" 10000 --echo --hold-file "$TMP/held" --release-file "$TMP/release"
	wait_for_file "$TMP/held" 120 || fail "the client never held its connections: $(cat "$BG_ERR")"
	assert_equal "$(cat "$TMP/held")" "held 10000 refused 0"
	run -0 counters
	assert_output --partial "accepted 10000, active 10000, peak 10000, refused 0,"
	touch "$TMP/release"
	wait "$BG_PID"
	wait_active 0 60
	kill -0 "$SERVER_PID"
}

# ---- http ----

check_http_files() {
	make_root
	start --handler http --root "$WWW"
	local url=http://127.0.0.1:$PORT
	run -0 curl -sS -D "$TMP/h" -o "$TMP/body" "$url/hello.txt"
	cmp "$TMP/body" "$WWW/hello.txt"
	run tr -d '\r' <"$TMP/h"
	assert_line --index 0 "HTTP/1.1 200 OK"
	assert_line "Server: sockbox"
	assert_line "Content-Type: text/plain; charset=utf-8"
	assert_line "Content-Length: 20"
	assert_line "Last-Modified: $(LC_ALL=C date -u -r "$WWW/hello.txt" '+%a, %d %b %Y %H:%M:%S GMT')"
	assert_line --regexp '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
	# a large file goes out with sendfile, byte for byte
	run -0 curl -sS -D "$TMP/h" -o "$TMP/body" "$url/big.bin"
	cmp "$TMP/body" "$WWW/big.bin"
	run tr -d '\r' <"$TMP/h"
	assert_line "Content-Type: application/octet-stream"
	assert_line "Content-Length: 300000"
	run -0 curl -sS -w '%{content_type}' -o /dev/null "$url/style.css"
	assert_output "text/css; charset=utf-8"
	run -0 curl -sS "$url/"
	assert_output "<p>index</p>"
	run -0 curl -sS "$url/sub/"
	assert_output "<p>sub</p>"
	run -0 curl -sS "$url/link.txt"
	assert_output "hello from the root"
}

check_http_statuses() {
	make_root
	start --handler http --root "$WWW"
	local url=http://127.0.0.1:$PORT
	run -0 curl -sS -o /dev/null -w '%{http_code}' "$url/nope.txt"
	assert_output 404
	run -0 curl -sS -D - -o /dev/null "$url/sub"
	assert_line --index 0 $'HTTP/1.1 301 Moved Permanently\r'
	assert_line $'Location: /sub/\r'
	run -0 curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$url/hello.txt"
	assert_output 405
	run -0 curl -sS -D - -o /dev/null -X POST --data x "$url/hello.txt"
	assert_line $'Allow: GET, HEAD\r'
	run -0 curl -sS -o /dev/null -w '%{http_code}' "$url/escape.txt"
	assert_output 403
	run -0 curl -sS -o /dev/null -w '%{http_code}' "$url/escape-dir/secret.txt"
	assert_output 403
	run -0 curl -sS --path-as-is -o /dev/null -w '%{http_code}' "$url/../outside/secret.txt"
	assert_output 400
	run -0 curl -sS --path-as-is -o /dev/null -w '%{http_code}' "$url/%2e%2e/outside/secret.txt"
	assert_output 400
	run -0 curl -sS --path-as-is -o /dev/null -w '%{http_code}' "$url/sub/%2E%2E/%2e%2e/outside/secret.txt"
	assert_output 400
	run -0 curl -sS --path-as-is "$url/sub/../hello.txt"
	assert_output "hello from the root"
	# a redirect's Location comes from the normalised path: never another host
	mkdir "$WWW/evil.example" "$WWW/with space"
	run -0 curl -sS --path-as-is -D - -o /dev/null "$url//evil.example"
	assert_line $'Location: /evil.example/\r'
	run -0 curl -sS -D - -o /dev/null "$url/with%20space?q=1"
	assert_line $'Location: /with%20space/?q=1\r'
}

check_http_head() {
	make_root
	start --handler http --root "$WWW"
	printf 'HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$TMP/req"
	run -0 sh -c "timeout 10 socat -t5 - TCP:127.0.0.1:$PORT <'$TMP/req' | tr -d '\r'"
	assert_line --index 0 "HTTP/1.1 200 OK"
	assert_line "Content-Length: 20"
	assert_line "Connection: close"
	refute_line "hello from the root"
	[ "${output: -1}" != "t" ]
}

check_http_builtin_page() {
	start --handler http
	run -0 curl -sS -D "$TMP/h" "http://127.0.0.1:$PORT/"
	assert_output --partial "<h1>sockbox</h1>"
	run tr -d '\r' <"$TMP/h"
	assert_line "Content-Type: text/html; charset=utf-8"
	run -0 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/other"
	assert_output 404
}

check_http_pipelined() {
	make_root
	printf 'second file\n' >"$WWW/two.txt"
	start --handler http --root "$WWW"
	run -0 sh -c "printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /two.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		timeout 10 socat -t5 - TCP:127.0.0.1:$PORT | tr -d '\r'"
	assert_equal "$(grep -c '^HTTP/1.1 200 OK$' <<<"$output")" 2
	assert_equal "$(grep -E '^(hello from the root|second file)$' <<<"$output")" "$(printf 'hello from the root\nsecond file')"
	run -0 counters
	assert_output --partial "accepted 1, active 0,"
}

check_http_pipelined_after_sendfile() {
	make_root
	start --handler http --root "$WWW"
	printf 'GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$TMP/req"
	timeout 20 socat -t5 - "TCP:127.0.0.1:$PORT" <"$TMP/req" >"$TMP/resp"
	# the first body is the file, byte for byte, and the second response follows it
	python3 - "$TMP/resp" "$WWW/big.bin" <<'PY'
import sys
resp, big = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
head, _, rest = resp.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.1 200 OK"), head[:40]
assert b"Content-Length: 300000" in head, head
assert rest[:300000] == big, "the large body differs"
second = rest[300000:]
assert second.startswith(b"HTTP/1.1 200 OK"), second[:40]
assert second.endswith(b"\r\n\r\nhello from the root\n"), second[-40:]
PY
}

check_http_narration() {
	make_root
	start -vv --handler http --root "$WWW"
	run -0 curl -sS -o /dev/null "http://127.0.0.1:$PORT/hello.txt" "http://127.0.0.1:$PORT/nope"
	wait_until 5 grep -q "GET /nope HTTP/1.1 -> 404 Not Found" "$SERVER_ERR" || fail "no request narrated"
	run grep -E "^sockbox $TOOL: fd [0-9]+: GET /hello\.txt HTTP/1\.1 -> 200 OK\$" "$SERVER_ERR"
	assert_success
}

check_http_keepalive() {
	make_root
	printf 'second file\n' >"$WWW/two.txt"
	start --handler http --root "$WWW"
	run -0 --separate-stderr curl -sSv "http://127.0.0.1:$PORT/hello.txt" "http://127.0.0.1:$PORT/two.txt"
	assert_output "$(printf 'hello from the root\nsecond file')"
	[[ "$stderr" == *"Re-using existing connection"* ]] || fail "curl opened a second connection: $stderr"
	wait_active 0
	run -0 counters
	assert_output --partial "accepted 1, active 0,"
}

check_http_max_clients_503() {
	start --handler http --max-clients 1
	bg python3 "$MUX_CLIENT" hold "$PORT" 1 --hold-file "$TMP/held" --release-file "$TMP/release"
	wait_for_file "$TMP/held"
	wait_active 1
	run -0 sh -c "timeout 10 socat -t5 - TCP:127.0.0.1:$PORT </dev/null | tr -d '\r'"
	assert_line --index 0 "HTTP/1.1 503 Service Unavailable"
	assert_line "Connection: close"
	assert_line "too many clients"
	touch "$TMP/release"
}

check_http_slowloris() {
	start --handler http --idle-timeout 1
	run -0 timeout 20 python3 "$MUX_CLIENT" slowloris "$PORT" 0.2 10
	[[ "$output" =~ ^closed\ after\ ([0-9.]+)$ ]] || fail "$output"
	[ "${BASH_REMATCH[1]%.*}" -lt 4 ] || fail "closed only after ${BASH_REMATCH[1]} s"
}

# http_case STATUS_LINE: the request in $TMP/req answers with that status line.
http_case() {
	run http_status_of "$TMP/req"
	[ "$output" = "$1" ] || fail "request $(head -c 80 "$TMP/req" | od -c | head -n 2) answered '$output', expected '$1'"
}

check_http_hostile() {
	make_root
	start --handler http --root "$WWW"
	local long
	printf 'GARBAGE\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET / HTTP/1.1\r\n\r\n' >"$TMP/req" # no Host
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET / HTTP/2.0\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 505 HTTP Version Not Supported"
	printf 'GET / HTTX/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET  / HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'PUT /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' >"$TMP/req"
	http_case "HTTP/1.1 405 Method Not Allowed"
	printf 'get / HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 405 Method Not Allowed"
	long=$(head -c 5000 /dev/zero | tr '\0' a)
	printf 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$long" >"$TMP/req"
	http_case "HTTP/1.1 414 URI Too Long"
	head -c 10000 /dev/zero | tr '\0' '\377' >"$TMP/req"
	http_case "HTTP/1.1 414 URI Too Long"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\nX-Big2: %s\r\n\r\n' "$long" "$long" >"$TMP/req"
	http_case "HTTP/1.1 431 Request Header Fields Too Large"
	{ printf 'GET / HTTP/1.1\r\nHost: x\r\n'; for i in $(seq 101); do printf 'X-%d: y\r\n' "$i"; done; printf '\r\n'; } >"$TMP/req"
	http_case "HTTP/1.1 431 Request Header Fields Too Large"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 413 Content Too Large"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 501 Not Implemented"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET / HTTP/1.1\r\nHost : x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET / HTTP/1.1\r\nHost: a\001b\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET /%%zz HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET /hello.txt%%00.html HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET /%%2e%%2e/%%2e%%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET /hello.txt#frag HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 400 Bad Request"
	printf 'GET /escape.txt HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 403 Forbidden"
	# the forms that are fine: absolute-form, HTTP/1.0 without Host, leading empty lines, a query
	printf 'GET http://example.test/hello.txt HTTP/1.1\r\nHost: example.test\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 200 OK"
	printf 'GET /hello.txt HTTP/1.0\r\n\r\n' >"$TMP/req"
	http_case "HTTP/1.1 200 OK"
	printf '\r\n\r\nGET /hello.txt?x=1 HTTP/1.1\nHost: x\n\n' >"$TMP/req"
	http_case "HTTP/1.1 200 OK"
	# and after all that the server is still serving
	run -0 curl -sS "http://127.0.0.1:$PORT/hello.txt"
	assert_output "hello from the root"
}

# Every server a check started is stopped first; then its stderr must hold
# no sanitizer report (under `make check-asan` a leak or an overflow shows
# up there, at exit, after the check's own assertions passed).
teardown() {
	common_teardown
	local f
	for f in "$TMP"/server.*.err; do
		[ -e "$f" ] || continue
		if grep -qE "Sanitizer|runtime error:" "$f"; then
			cat "$f" >&2
			fail "sanitizer report from the server in $f"
		fi
	done
}

# ---- issue 11: Host syntax, and Connection: close on every closing answer ----

# RFC 9112 3.2: a Host that is not uri-host [ ":" port ] (RFC 3986) is a 400;
# a name, an IPv4 address, a bracketed IPv6 one, with or without a port, is
# served.  The good requests ask to close, so the peer need not time out.
check_http_invalid_host() {
	make_root
	start --handler http --root "$WWW"
	local host
	for host in 'a b' 'x/y@z' 'x:port' '[::1' '[::1]x' 'a%zz' 'user@x'; do
		printf 'GET /hello.txt HTTP/1.1\r\nHost: %s\r\n\r\n' "$host" >"$TMP/req"
		http_case "HTTP/1.1 400 Bad Request"
	done
	for host in 'example.test' 'example.test:8080' '127.0.0.1' '127.0.0.1:80' '[::1]' '[::1]:8080' 'a%41b' ''; do
		printf 'GET /hello.txt HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >"$TMP/req"
		http_case "HTTP/1.1 200 OK"
	done
}

# http_closing_case STATUS_LINE: the request in $TMP/req, with a second one
# pipelined behind it, gets exactly one response, with that status line and
# Connection: close (RFC 9112 9.6), and then the connection ends.
http_closing_case() {
	printf 'GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n' >>"$TMP/req"
	run sh -c "timeout 10 socat -t3 - 'TCP:127.0.0.1:$PORT' <'$TMP/req' | tr -d '\r'"
	[ "${lines[0]}" = "$1" ] || fail "request $(head -c 80 "$TMP/req" | od -c | head -n 2) answered '${lines[0]}', expected '$1'"
	printf '%s\n' "$output" | grep -qx 'Connection: close' || fail "the $1 says nothing of the close: $output"
	[ "$(printf '%s\n' "$output" | grep -c '^HTTP/1\.1 ')" -eq 1 ] || fail "the pipelined request was answered after the $1: $output"
}

check_http_closing_says_close() {
	make_root
	start --handler http --root "$WWW"
	local long name
	long=$(head -c 5000 /dev/zero | tr '\0' a)
	name=$(head -c 300 /dev/zero | tr '\0' a)
	printf 'GARBAGE\r\n\r\n' >"$TMP/req"
	http_closing_case "HTTP/1.1 400 Bad Request"
	printf 'GET /hello.txt HTTP/1.1\r\nHost: a b\r\n\r\n' >"$TMP/req"
	http_closing_case "HTTP/1.1 400 Bad Request"
	printf 'GET /%%zz HTTP/1.1\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_closing_case "HTTP/1.1 400 Bad Request"
	printf 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$long" >"$TMP/req"
	http_closing_case "HTTP/1.1 414 URI Too Long"
	# a name longer than the file system takes (ENAMETOOLONG) is a 414 too
	printf 'GET /%s HTTP/1.1\r\nHost: x\r\n\r\n' "$name" >"$TMP/req"
	http_closing_case "HTTP/1.1 414 URI Too Long"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\nX-Big2: %s\r\n\r\n' "$long" "$long" >"$TMP/req"
	http_closing_case "HTTP/1.1 431 Request Header Fields Too Large"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n' >"$TMP/req"
	http_closing_case "HTTP/1.1 413 Content Too Large"
	printf 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >"$TMP/req"
	http_closing_case "HTTP/1.1 501 Not Implemented"
	printf 'GET / HTTP/2.0\r\nHost: x\r\n\r\n' >"$TMP/req"
	http_closing_case "HTTP/1.1 505 HTTP Version Not Supported"
}

# ---- issue 11: directory listings (--index) ----

# make_listing_root: a root with no index.html anywhere, a hostile name and
# a symlink pointing out (listed by name, never followed).
make_listing_root() {
	WWW=$TMP/list
	mkdir -p "$WWW/sub dir" "$WWW/empty" "$TMP/outside"
	printf 'hello\n' >"$WWW/hello.txt"
	printf 'x\n' >"$WWW/sub dir/a <b> & \"c\" d é.txt"
	printf 'secret\n' >"$TMP/outside/secret.txt"
	ln -s ../outside "$WWW/escape-dir"
}

# html_links URL_PATH: the links of the page curl fetches, as python3's own
# parser reads them: "title<TAB>TITLE", then "HREF<TAB>TEXT" per <a>.
html_links() {
	curl -sS "http://127.0.0.1:$PORT$1" >"$TMP/page" || return 1
	python3 -c '
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.href = None; self.text = ""; self.where = None
    def handle_starttag(self, tag, attrs):
        if tag == "a": self.href = dict(attrs)["href"]; self.text = ""
        if tag == "title": self.where = "title"; self.text = ""
    def handle_data(self, data): self.text += data
    def handle_endtag(self, tag):
        if tag == "a": print(self.href + "\t" + self.text); self.href = None
        if tag == "title": print("title\t" + self.text); self.where = None
p = P(); p.feed(sys.stdin.read()); p.close()' <"$TMP/page"
}

check_http_listing_html() {
	make_listing_root
	start --handler http --root "$WWW" --index
	run -0 html_links /
	assert_output "$(printf 'title\tDirectory listing for /\nempty/\tempty/\nescape-dir\tescape-dir@\nhello.txt\thello.txt\nsub%%20dir/\tsub dir/')"
	# the hostile name: escaped in the text, percent-encoded in the link
	run -0 html_links /sub%20dir/
	assert_output "$(printf 'title\tDirectory listing for /sub dir/\na%%20%%3Cb%%3E%%20%%26%%20%%22c%%22%%20d%%20%%C3%%A9.txt\ta <b> & "c" d é.txt')"
	run -0 curl -sS 'http://127.0.0.1:'"$PORT"'/sub%20dir/'
	assert_output --partial '>a &lt;b&gt; &amp; &quot;c&quot; d é.txt</a>'
	# and the link it gives leads to the file
	run -0 curl -sS "http://127.0.0.1:$PORT/sub%20dir/a%20%3Cb%3E%20%26%20%22c%22%20d%20%C3%A9.txt"
	assert_output "x"
	run -0 curl -sS -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$PORT/empty/"
	assert_output "200 text/html; charset=utf-8"
	# still nothing out of the root: the symlinked directory is refused
	run -0 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/escape-dir/"
	assert_output "403"
	run -0 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/none/"
	assert_output "404"
}

check_http_listing_json() {
	make_listing_root
	start --handler http --root "$WWW" --index
	run -0 sh -c "curl -sS -H 'Accept: text/html;q=0.5, application/json' 'http://127.0.0.1:$PORT/' | jq -c ."
	assert_output '{"path":"/","entries":[{"name":"empty","type":"directory"},{"name":"escape-dir","type":"symlink"},{"name":"hello.txt","type":"file","size":6},{"name":"sub dir","type":"directory"}]}'
	run -0 sh -c "curl -sS -H 'Accept: application/json' 'http://127.0.0.1:$PORT/sub%20dir/' | jq -r '.entries[0].name'"
	assert_output 'a <b> & "c" d é.txt'
}

# Off by default: a directory without index.html is a 404 as before, and
# --index asks for a --root to list.
check_http_listing_off() {
	make_listing_root
	run -2 --separate-stderr sockbox "$TOOL" --handler http --index
	assert_equal "$stderr" "sockbox $TOOL: --index goes with --root DIR (see 'sockbox $TOOL --help')"
	start --handler http --root "$WWW"
	run -0 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/"
	assert_output "404"
	run -0 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/sub%20dir/"
	assert_output "404"
}
