#!/usr/bin/env bats
# select-server: the multiplexing server on select.  The checks are shared with the
# other two servers (tests/mux_servers.bash): one behaviour, three calls.

TOOL=select-server
CALL=select
load helper
load mux_servers

@test "select-server rejects bad option values with exit 2 and the exact message" { check_usage_errors; }
@test "select-server exits 1 when --root does not exist" { check_missing_root; }
@test "select-server exits 1 with the listen error when the port is taken" { check_port_in_use; }
@test "select-server prints its counters on SIGUSR1 and the same line at SIGTERM, exit 0" { check_stop_summary; }
@test "select-server ends on SIGINT with its clients still open, exit 0" { check_sigint_closes_clients; }
@test "select-server ends by itself after --max-conns clients" { check_max_conns; }
@test "select-server ends by itself after --duration with a summary" { check_duration; }
@test "select-server -v narrates each select call: watched, ready, what was done" { check_verbose_narration; }
@test "select-server -vv narrates each accept, read and close" { check_very_verbose_events; }
@test "select-server echoes for 200 concurrent socat clients" { check_echo_concurrent; }
@test "select-server upper-cases for 200 concurrent socat clients" { check_upper_concurrent; }
@test "select-server discards for 200 concurrent socat clients" { check_discard_concurrent; }
@test "select-server replies to every line for 200 concurrent socat clients" { check_reply_concurrent; }
@test "select-server answers a last line without newline when the client ends" { check_reply_last_line; }
@test "select-server echoes 1 MiB through a half-closed connection unchanged" { check_half_close_1mib; }
@test "select-server echoes 8 MiB full duplex through one connection unchanged" { check_echo_8mib_one_connection; }
@test "select-server survives clients that reset their connection" { check_resets; }
@test "select-server: a client that never reads holds up no one and grows no memory" { check_never_reader; }
@test "select-server closes a silent client after --idle-timeout" { check_idle_timeout_silent; }
@test "select-server refuses a client over --max-clients with a line, counted, -v says why" { check_max_clients_refusal; }
@test "select-server leaks no descriptor after 10,000 connections" { check_no_leak_after_churn; }
@test "select-server http serves files with the right bytes, type, length, dates" { check_http_files; }
@test "select-server http answers 404, 301, 405, 403 for symlinks out, 400 for dot-dot" { check_http_statuses; }
@test "select-server http answers HEAD with the headers only" { check_http_head; }
@test "select-server http serves a built-in page without --root" { check_http_builtin_page; }
@test "select-server http answers pipelined requests in order on one connection" { check_http_pipelined; }
@test "select-server http sends a large file with sendfile, then the next pipelined answer" { check_http_pipelined_after_sendfile; }
@test "select-server http -vv narrates each request with its status" { check_http_narration; }
@test "select-server http keeps a connection alive for curl's second URL" { check_http_keepalive; }
@test "select-server http answers 503 over --max-clients" { check_http_max_clients_503; }
@test "select-server http closes a slowloris head after --idle-timeout" { check_http_slowloris; }
@test "select-server http answers malformed and hostile requests with exact statuses" { check_http_hostile; }

@test "select-server refuses descriptors at or above FD_SETSIZE and keeps serving" {
	start -v --backlog 2048
	bg python3 "$MUX_CLIENT" hold "$PORT" 1100 --echo --hold-file "$TMP/held" --release-file "$TMP/release"
	wait_for_file "$TMP/held" 60 || fail "the client never held its connections: $(cat "$BG_ERR")"
	[[ "$(cat "$TMP/held")" =~ ^held\ ([0-9]+)\ refused\ ([0-9]+)$ ]] || fail "$(cat "$TMP/held")"
	held=${BASH_REMATCH[1]} refused=${BASH_REMATCH[2]}
	((held + refused == 1100 && held > 1000 && held < 1024 && refused > 70)) || fail "held $held refused $refused"
	run grep -cE "^sockbox select-server: refused 127\.0\.0\.1:[0-9]+: descriptor [0-9]+ is at or above FD_SETSIZE \(1024\): select cannot watch it\$" "$SERVER_ERR"
	assert_output "$refused"
	run -0 counters
	assert_output --partial "active $held, peak $held, refused $refused,"
	touch "$TMP/release"
	wait "$BG_PID"
	wait_active 0
	run -0 sh -c "printf 'after the crowd\n' | socat -t5 - TCP:127.0.0.1:$PORT"
	assert_output "after the crowd"
}
@test "select-server http answers 400 to an invalid Host, 200 to a valid one" { check_http_invalid_host; }
@test "select-server http says Connection: close on every response after which it closes" { check_http_closing_says_close; }
@test "select-server http --index lists a directory in HTML, names escaped, links encoded" { check_http_listing_html; }
@test "select-server http --index lists a directory in JSON for Accept: application/json" { check_http_listing_json; }
@test "select-server http lists no directory without --index" { check_http_listing_off; }
