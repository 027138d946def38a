#!/usr/bin/env bats
# epoll-server: the multiplexing server on epoll_wait.  The checks are shared with the
# other two servers (tests/mux_servers.bash): one behaviour, three calls.

TOOL=epoll-server
CALL=epoll_wait
load helper
load mux_servers

@test "epoll-server rejects bad option values with exit 2 and the exact message" { check_usage_errors; }
@test "epoll-server exits 1 when --root does not exist" { check_missing_root; }
@test "epoll-server exits 1 with the listen error when the port is taken" { check_port_in_use; }
@test "epoll-server prints its counters on SIGUSR1 and the same line at SIGTERM, exit 0" { check_stop_summary; }
@test "epoll-server ends on SIGINT with its clients still open, exit 0" { check_sigint_closes_clients; }
@test "epoll-server ends by itself after --max-conns clients" { check_max_conns; }
@test "epoll-server ends by itself after --duration with a summary" { check_duration; }
@test "epoll-server -v narrates each epoll_wait call: watched, ready, what was done" { check_verbose_narration; }
@test "epoll-server -vv narrates each accept, read and close" { check_very_verbose_events; }
@test "epoll-server echoes for 200 concurrent socat clients" { check_echo_concurrent; }
@test "epoll-server upper-cases for 200 concurrent socat clients" { check_upper_concurrent; }
@test "epoll-server discards for 200 concurrent socat clients" { check_discard_concurrent; }
@test "epoll-server replies to every line for 200 concurrent socat clients" { check_reply_concurrent; }
@test "epoll-server answers a last line without newline when the client ends" { check_reply_last_line; }
@test "epoll-server echoes 1 MiB through a half-closed connection unchanged" { check_half_close_1mib; }
@test "epoll-server echoes 8 MiB full duplex through one connection unchanged" { check_echo_8mib_one_connection; }
@test "epoll-server survives clients that reset their connection" { check_resets; }
@test "epoll-server: a client that never reads holds up no one and grows no memory" { check_never_reader; }
@test "epoll-server closes a silent client after --idle-timeout" { check_idle_timeout_silent; }
@test "epoll-server refuses a client over --max-clients with a line, counted, -v says why" { check_max_clients_refusal; }
@test "epoll-server leaks no descriptor after 10,000 connections" { check_no_leak_after_churn; }
@test "epoll-server http serves files with the right bytes, type, length, dates" { check_http_files; }
@test "epoll-server http answers 404, 301, 405, 403 for symlinks out, 400 for dot-dot" { check_http_statuses; }
@test "epoll-server http answers HEAD with the headers only" { check_http_head; }
@test "epoll-server http serves a built-in page without --root" { check_http_builtin_page; }
@test "epoll-server http answers pipelined requests in order on one connection" { check_http_pipelined; }
@test "epoll-server http sends a large file with sendfile, then the next pipelined answer" { check_http_pipelined_after_sendfile; }
@test "epoll-server http -vv narrates each request with its status" { check_http_narration; }
@test "epoll-server http keeps a connection alive for curl's second URL" { check_http_keepalive; }
@test "epoll-server http answers 503 over --max-clients" { check_http_max_clients_503; }
@test "epoll-server http closes a slowloris head after --idle-timeout" { check_http_slowloris; }
@test "epoll-server http answers malformed and hostile requests with exact statuses" { check_http_hostile; }

@test "epoll-server holds 10,000 connections and echoes on each" { check_hold_10k; }
@test "epoll-server --edge echoes for 200 concurrent socat clients" { MUX_ARGS=--edge check_echo_concurrent; }
@test "epoll-server --edge echoes 8 MiB full duplex through one connection unchanged" { MUX_ARGS=--edge check_echo_8mib_one_connection; }
@test "epoll-server --edge: a client that never reads holds up no one and grows no memory" { MUX_ARGS=--edge check_never_reader; }
@test "epoll-server --edge answers pipelined http requests in order" { MUX_ARGS=--edge check_http_pipelined; }
@test "epoll-server --edge http answers malformed and hostile requests with exact statuses" { MUX_ARGS=--edge check_http_hostile; }
@test "epoll-server -v says it is edge-triggered with --edge" {
	start -v --edge
	run grep -F "epoll: edge-triggered; the interest list lives in the kernel" "$SERVER_ERR"
	assert_success
}
@test "epoll-server http answers 400 to an invalid Host, 200 to a valid one" { check_http_invalid_host; }
@test "epoll-server http says Connection: close on every response after which it closes" { check_http_closing_says_close; }
@test "epoll-server http --index lists a directory in HTML, names escaped, links encoded" { check_http_listing_html; }
@test "epoll-server http --index lists a directory in JSON for Accept: application/json" { check_http_listing_json; }
@test "epoll-server http lists no directory without --index" { check_http_listing_off; }
@test "epoll-server --edge -vv says which read hit EAGAIN" {
	start --edge -vv
	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'hi\n' >&7
	read -r -t 5 reply <&7
	assert_equal "$reply" "hi"
	wait_until 5 grep -q "readable: .*, 3 bytes" "$SERVER_ERR" || fail "no read narrated"
	exec 7>&-
	run grep "readable: " "$SERVER_ERR"
	assert_line --regexp "^sockbox epoll-server: fd [0-9]+ 127\.0\.0\.1:[0-9]+: readable: 2 reads \(the last hit EAGAIN\), 3 bytes\$"
	# a readiness report that found nothing to read says so
	refute_line --regexp "readable: 1 read, 0 bytes\$"
}
