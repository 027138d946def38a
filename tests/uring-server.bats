#!/usr/bin/env bats
# uring-server: the multiplexing server on io_uring completions.  The checks
# are shared with the three readiness servers (tests/mux_servers.bash): one
# behaviour, four loops.  Narration is in completion terms, so its two
# checks are this suite's own; so are the unavailability (a seccomp filter)
# and the cancellation checks (run under ASan by `make check-asan`).

TOOL=uring-server
CALL=io_uring_enter
load helper
load mux_servers

# The helper that makes io_uring_setup fail with EPERM, built once per run.
seccomp_helper() {
	SECCOMP=$BATS_RUN_TMPDIR/uring-seccomp
	[ -x "$SECCOMP" ] || cc -O2 -o "$SECCOMP" "$BATS_TEST_DIRNAME/uring-seccomp.c" ||
		fail "cannot build tests/uring-seccomp.c"
}

# flood_then_reset PORT: sends until the server's answers back up (never
# reading them), so sends are in flight, then resets the connection.
flood_then_reset() {
	python3 - "$1" <<'PY'
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.setblocking(False)
chunk, sent, deadline = b"x" * 65536, 0, time.time() + 5
while time.time() < deadline and sent < 64 << 20:
    try:
        sent += s.send(chunk)
    except BlockingIOError:
        time.sleep(0.01)
        if sent > 2 << 20:
            break
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
print("reset after", "more" if sent > 1 << 20 else "less", "than 1 MiB")
PY
}

@test "uring-server rejects bad option values with exit 2 and the exact message" { check_usage_errors; }
@test "uring-server rejects a bad --entries with exit 2 and the exact message" {
	run -2 --separate-stderr sockbox uring-server --entries 4
	assert_equal "$stderr" "sockbox uring-server: invalid --entries '4': expected a whole number from 8 to 32768 (see 'sockbox uring-server --help')"
}
@test "uring-server exits 1 when --root does not exist" { check_missing_root; }
@test "uring-server exits 1 with the listen error when the port is taken" { check_port_in_use; }
@test "uring-server exits 1 with the documented line when seccomp refuses io_uring_setup" {
	seccomp_helper
	run -1 --separate-stderr "$SECCOMP" "$SOCKBOX" uring-server -p 0
	assert_equal "$stderr" "sockbox uring-server: io_uring is not available here (io_uring_setup: Operation not permitted: kernel.io_uring_disabled or a seccomp profile); epoll-server serves the same"
	assert_equal "$output" ""
	# the helper refuses only io_uring: epoll-server runs under it
	run -0 --separate-stderr "$SECCOMP" "$SOCKBOX" epoll-server -p 0 --duration 0.1
}
@test "uring-server prints its counters on SIGUSR1 and the same line at SIGTERM, exit 0" { check_stop_summary; }
@test "uring-server ends on SIGINT with its clients still open, exit 0" { check_sigint_closes_clients; }
@test "uring-server ends by itself after --max-conns clients" { check_max_conns; }
@test "uring-server ends by itself after --duration with a summary" { check_duration; }
@test "uring-server -v narrates each io_uring_enter: submitted, completed, of which kind" {
	start -v
	printf 'hello\n' | socat -t5 - "TCP:127.0.0.1:$PORT"
	wait_until 5 grep -q "closed 1" "$SERVER_ERR" || fail "no close narrated"
	run cat "$SERVER_ERR"
	assert_line "sockbox $TOOL: io_uring_enter: submitted 1, completed 1: 1 accept"
	assert_line --regexp "^sockbox $TOOL: io_uring_enter: submitted [0-9]+, completed [0-9]+: ([0-9]+ recv \([0-9]+ buffers? back to the ring\)|.*[0-9]+ send)"
	assert_line --regexp "^sockbox $TOOL: io_uring: [0-9]+ submission entries, [0-9]+ completion entries"
	assert_line "sockbox $TOOL: io_uring: 256 provided buffers of 32 KiB in group 0 (io_uring_register_buf_ring)"
	assert_line "sockbox $TOOL: handler echo; output bound 256.0 KiB per client; idle timeout none"
}
@test "uring-server -vv narrates each completion: accept, recv with its buffer, send, close" {
	start -vv
	printf 'hello\n' | socat -t5 - "TCP:127.0.0.1:$PORT"
	wait_until 5 grep -q "closed (peer closed)" "$SERVER_ERR" || fail "no close narrated"
	run cat "$SERVER_ERR"
	assert_line --regexp "^sockbox $TOOL: fd [0-9]+ 127\.0\.0\.1:[0-9]+: accepted \(1 client\)\$"
	assert_line --regexp "^sockbox $TOOL: fd [0-9]+ 127\.0\.0\.1:[0-9]+: recv completed: 6 bytes in buffer [0-9]+\$"
	assert_line --regexp "^sockbox $TOOL: fd [0-9]+ 127\.0\.0\.1:[0-9]+: recv completed: end of stream\$"
	assert_line --regexp "^sockbox $TOOL: fd [0-9]+ 127\.0\.0\.1:[0-9]+: send completed: 6 bytes, 0 left\$"
	assert_line --regexp "^sockbox $TOOL: fd [0-9]+ 127\.0\.0\.1:[0-9]+: closed \(peer closed\), 6 bytes in, 6 bytes out\$"
}
@test "uring-server -v says when --sqpoll starts the kernel submission thread" {
	start -v --sqpoll
	run -0 sh -c "printf 'polled\n' | socat -t5 - TCP:127.0.0.1:$PORT"
	assert_output "polled"
	run grep -F "SQPOLL: a kernel thread takes submissions" "$SERVER_ERR"
	assert_success
}
@test "uring-server echoes for 200 concurrent socat clients" { check_echo_concurrent; }
@test "uring-server upper-cases for 200 concurrent socat clients" { check_upper_concurrent; }
@test "uring-server discards for 200 concurrent socat clients" { check_discard_concurrent; }
@test "uring-server replies to every line for 200 concurrent socat clients" { check_reply_concurrent; }
@test "uring-server answers a last line without newline when the client ends" { check_reply_last_line; }
@test "uring-server echoes 1 MiB through a half-closed connection unchanged" { check_half_close_1mib; }
@test "uring-server echoes 8 MiB full duplex through one connection unchanged" { check_echo_8mib_one_connection; }
@test "uring-server --sqpoll echoes 8 MiB full duplex through one connection unchanged" { MUX_ARGS=--sqpoll check_echo_8mib_one_connection; }
@test "uring-server --entries 8 echoes for 200 concurrent socat clients (a full ring is flushed)" { MUX_ARGS="--entries 8" check_echo_concurrent; }
@test "uring-server survives clients that reset their connection" { check_resets; }
@test "uring-server survives a client that resets with sends in flight, and serves on" {
	start -vv
	run -0 flood_then_reset "$PORT"
	assert_output "reset after more than 1 MiB"
	wait_active 0
	run -0 sh -c "printf 'still here\n' | socat -t5 - TCP:127.0.0.1:$PORT"
	assert_output "still here"
	run grep -E "closed \((Connection reset by peer|Broken pipe)\)" "$SERVER_ERR"
	assert_success
}
@test "uring-server http survives a client that resets in the middle of a spliced file, and serves on" {
	make_root
	start -vv --handler http --root "$WWW"
	python3 - "$PORT" <<'PY'
import socket, struct, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n" * 20)
got = s.recv(1000)
assert got.startswith(b"HTTP/1.1 200 OK"), got[:40]
time.sleep(0.3)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
	wait_active 0
	run -0 curl -sS "http://127.0.0.1:$PORT/hello.txt"
	assert_output "hello from the root"
	run grep -E "splice completed: [0-9]+ bytes of the file into the pipe" "$SERVER_ERR"
	assert_success
}
@test "uring-server: a client that never reads holds up no one and grows no memory" { check_never_reader; }
@test "uring-server closes a silent client after --idle-timeout" { check_idle_timeout_silent; }
@test "uring-server refuses a client over --max-clients with a line, counted, -v says why" { check_max_clients_refusal; }
@test "uring-server leaks no descriptor after 10,000 connections" { check_no_leak_after_churn; }
@test "uring-server http serves files with the right bytes, type, length, dates" { check_http_files; }
@test "uring-server http answers 404, 301, 405, 403 for symlinks out, 400 for dot-dot" { check_http_statuses; }
@test "uring-server http answers HEAD with the headers only" { check_http_head; }
@test "uring-server http serves a built-in page without --root" { check_http_builtin_page; }
@test "uring-server http answers pipelined requests in order on one connection" { check_http_pipelined; }
@test "uring-server http sends a large file, then the next pipelined answer" { check_http_pipelined_after_sendfile; }
@test "uring-server http -vv narrates each request with its status" { check_http_narration; }
@test "uring-server http keeps a connection alive for curl's second URL" { check_http_keepalive; }
@test "uring-server http answers 503 over --max-clients" { check_http_max_clients_503; }
@test "uring-server http closes a slowloris head after --idle-timeout" { check_http_slowloris; }
@test "uring-server http answers malformed and hostile requests with exact statuses" { check_http_hostile; }
@test "uring-server http answers 400 to an invalid Host, 200 to a valid one" { check_http_invalid_host; }
@test "uring-server http says Connection: close on every response after which it closes" { check_http_closing_says_close; }
@test "uring-server http --index lists a directory in HTML, names escaped, links encoded" { check_http_listing_html; }
@test "uring-server http --index lists a directory in JSON for Accept: application/json" { check_http_listing_json; }
@test "uring-server http lists no directory without --index" { check_http_listing_off; }
@test "uring-server http answers byte for byte as epoll-server does (Date aside)" {
	make_root
	start --handler http --root "$WWW"
	local uring=$PORT epoll_port
	serve "$SOCKBOX" epoll-server -p 0 --handler http --root "$WWW"
	epoll_port=$PORT
	local i=0 req
	for req in 'GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
		'GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /sub HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.0\r\n\r\n' \
		'GET /nope HTTP/1.1\r\nHost: x\r\n\r\nDELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
		'GET /escape.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /../x HTTP/1.1\r\nHost: x\r\n\r\n' \
		'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' 'GARBAGE\r\n\r\n'; do
		i=$((i + 1))
		printf "$req" >"$TMP/req.$i"
		timeout 10 socat -t2 - "TCP:127.0.0.1:$uring" <"$TMP/req.$i" | sed 's/^Date: .*/Date: -/' >"$TMP/uring.$i"
		timeout 10 socat -t2 - "TCP:127.0.0.1:$epoll_port" <"$TMP/req.$i" | sed 's/^Date: .*/Date: -/' >"$TMP/epoll.$i"
		[ -s "$TMP/uring.$i" ] || fail "no answer to request $i"
		cmp "$TMP/uring.$i" "$TMP/epoll.$i" || fail "request $i: the answers differ"
	done
}

# check_hold_10k's assertions, then a stop with all of them open (one
# 10,000-connection run instead of two: the suite's time budget).
@test "uring-server holds 10,000 connections, echoes on each, and stops cleanly with them open and sends in flight" {
	local hard
	hard=$(ulimit -Hn)
	[ "$hard" = unlimited ] || [ "$hard" -ge 10100 ] || skip "needs a descriptor hard limit of 10100 (ulimit -Hn is $hard)"
	ulimit -n "$hard"
	start --backlog 4096
	bg python3 "$MUX_CLIENT" hold "$PORT" 10000 --echo --hold-file "$TMP/held" --release-file "$TMP/release"
	local holder=$BG_PID
	wait_for_file "$TMP/held" 120 || fail "the client never held its connections: $(cat "$BG_ERR")"
	assert_equal "$(cat "$TMP/held")" "held 10000 refused 0"
	run -0 counters
	assert_output --partial "accepted 10000, active 10000, peak 10000, refused 0,"
	# and one client whose echoes back up: sends in flight at the stop
	bg python3 "$MUX_CLIENT" flood "$PORT" 30
	wait_active 10001
	stop_pid "$SERVER_PID" TERM
	assert_equal "$STOP_STATUS" 0
	run tail -n 1 "$SERVER_ERR"
	assert_output --regexp "^sockbox $TOOL: accepted 10001, active 10001, peak 10001, refused 0, "
	run grep -c "still held by the kernel" "$SERVER_ERR"
	assert_output 0
	touch "$TMP/release"
	wait "$holder" || true
}
