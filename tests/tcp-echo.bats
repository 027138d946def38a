#!/usr/bin/env bats
# tcp-echo: the server against socat and hostile Python peers, in every
# concurrency model; the client against a socat echo server; the load mode.
# The per-model tests run for each of the seven models: iterative, fork and
# thread (a worker per client), prefork, pool and reuseport (a fixed set of
# workers), coroutine (one thread).

load helper

PEER=$BATS_TEST_DIRNAME/tcp-echo/peer.py

# A sanitizer's report in a server's stderr (make check-asan, make
# check-tsan) fails the test, whatever else the test checked: a report
# printed after the last assertion would otherwise pass unseen.
teardown() {
	common_teardown
	local reports
	reports=$(grep -l 'ThreadSanitizer\|AddressSanitizer\|runtime error:' "$TMP"/server.*.err 2>/dev/null || true)
	[ -z "$reports" ] || fail "sanitizer report in $reports: $(grep -h -A20 'Sanitizer\|runtime error:' $reports | head -40)"
}

# echo_server ARGS...: our server on a free port, -v narration in $SERVER_ERR.
echo_server() { serve "$SOCKBOX" tcp-echo -l -p 0 -v "$@"; }

# socat_echo: socat's echo server on a free port, in $PORT.  With -b 4096
# every write fits the pipe space select(2) promised: larger buffers let
# socat block writing into its own PIPE and deadlock (PEERS.md).
socat_echo() {
	local pf=$TMP/socat.port
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' >"$pf"
	PORT=$(cat "$pf")
	socat -b 4096 "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" PIPE >/dev/null 2>"$TMP/socat.err" &
	SOCAT_PID=$!
	track_pid "$SOCAT_PID"
	wait_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" || fail "socat did not listen on $PORT"
}

# through_socat FILE OUT: sends FILE to our server with socat as the client.
through_socat() { timeout 60 socat -t 30 -b 65536 - "TCP:127.0.0.1:$PORT" <"$1" >"$2"; }

# children PID: the processes whose parent is PID, one "PID STATE" a line.
children() { awk -v p="$1" '$4 == p { print $1, $3 }' /proc/[0-9]*/stat 2>/dev/null || true; }
no_children() { [ -z "$(children "$1")" ]; }
has_zombie() { children "$1" | grep -q ' Z$'; }

# bg_line FILE TEXT: waits (10 s) for a line TEXT in FILE.
bg_line() { wait_until 10 grep -qx "$2" "$1"; }

# ---- the server, against real clients -------------------------------------

@test "tcp-echo server echoes 10 MB of random bytes unchanged to socat" {
	echo_server
	head -c 10000000 /dev/urandom >"$TMP/in"
	through_socat "$TMP/in" "$TMP/out"
	cmp "$TMP/in" "$TMP/out"
	grep -q "close 127.0.0.1:[0-9]*: done; 10000000 bytes in, 10000000 bytes out" "$SERVER_ERR"
}

@test "tcp-echo echoes 1 MiB of random bytes unchanged to socat in each of the seven models" {
	head -c 1048576 /dev/urandom >"$TMP/in"
	local model
	for model in iterative fork thread prefork pool reuseport coroutine; do
		echo_server --model "$model"
		through_socat "$TMP/in" "$TMP/out.$model"
		cmp "$TMP/in" "$TMP/out.$model" || fail "--model $model changed the bytes"
		stop_pid "$SERVER_PID"
		assert_equal "$STOP_STATUS" 0
		grep -q "summary: 1 connection, 1048576 bytes in, 1048576 bytes out, 0 errors" "$SERVER_ERR"
	done
}

@test "tcp-echo server prints 'listening on ADDR:PORT' and writes the port file" {
	echo_server
	[[ $PORT =~ ^[0-9]+$ ]]
	grep -qx "sockbox tcp-echo: listening on 127.0.0.1:$PORT" "$SERVER_ERR"
}

@test "tcp-echo --port-file and --pid-file get 0666 less the umask; a port file it cannot write exits 1 naming it" {
	serve bash -c 'umask 027; exec "$0" tcp-echo -l -p 0 "$@"' "$SOCKBOX" --pid-file "$TMP/pid"
	wait_for_file "$TMP/pid"
	assert_equal "$(stat -c %a "$TMP/pid") $(stat -c %a "$TMP"/port.*)" "640 640"
	run -1 --separate-stderr sockbox tcp-echo -l -p 0 --port-file "$TMP/no/such/port"
	assert_regex "$stderr" $'^sockbox tcp-echo: listening on 127\\.0\\.0\\.1:[0-9]+\n'"sockbox tcp-echo: write port file $TMP/no/such/port: No such file or directory\$"
	run -0 find "$TMP" -name '.port*'
	assert_output ""
}

@test "tcp-echo --upper sends back the bytes uppercased" {
	echo_server --upper
	printf 'Hello, World! 123\nbinary \377 ok\n' >"$TMP/in"
	through_socat "$TMP/in" "$TMP/out"
	printf 'HELLO, WORLD! 123\nBINARY \377 OK\n' >"$TMP/want"
	cmp "$TMP/want" "$TMP/out"
}

@test "tcp-echo --reply answers every line, and an unterminated last line at EOF" {
	echo_server --reply "PONG"
	printf 'a\nbb\nccc' >"$TMP/in"
	through_socat "$TMP/in" "$TMP/out"
	assert_equal "$(cat "$TMP/out")" $'PONG\nPONG\nPONG'
}

@test "tcp-echo --discard reads everything and sends nothing back" {
	echo_server --discard
	head -c 100000 /dev/zero >"$TMP/in"
	through_socat "$TMP/in" "$TMP/out"
	assert_equal "$(stat -c %s "$TMP/out")" 0
	grep -q "100000 bytes in, 0 bytes out" "$SERVER_ERR"
}

@test "tcp-echo --frame echoes frames split and joined across writes, message by message" {
	echo_server --frame
	run -0 timeout 30 python3 "$PEER" frames "$PORT"
	assert_output "ok 200"
}

@test "tcp-echo --frame closes a client whose frame is over --max-frame, with a -v message" {
	echo_server --frame --max-frame 4K
	run -0 timeout 30 python3 "$PEER" bigframe "$PORT" 5000
	assert_output "closed"
	wait_until 5 grep -q "frame of 5000 bytes is over the limit of 4096 (--max-frame)" "$SERVER_ERR"
	grep -q "close 127.0.0.1:[0-9]*: frame over the limit" "$SERVER_ERR"
	# the server goes on serving others
	run -0 timeout 30 python3 "$PEER" frames "$PORT"
}

@test "tcp-echo --frame: a stream that ends inside a frame is closed without an echo" {
	echo_server --frame
	run -0 timeout 30 python3 "$PEER" cutframe "$PORT"
	assert_output "closed, 0 bytes back"
	wait_until 5 grep -q "the stream ended inside a frame" "$SERVER_ERR"
}

@test "tcp-echo honours a half-close: everything owed is sent after the client's FIN" {
	echo_server
	run -0 timeout 30 python3 "$PEER" halfclose "$PORT" 3000000
	assert_output "ok"
	wait_until 5 grep -q "peer shut down its sending side (EOF): sending what is owed, then closing" "$SERVER_ERR"
}

# bound_for MODEL: the option that bounds the clients served at once.
bound_for() {
	case $1 in
	prefork | pool | reuseport) echo --workers 4 ;;
	*) echo --max-clients 20 ;;
	esac
}

serve_100_clients() {
	local model=$1
	local pids=()
	# shellcheck disable=SC2046
	echo_server --model "$model" $(bound_for "$model")
	for i in $(seq 100); do
		(printf 'client %s says hello\n' "$i" | timeout 60 socat -t 30 - "TCP:127.0.0.1:$PORT" >"$TMP/c.$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 100); do
		assert_equal "$(cat "$TMP/c.$i")" "client $i says hello"
	done
	grep -q "model $model" "$SERVER_ERR"
}

@test "tcp-echo --model thread serves 100 concurrent socat clients correctly (--max-clients 20)" {
	serve_100_clients thread
}

@test "tcp-echo --model fork serves 100 concurrent socat clients correctly (--max-clients 20)" {
	serve_100_clients fork
}

@test "tcp-echo --model prefork serves 100 concurrent socat clients correctly (--workers 4)" {
	serve_100_clients prefork
}

@test "tcp-echo --model pool serves 100 concurrent socat clients correctly (--workers 4)" {
	serve_100_clients pool
}

@test "tcp-echo --model reuseport serves 100 concurrent socat clients correctly (--workers 4)" {
	serve_100_clients reuseport
}

@test "tcp-echo --model coroutine serves 100 concurrent socat clients correctly (--max-clients 20)" {
	serve_100_clients coroutine
}

@test "tcp-echo --model iterative serves 100 concurrent socat clients correctly, one at a time" {
	serve_100_clients iterative
	run -0 grep -c "iterative: serving" "$SERVER_ERR"
	assert_output 100
}

@test "tcp-echo --max-clients: a client past the bound waits in the backlog until a slot frees" {
	echo_server --max-clients 1
	python3 "$PEER" hold "$PORT" >"$TMP/hold" &
	HOLD=$!
	track_pid "$HOLD"
	bg_line "$TMP/hold" held
	(printf 'second\n' | timeout 30 socat -t 30 - "TCP:127.0.0.1:$PORT" >"$TMP/second") &
	SECOND=$!
	wait_until 5 grep -q "1 client being served (--max-clients): new ones wait in the backlog" "$SERVER_ERR"
	[ ! -s "$TMP/second" ]
	kill "$HOLD"
	wait "$SECOND"
	assert_equal "$(cat "$TMP/second")" "second"
}

@test "tcp-echo --model fork leaves no zombie once its clients are gone" {
	echo_server --model fork
	for i in $(seq 20); do
		printf 'z%s\n' "$i" | timeout 10 socat -t 10 - "TCP:127.0.0.1:$PORT" >/dev/null
	done
	wait_until 10 no_children "$SERVER_PID" || fail "children left: $(children "$SERVER_PID")"
	! has_zombie "$SERVER_PID"
	run -0 grep -c "reap child [0-9]* of 127.0.0.1:[0-9]*: exit 0" "$SERVER_ERR"
	assert_output 20
}

# tree_fds PID: the descriptors of PID and of its children (the workers).
# pgrep, not children: a scan of /proc/*/stat can lose the race with a
# process that exits meanwhile, and print nothing.
tree_fds() {
	local n pid
	n=$(fd_count "$1")
	for pid in $(pgrep -P "$1"); do
		n=$((n + $(fd_count "$pid" 2>/dev/null || echo 0)))
	done
	echo "$n"
}

# worker_count PID: how many children (worker processes) PID has.
worker_count() { pgrep -c -P "$1" || true; }

leak_check() {
	serve "$SOCKBOX" tcp-echo -l -p 0 --model "$1"
	local before
	case $1 in prefork | reuseport) wait_until 10 eval '[ "$(worker_count "$SERVER_PID")" -eq 4 ]' ;; esac
	before=$(tree_fds "$SERVER_PID")
	run -0 timeout 120 "$SOCKBOX" tcp-echo --bench --reconnect --conns 4 --count 1000 "$PORT"
	assert_line --partial "connections  1000"
	wait_until 10 eval '[ "$(tree_fds "$SERVER_PID")" -eq "$before" ]' ||
		fail "descriptors: $before before, $(tree_fds "$SERVER_PID") after 1000 connections"
}

@test "tcp-echo --model thread leaks no descriptor over 1,000 connections" {
	leak_check thread
}

@test "tcp-echo --model fork leaks no descriptor over 1,000 connections" {
	leak_check fork
}

@test "tcp-echo --model prefork leaks no descriptor over 1,000 connections" {
	leak_check prefork
}

@test "tcp-echo --model pool leaks no descriptor over 1,000 connections" {
	leak_check pool
}

@test "tcp-echo --model reuseport leaks no descriptor over 1,000 connections" {
	leak_check reuseport
}

@test "tcp-echo --model coroutine leaks no descriptor over 1,000 connections" {
	leak_check coroutine
}

@test "tcp-echo --model iterative leaks no descriptor over 1,000 connections" {
	leak_check iterative
}

@test "tcp-echo survives a client that resets mid-stream and serves the next one" {
	echo_server
	run -0 timeout 30 python3 "$PEER" reset "$PORT"
	wait_until 5 grep -q "close 127.0.0.1:[0-9]*: reset by the peer" "$SERVER_ERR"
	run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"after the reset"
	assert_output "after the reset"
}

never_reading_client() {
	echo_server --model "$1"
	python3 "$PEER" noread "$PORT" >"$TMP/noread" &
	track_pid $!
	bg_line "$TMP/noread" blocked
	run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"still answering"
	assert_output "still answering"
}

@test "tcp-echo --model thread stays responsive while a client never reads" {
	never_reading_client thread
}

@test "tcp-echo --model fork stays responsive while a client never reads" {
	never_reading_client fork
}

@test "tcp-echo --model prefork stays responsive while a client never reads" {
	never_reading_client prefork
}

@test "tcp-echo --model pool stays responsive while a client never reads" {
	never_reading_client pool
}

@test "tcp-echo --model reuseport serves clients hashed to idle workers while one never reads; those behind it wait for it" {
	# The kernel picks a worker's socket by a hash, not by who is free:
	# a client hashed to the stuck worker waits in its queue (CAVEATS).
	echo_server --model reuseport --workers 4
	python3 "$PEER" noread "$PORT" >"$TMP/noread" &
	local noread=$! pids=() n
	track_pid "$noread"
	bg_line "$TMP/noread" blocked
	for n in $(seq 12); do
		(printf 'c%s\n' "$n" | timeout 30 socat -t 30 - "TCP:127.0.0.1:$PORT" >"$TMP/c.$n") &
		pids+=($!)
	done
	# 12 clients all hashed to the stuck worker: 1 chance in 4^12
	wait_until 10 eval '[ -n "$(find "$TMP" -name "c.*" -size +0)" ]' || fail "no client served while one never reads"
	kill "$noread"
	wait "${pids[@]}"
	for n in $(seq 12); do
		assert_equal "$(cat "$TMP/c.$n")" "c$n"
	done
}

@test "tcp-echo --model coroutine stays responsive while a client never reads" {
	never_reading_client coroutine
}

@test "tcp-echo --model iterative with --timeout drops a client that never reads, then serves the next" {
	echo_server --model iterative --timeout 1
	python3 "$PEER" noread "$PORT" >"$TMP/noread" &
	track_pid $!
	bg_line "$TMP/noread" blocked
	run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"served after the timeout"
	assert_output "served after the timeout"
	grep -q "idle for 1 s (--timeout)" "$SERVER_ERR"
}

@test "tcp-echo listens and echoes on a unix socket" {
	echo_server -b "unix:$TMP/echo.sock"
	assert_equal "$PORT" "$TMP/echo.sock"
	run -0 timeout 10 "$SOCKBOX" tcp-echo "unix:$TMP/echo.sock" <<<"over a unix socket"
	assert_output "over a unix socket"
	run -0 timeout 10 socat - "UNIX-CONNECT:$TMP/echo.sock" <<<"socat too"
	assert_output "socat too"
	stop_pid "$SERVER_PID"
	assert_file_not_exists "$TMP/echo.sock"
}

@test "tcp-echo listens on [::1] and the client connects to [::1]:PORT" {
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null || skip "no IPv6 loopback"
	echo_server -b ::1
	grep -qx "sockbox tcp-echo: listening on \[::1\]:$PORT" "$SERVER_ERR"
	run -0 timeout 10 "$SOCKBOX" tcp-echo "[::1]:$PORT" <<<"over IPv6"
	assert_output "over IPv6"
	run -0 timeout 10 socat -t 5 - "TCP6:[::1]:$PORT" <<<"socat over IPv6"
	assert_output "socat over IPv6"
}

stop_with_open_connection() {
	echo_server --model "$1"
	python3 "$PEER" hold "$PORT" >"$TMP/hold" &
	track_pid $!
	bg_line "$TMP/hold" held
	stop_pid "$SERVER_PID" TERM
	assert_equal "$STOP_STATUS" 0
	bg_line "$TMP/hold" eof
	run -0 tail -n 1 "$SERVER_ERR"
	assert_output --regexp "^sockbox tcp-echo: summary: 1 connection, 2 bytes in, 2 bytes out, 0 errors, [0-9.]+ s$"
	grep -q "close 127.0.0.1:[0-9]*: the server is stopping" "$SERVER_ERR"
}

@test "tcp-echo --model thread: SIGTERM closes open connections, prints a summary, exits 0" {
	stop_with_open_connection thread
}

@test "tcp-echo --model fork: SIGTERM closes open connections, prints a summary, exits 0" {
	stop_with_open_connection fork
}

@test "tcp-echo --model prefork: SIGTERM closes open connections, prints a summary, exits 0" {
	stop_with_open_connection prefork
}

@test "tcp-echo --model pool: SIGTERM closes open connections, prints a summary, exits 0" {
	stop_with_open_connection pool
}

@test "tcp-echo --model reuseport: SIGTERM closes open connections, prints a summary, exits 0" {
	stop_with_open_connection reuseport
}

@test "tcp-echo --model coroutine: SIGTERM closes open connections, prints a summary, exits 0" {
	stop_with_open_connection coroutine
}

@test "tcp-echo --model iterative: SIGINT closes the open connection, prints a summary, exits 0" {
	echo_server --model iterative
	python3 "$PEER" hold "$PORT" >"$TMP/hold" &
	track_pid $!
	bg_line "$TMP/hold" held
	stop_pid "$SERVER_PID" INT
	assert_equal "$STOP_STATUS" 0
	bg_line "$TMP/hold" eof
	tail -n 1 "$SERVER_ERR" | grep -q "summary: 1 connection,"
}

@test "tcp-echo SIGUSR1 prints a counters line and the server goes on" {
	echo_server
	run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"count me"
	# the client may see the close before the server has joined its thread:
	# ask again until the counters have settled
	wait_until 5 eval 'kill -USR1 "$SERVER_PID"; sleep 0.05;
		grep -q "counters: 1 accepted, 0 active, 1 closed, 9 bytes in, 9 bytes out, 0 errors" "$SERVER_ERR"'
	run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"still here"
}

@test "tcp-echo --max-conns ends the server after N connections with a summary" {
	echo_server --max-conns 2
	timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"one"
	timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"two"
	wait_exit "$SERVER_PID" 10
	wait "$SERVER_PID"
	grep -q "summary: 2 connections, 8 bytes in, 8 bytes out, 0 errors" "$SERVER_ERR"
}

# max_conns_check MODEL: --max-conns 3 ends the server after the third
# client (with reuseport, whichever workers' sockets the three hash to).
max_conns_check() {
	echo_server --model "$1" --max-conns 3
	local round # not i: bats' run sets i
	for round in 1 2 3; do
		run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"m$round"
		assert_output "m$round"
	done
	wait_exit "$SERVER_PID" 10 || fail "the server did not end after --max-conns 3"
	wait "$SERVER_PID"
	grep -q "summary: 3 connections, 9 bytes in, 9 bytes out, 0 errors" "$SERVER_ERR"
}

@test "tcp-echo --model prefork --max-conns 3 ends the server after 3 connections" {
	max_conns_check prefork
}

@test "tcp-echo --model pool --max-conns 3 ends the server after 3 connections" {
	max_conns_check pool
}

@test "tcp-echo --model reuseport --max-conns 3 ends the server after 3 connections" {
	max_conns_check reuseport
}

@test "tcp-echo --model coroutine --max-conns 3 ends the server after 3 connections" {
	max_conns_check coroutine
}

@test "tcp-echo --duration ends the server by itself" {
	echo_server --duration 0.3
	wait_exit "$SERVER_PID" 10
	wait "$SERVER_PID"
	grep -q "summary: 0 connections" "$SERVER_ERR"
}

@test "tcp-echo out of descriptors: reports the failed accept, pauses instead of spinning, recovers" {
	serve bash -c 'ulimit -n 12; exec "$0" tcp-echo -l -p 0 "$@"' "$SOCKBOX"
	local holds=() i
	for i in 1 2 3 4 5 6 7 8; do
		python3 "$PEER" hold "$PORT" >"$TMP/hold.$i" 2>&1 &
		holds+=($!)
		track_pid $!
	done
	wait_until 10 grep -q "accept on 127.0.0.1:$PORT: Too many open files" "$SERVER_ERR"
	# a server that spun on the readable queue would print thousands of these
	sleep 0.5
	run -0 grep -c "Too many open files" "$SERVER_ERR"
	[ "$output" -lt 30 ] || fail "accept failed $output times in half a second: spinning"
	kill "${holds[@]}"
	run -0 timeout 20 "$SOCKBOX" tcp-echo "$PORT" <<<"descriptors again"
	assert_output "descriptors again"
}

@test "tcp-echo server refuses a port already in use with exit 1" {
	echo_server
	run -1 --separate-stderr "$SOCKBOX" tcp-echo -l -p "$PORT"
	assert_equal "$stderr" "sockbox tcp-echo: listen 127.0.0.1:$PORT: Address already in use"
}

# ---- the worker models: prefork, pool, reuseport ----------------------------

# worker_pids: the worker PIDs the server narrated, worker 1 first (sets WORKERS).
worker_pids() {
	local want=$1
	wait_until 10 eval '[ "$(grep -c "worker [0-9]* is pid" "$SERVER_ERR")" -ge "$want" ]' || fail "no $want workers narrated"
	mapfile -t WORKERS < <(grep -o "worker [0-9]* is pid [0-9]*" "$SERVER_ERR" | awk '{ print $5 }')
}

@test "tcp-echo --model prefork: a worker killed with SIGKILL is reaped and replaced, clients still served" {
	echo_server --model prefork --workers 2
	worker_pids 2
	kill -KILL "${WORKERS[0]}"
	wait_until 10 grep -q "worker 1 (pid ${WORKERS[0]}) died: killed by signal 9, forking a replacement" "$SERVER_ERR" ||
		fail "no replacement: $(cat "$SERVER_ERR")"
	worker_pids 3
	[ "${WORKERS[2]}" != "${WORKERS[0]}" ]
	kill -0 "${WORKERS[2]}"
	local round # not i: bats' run sets i
	for round in $(seq 10); do
		run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"after the kill $round"
		assert_output "after the kill $round"
	done
	! has_zombie "$SERVER_PID"
	wait_until 5 eval '[ "$(worker_count "$SERVER_PID")" -eq 2 ]' || fail "$(worker_count "$SERVER_PID") workers, not 2"
	stop_pid "$SERVER_PID"
	assert_equal "$STOP_STATUS" 0
	wait_until 10 eval '[ "$(worker_count "$SERVER_PID")" -eq 0 ]'
}

@test "tcp-echo --model prefork --max-requests 3: a worker is recycled after 3 connections, a new pid takes over" {
	echo_server --model prefork --workers 1 --max-requests 3
	worker_pids 1
	local round # not i: bats' run sets i
	for round in $(seq 9); do
		run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"r$round"
		assert_output "r$round"
	done
	# 9 connections, 3 each: three workers served and left, each replaced
	wait_until 10 eval '[ "$(grep -c "recycled (--max-requests): exit 0, forking a replacement" "$SERVER_ERR")" -eq 3 ]' ||
		fail "$(grep -c recycled "$SERVER_ERR") recycled: $(cat "$SERVER_ERR")"
	run -0 grep -c "3 connections served (--max-requests): exiting, to be replaced" "$SERVER_ERR"
	assert_output 3
	worker_pids 4
	assert_equal "$(printf '%s\n' "${WORKERS[@]}" | sort -u | wc -l)" 4
	wait_until 5 eval '[ "$(pgrep -P "$SERVER_PID")" = "${WORKERS[3]}" ]' ||
		fail "workers $(pgrep -P "$SERVER_PID" | tr '\n' ' ')instead of ${WORKERS[3]}"
	! has_zombie "$SERVER_PID"
}

# spread_of: the busiest and idlest worker's accepts from the last "accepts
# per worker" line, as "BUSIEST IDLEST".
spread_of() {
	grep "accepts per worker" "$SERVER_ERR" | tail -n 1 | sed 's/.*(busiest \([0-9]*\), idlest \([0-9]*\))$/\1 \2/'
}

@test "tcp-echo --model reuseport spreads 400 connections over 4 workers within 2:1, in the summary and on SIGUSR1" {
	echo_server --model reuseport --workers 4
	grep -q "reuseport: 4 listening sockets on one port" "$SERVER_ERR"
	# 401: --bench connects once to check the address before its 400
	run -0 timeout 60 "$SOCKBOX" tcp-echo --bench --reconnect --conns 4 --count 400 "$PORT"
	wait_until 5 eval 'kill -USR1 "$SERVER_PID"; sleep 0.05; grep -q "counters: 401 accepted, 0 active, 401 closed" "$SERVER_ERR"'
	wait_until 5 grep -q "accepts per worker: " "$SERVER_ERR"
	stop_pid "$SERVER_PID"
	assert_equal "$STOP_STATUS" 0
	run -0 tail -n 2 "$SERVER_ERR"
	assert_line --index 0 --regexp "^sockbox tcp-echo: accepts per worker: [0-9]+ [0-9]+ [0-9]+ [0-9]+ \(busiest [0-9]+, idlest [0-9]+\)$"
	read -r busiest idlest < <(spread_of)
	local sum
	sum=$(grep "accepts per worker" "$SERVER_ERR" | tail -n 1 | sed 's/.*worker: \([0-9 ]*\) (.*/\1/' | tr ' ' '+')
	assert_equal "$((sum))" 401
	[ "$idlest" -gt 0 ] && [ "$busiest" -le $((2 * idlest)) ] || fail "spread $busiest:$idlest is over 2:1"
}

@test "tcp-echo --model prefork and pool -v name the worker that took each connection" {
	echo_server --model prefork --workers 2
	worker_pids 2
	timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"who" >/dev/null
	wait_until 5 grep -Eq "accept 127\.0\.0\.1:[0-9]+ \(connection 1\) in worker [12] \(pid (${WORKERS[0]}|${WORKERS[1]})\)$" "$SERVER_ERR"
	stop_pid "$SERVER_PID"
	echo_server --model pool --workers 2
	timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"who" >/dev/null
	wait_until 5 grep -Eq "pool: worker [12] \(thread [0-9]+\) takes 127\.0\.0\.1:[0-9]+ \(connection 1\)$" "$SERVER_ERR"
}

@test "tcp-echo --model pool: with every thread busy and the queue full the acceptor stops; clients wait and are served" {
	echo_server --model pool --workers 1 --queue 1
	python3 "$PEER" hold "$PORT" >"$TMP/hold" &
	HOLD=$!
	track_pid "$HOLD"
	bg_line "$TMP/hold" held
	# the second waits in the queue, the third in the kernel's backlog
	(printf 'second\n' | timeout 30 socat -t 30 - "TCP:127.0.0.1:$PORT" >"$TMP/second") &
	SECOND=$!
	wait_until 5 grep -q "pool: 1 thread busy, 1 connection queued (--queue): the acceptor stops, new clients wait in the backlog" "$SERVER_ERR"
	(printf 'third\n' | timeout 30 socat -t 30 - "TCP:127.0.0.1:$PORT" >"$TMP/third") &
	THIRD=$!
	kill -USR1 "$SERVER_PID"
	wait_until 5 grep -q "counters: 2 accepted, 2 active, 0 closed" "$SERVER_ERR"
	[ ! -s "$TMP/second" ] && [ ! -s "$TMP/third" ]
	kill "$HOLD"
	wait "$SECOND" "$THIRD"
	assert_equal "$(cat "$TMP/second") $(cat "$TMP/third")" "second third"
}

@test "tcp-echo --model coroutine with --timeout drops a client that never reads, serving others meanwhile" {
	echo_server --model coroutine --timeout 1
	python3 "$PEER" noread "$PORT" >"$TMP/noread" &
	track_pid $!
	bg_line "$TMP/noread" blocked
	run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" <<<"served beside it"
	assert_output "served beside it"
	wait_until 5 grep -q "idle for 1 s (--timeout)" "$SERVER_ERR"
	grep -q "coroutine 1 serves 127.0.0.1:[0-9]* (a 64 KiB stack; 1 coroutines)" "$SERVER_ERR"
}

@test "tcp-echo model options: each goes with its models, reuseport needs TCP" {
	local h="(see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --workers 2
	assert_equal "$stderr" "sockbox tcp-echo: --workers goes with --model prefork, pool or reuseport, not thread $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --model pool --max-requests 5
	assert_equal "$stderr" "sockbox tcp-echo: --max-requests goes with --model prefork or reuseport, not pool $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --model prefork --queue 5
	assert_equal "$stderr" "sockbox tcp-echo: --queue goes with --model pool, not prefork $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --model reuseport --max-clients 5
	assert_equal "$stderr" "sockbox tcp-echo: --max-clients has no meaning with --model reuseport: --workers bounds the clients served at once $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --model prefork --workers 257
	assert_equal "$stderr" "sockbox tcp-echo: invalid --workers '257': expected a whole number from 1 to 256 $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --workers 2 7
	assert_equal "$stderr" "sockbox tcp-echo: --workers is for the server (-l) $h"
	run -1 --separate-stderr "$SOCKBOX" tcp-echo -l --model reuseport -b "unix:$TMP/s"
	assert_equal "$stderr" "sockbox tcp-echo: --model reuseport needs a TCP address: a unix socket has no SO_REUSEPORT"
}

# ---- the client -----------------------------------------------------------

@test "tcp-echo client: printf 'hi\\n' through a socat echo server prints hi and exits 0" {
	socat_echo
	run -0 --separate-stderr timeout 10 "$SOCKBOX" tcp-echo "127.0.0.1:$PORT" < <(printf 'hi\n')
	assert_output "hi"
	assert_equal "$stderr" ""
}

@test "tcp-echo client carries 10 MB of random bytes through socat unchanged, in a pipeline" {
	socat_echo
	head -c 10000000 /dev/urandom >"$TMP/in"
	cat "$TMP/in" | timeout 60 "$SOCKBOX" tcp-echo "$PORT" | cat >"$TMP/out"
	cmp "$TMP/in" "$TMP/out"
}

@test "tcp-echo client -v narrates connect, shutdown and the server's close" {
	echo_server
	run -0 --separate-stderr timeout 10 "$SOCKBOX" tcp-echo -v "$PORT" <<<"narrate"
	assert_output "narrate"
	[[ "$stderr" == *"connect 127.0.0.1:$PORT: connected from 127.0.0.1:"* ]]
	[[ "$stderr" == *"stdin ended: shutdown(SHUT_WR) sends FIN to 127.0.0.1:$PORT; reading until it closes"* ]]
	[[ "$stderr" == *"127.0.0.1:$PORT closed the connection (EOF): 8 bytes sent, 8 bytes received"* ]]
}

@test "tcp-echo client: connection refused is one clear line and exit 1" {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run -1 --separate-stderr "$SOCKBOX" tcp-echo "127.0.0.1:$port" </dev/null
	assert_equal "$stderr" "sockbox tcp-echo: connect 127.0.0.1:$port: Connection refused"
	assert_equal "$output" ""
}

@test "tcp-echo client: --connect-timeout gives up on a listener that never answers the SYN" {
	# a listen queue that is full drops new SYNs: the handshake never completes
	python3 - "$TMP/full.port" <<-'EOF' &
	import os, socket, sys, time
	s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
	fill = []
	for _ in range(3):
	    c = socket.socket(); c.setblocking(False)
	    try: c.connect(s.getsockname())
	    except BlockingIOError: pass
	    fill.append(c)
	open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
	os.rename(sys.argv[1] + ".tmp", sys.argv[1])
	time.sleep(30)
	EOF
	track_pid $!
	wait_for_file "$TMP/full.port"
	port=$(cat "$TMP/full.port")
	run -1 --separate-stderr timeout 10 "$SOCKBOX" tcp-echo --connect-timeout 0.3 "$port" </dev/null
	assert_equal "$stderr" "sockbox tcp-echo: connect 127.0.0.1:$port: Connection timed out"
}

@test "tcp-echo client: --timeout ends a connection idle that long with exit 1" {
	echo_server --discard
	run -1 --separate-stderr timeout 10 bash -c '"$SOCKBOX" tcp-echo --timeout 0.3 "$1" < <(sleep 5)' _ "$PORT"
	assert_equal "$stderr" "sockbox tcp-echo: receive 127.0.0.1:$PORT: idle for 0.3 s (--timeout)"
}

@test "tcp-echo client: a reset from the server is one clear line and exit 1" {
	python3 "$PEER" rst-server "$TMP/rst.port" &
	track_pid $!
	wait_for_file "$TMP/rst.port"
	port=$(cat "$TMP/rst.port")
	run -1 --separate-stderr timeout 10 bash -c '"$SOCKBOX" tcp-echo "$1" < <(echo hello; sleep 5)' _ "$port"
	assert_equal "$stderr" "sockbox tcp-echo: receive 127.0.0.1:$port: Connection reset by peer"
}

@test "tcp-echo client --frame sends each stdin line as one length-prefixed message" {
	python3 "$PEER" record-server "$TMP/rec.port" >"$TMP/rec.out" &
	REC=$!
	track_pid "$REC"
	wait_for_file "$TMP/rec.port"
	run -0 --separate-stderr timeout 10 "$SOCKBOX" tcp-echo --frame "$(cat "$TMP/rec.port")" < <(printf 'hi\n\nlast')
	assert_output "ok"
	wait "$REC"
	# "hi" (2 bytes), "" (0 bytes), "last" without its newline (4 bytes)
	assert_equal "$(cat "$TMP/rec.out")" "00000002686900000000000000046c617374"
}

@test "tcp-echo client --frame against tcp-echo --frame prints one reply per line" {
	echo_server --frame
	run -0 timeout 10 "$SOCKBOX" tcp-echo --frame "$PORT" < <(printf 'one\ntwo two\n\nthree\n')
	assert_output $'one\ntwo two\n\nthree'
	grep -q "31 bytes in, 31 bytes out" "$SERVER_ERR"
}

@test "tcp-echo client: a server that closes first ends the client with exit 0" {
	echo_server --reply bye --max-conns 1
	run -0 timeout 10 bash -c '"$SOCKBOX" tcp-echo "$1" < <(echo hello; sleep 0.2)' _ "$PORT"
	assert_output "bye"
}

@test "tcp-echo client: a failed write to stdout is reported with exit 1" {
	echo_server
	run -1 --separate-stderr bash -c 'echo hi | "$SOCKBOX" tcp-echo "$1" >/dev/full' _ "$PORT"
	assert_equal "$stderr" "sockbox tcp-echo: write stdout: No space left on device"
}

# ---- the load mode --------------------------------------------------------

@test "tcp-echo --bench --json prints one object with the documented keys" {
	echo_server
	run -0 --separate-stderr timeout 60 "$SOCKBOX" tcp-echo --bench --json --conns 3 --count 300 "$PORT"
	assert_equal "${#lines[@]}" 1
	echo "$output" | jq -e '.mode == "roundtrip" and .conns == 3 and .size == 64 and .round_trips == 300
		and .bytes_sent == 19200 and .bytes_received == 19200 and .connections == 3
		and (.latency_us | .min <= .p50 and .p50 <= .p90 and .p90 <= .p99 and .p99 <= .max)
		and .round_trips_per_s > 0 and .mb_per_s_sent > 0 and .interrupted == false'
}

@test "tcp-echo --bench drives a socat echo server and reports round trips and latency" {
	socat_echo
	run -0 timeout 60 "$SOCKBOX" tcp-echo --bench --count 500 --size 1K "$PORT"
	assert_line --index 0 "bench 127.0.0.1:$PORT: roundtrip, 1 connection, 1024-byte messages"
	assert_line --regexp "^round trips  500 in [0-9.]+ s \([0-9.]+/s\)$"
	assert_line --regexp "^latency      min [0-9.]+ us, p50 [0-9.]+ us, p90 [0-9.]+ us, p99 [0-9.]+ us, max [0-9.]+ us$"
	assert_line --regexp "^sent         512000 bytes \([0-9.]+ MB/s\)$"
}

@test "tcp-echo --bench --stream carries bulk data through one connection and checks every byte" {
	echo_server
	run -0 timeout 60 "$SOCKBOX" tcp-echo --bench --stream --size 64K --count 200 --json "$PORT"
	echo "$output" | jq -e '.mode == "stream" and .bytes_received == 13107200 and .latency_us == null'
}

@test "tcp-echo --bench --reconnect --frame opens a connection per round trip" {
	echo_server --frame
	run -0 timeout 60 "$SOCKBOX" tcp-echo --bench --reconnect --frame --conns 2 --count 50 --json "$PORT"
	echo "$output" | jq -e '.mode == "reconnect" and .connections == 50 and .round_trips == 50 and .frame'
}

@test "tcp-echo --bench --duration runs for about that long" {
	echo_server
	run -0 timeout 60 "$SOCKBOX" tcp-echo --bench --duration 0.5 --json "$PORT"
	echo "$output" | jq -e '.seconds >= 0.5 and .seconds < 5 and .round_trips > 0'
}

@test "tcp-echo --bench exits 3 when the echo differs from what was sent" {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' >"$TMP/p"
	PORT=$(cat "$TMP/p")
	socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" SYSTEM:"stdbuf -o0 tr 5 x" >/dev/null 2>&1 &
	track_pid $!
	wait_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"
	run -3 --separate-stderr timeout 30 "$SOCKBOX" tcp-echo --bench --count 10 "$PORT"
	assert_equal "$stderr" "sockbox tcp-echo: echo 127.0.0.1:$PORT: byte 5 of the reply differs from what was sent (sent 0x35, got 0x78)"
}

@test "tcp-echo --bench: connection refused is one line and exit 1" {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run -1 --separate-stderr "$SOCKBOX" tcp-echo --bench --count 1 "$port"
	assert_equal "$stderr" "sockbox tcp-echo: connect 127.0.0.1:$port: Connection refused"
}

# ---- usage errors ------------------------------------------------------------

@test "tcp-echo usage errors exit 2 with one line each" {
	local h="(see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo
	assert_equal "$stderr" "sockbox tcp-echo: missing HOST:PORT (or -l for the server) $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --model threads
	assert_equal "$stderr" "sockbox tcp-echo: invalid --model 'threads': expected iterative, fork, thread, prefork, pool, reuseport or coroutine $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l 127.0.0.1:7
	assert_equal "$stderr" "sockbox tcp-echo: the server takes no operand: use -b ADDR and -p PORT $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --upper 127.0.0.1:7
	assert_equal "$stderr" "sockbox tcp-echo: --upper is for the server (-l) $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --bench
	assert_equal "$stderr" "sockbox tcp-echo: --bench is for the client, not the server (-l) $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --conns 4 127.0.0.1:7
	assert_equal "$stderr" "sockbox tcp-echo: --conns needs --bench $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --upper --reply x
	assert_equal "$stderr" "sockbox tcp-echo: choose one of --upper, --reply, --discard and --frame $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --bench --stream --frame 7
	assert_equal "$stderr" "sockbox tcp-echo: --stream cannot be combined with --frame $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --bench --count 5 --duration 1 7
	assert_equal "$stderr" "sockbox tcp-echo: choose --count or --duration $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --bench --size 0 7
	assert_equal "$stderr" "sockbox tcp-echo: invalid --size '0': expected a size from 1 to 64M $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --max-clients 0
	assert_equal "$stderr" "sockbox tcp-echo: invalid --max-clients '0': expected a whole number from 1 to 65536 $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --timeout soon 7
	assert_equal "$stderr" "sockbox tcp-echo: invalid --timeout 'soon': expected seconds, such as 10 or 0.5 $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo host-without-port
	assert_equal "$stderr" "sockbox tcp-echo: invalid address 'host-without-port': expected HOST:PORT, [V6]:PORT, PORT or unix:/path $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l -p 70000
	assert_equal "$stderr" "sockbox tcp-echo: invalid --port '70000': expected 0-65535 $h"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo 1 2
	assert_equal "$stderr" "sockbox tcp-echo: too many operands $h"
}

@test "tcp-echo client: a name that does not resolve is exit 1" {
	run -1 --separate-stderr "$SOCKBOX" tcp-echo no-such-host.invalid:7 </dev/null
	[[ "$stderr" == "sockbox tcp-echo: resolve no-such-host.invalid:7: "* ]]
}

@test "tcp-echo SIGHUP ends the server like SIGTERM: connections closed, a summary, exit 0" {
	echo_server
	python3 "$PEER" hold "$PORT" >"$TMP/hold" &
	track_pid $!
	bg_line "$TMP/hold" held
	stop_pid "$SERVER_PID" HUP
	assert_equal "$STOP_STATUS" 0
	bg_line "$TMP/hold" eof
	run -0 tail -n 1 "$SERVER_ERR"
	assert_output --regexp "^sockbox tcp-echo: summary: 1 connection, 2 bytes in, 2 bytes out, 0 errors, [0-9.]+ s$"
}

@test "tcp-echo started with SIGHUP ignored (nohup) keeps ignoring it, and SIGTERM still stops it" {
	serve bash -c 'trap "" HUP; exec "$0" tcp-echo -l -p 0 "$@"' "$SOCKBOX"
	kill -HUP "$SERVER_PID"
	# SIGHUP was sent first: once SIGUSR1 is answered, it has been discarded.
	wait_until 5 eval 'kill -USR1 "$SERVER_PID"; sleep 0.05; grep -q "counters: " "$SERVER_ERR"' ||
		fail "no counters line after SIGHUP and SIGUSR1"
	kill -0 "$SERVER_PID"
	stop_pid "$SERVER_PID" TERM
	assert_equal "$STOP_STATUS" 0
}

# ---- names with several addresses (RFC 8305) ----

# dual_localhost CMD...: CMD in a mount namespace of its own where
# /etc/hosts names localhost ::1 and 127.0.0.1 (the machine's file is left
# alone: the bind mount ends with the namespace).
dual_localhost() {
	require_root "a private /etc/hosts in a mount namespace"
	printf '::1 localhost\n127.0.0.1 localhost\n' >"$TMP/hosts"
	unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$TMP/hosts" "$@"
}

# closed_port: a port nothing listens on, on 127.0.0.1 and ::1.
closed_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0)); print(s.getsockname()[1])'
}

@test "tcp-echo client reaches a server on [::1] only through localhost" {
	echo_server -b '[::1]:0'
	run -0 --separate-stderr dual_localhost "$SOCKBOX" tcp-echo "localhost:$PORT" <<<"six"
	assert_output "six"
	assert_equal "$stderr" ""
}

@test "tcp-echo client -v: [::1] refused, 127.0.0.1 tried next and connected" {
	echo_server
	run -0 --separate-stderr dual_localhost "$SOCKBOX" tcp-echo -v "localhost:$PORT" <<<"four"
	assert_output "four"
	local want=(
		"connect \[::1\]:$PORT: trying \(sending SYN, waiting for SYN-ACK\)"
		"connect \[::1\]:$PORT: Connection refused after [0-9.]+ ms"
		"connect 127\.0\.0\.1:$PORT: trying \(sending SYN, waiting for SYN-ACK\)"
		"connect 127\.0\.0\.1:$PORT: connected from 127\.0\.0\.1:[0-9]+ after [0-9.]+ ms"
	)
	local i
	for i in 0 1 2 3; do
		assert_regex "${stderr_lines[$i]}" "^sockbox tcp-echo: ${want[$i]}$"
	done
}

@test "tcp-echo client: every address of localhost refused is exit 1 naming the last" {
	port=$(closed_port)
	run -1 --separate-stderr dual_localhost "$SOCKBOX" tcp-echo "localhost:$port" </dev/null
	assert_output ""
	assert_equal "$stderr" "sockbox tcp-echo: connect 127.0.0.1:$port: Connection refused"
}

# blackhole_v6: a listener on [::1] whose queue is full, so the kernel drops
# further SYNs (no answer, no refusal); sets PORT.  Stopped in teardown.
blackhole_v6() {
	cat >"$TMP/blackhole.py" <<-'PY'
	import os, signal, socket, sys
	l = socket.socket(socket.AF_INET6)
	l.bind(("::1", 0))
	l.listen(0)
	c = socket.socket(socket.AF_INET6)
	c.connect(l.getsockname()[:2])  # fills the queue of one
	with open(sys.argv[-1] + ".tmp", "w") as f:
	    f.write("%d\n" % l.getsockname()[1])
	os.rename(sys.argv[-1] + ".tmp", sys.argv[-1])
	signal.pause()
	PY
	serve python3 "$TMP/blackhole.py"
}

@test "tcp-echo client: [::1] silent, 127.0.0.1 started after 250 ms wins, [::1] closed" {
	blackhole_v6
	serve "$SOCKBOX" tcp-echo -l -b "127.0.0.1:$PORT"
	run -0 --separate-stderr dual_localhost "$SOCKBOX" tcp-echo -v --connect-timeout 20 "localhost:$PORT" <<<"race"
	assert_output "race"
	local want=(
		"connect \[::1\]:$PORT: trying \(sending SYN, waiting for SYN-ACK\)"
		"connect 127\.0\.0\.1:$PORT: trying \(no answer from \[::1\]:$PORT after 250 ms\)"
		"connect 127\.0\.0\.1:$PORT: connected from 127\.0\.0\.1:[0-9]+ after [0-9.]+ ms"
		"connect \[::1\]:$PORT: closed, another address answered first"
	)
	local i
	for i in 0 1 2 3; do
		assert_regex "${stderr_lines[$i]}" "^sockbox tcp-echo: ${want[$i]}$"
	done
}

@test "tcp-echo summary counts one connection and one byte in the singular" {
	echo_server --max-conns 1
	run -0 timeout 10 "$SOCKBOX" tcp-echo "$PORT" < <(printf x)
	assert_output "x"
	wait_exit "$SERVER_PID" 10
	run -0 tail -n 1 "$SERVER_ERR"
	assert_output --regexp "^sockbox tcp-echo: summary: 1 connection, 1 byte in, 1 byte out, 0 errors, [0-9.]+ s$"
}

@test "tcp-echo client on a terminal ends the prompt's line at Ctrl-D" {
	echo_server --max-conns 1
	# stdin and stderr on a pseudo-terminal: the prompt shows; ^D ends stdin
	run -0 --separate-stderr timeout 10 python3 -c '
import os, subprocess, sys
master, slave = os.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=slave, stderr=slave, stdout=subprocess.DEVNULL)
os.close(slave)
seen = b""
while not seen.endswith(b"> "):
    seen += os.read(master, 256)
os.write(master, b"\x04")
while True:
    try:
        chunk = os.read(master, 256)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
sys.exit(p.wait() or print(repr(seen.decode())))
' "$SOCKBOX" tcp-echo "$PORT"
	assert_output "'127.0.0.1:$PORT> \\r\\n'"
}

# ---- --check: the port check (nc -z) ----------------------------------------

# hold_closed_port: a port bound but not listening, in $CLOSED (the kernel
# answers a SYN there with a RST, and nobody else can take the port).
hold_closed_port() {
	python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1], flush=True); sys.stdin.read()' \
		<"$TMP/hold.fifo" >"$TMP/closed" &
	track_pid $!
	exec 4>"$TMP/hold.fifo"
	wait_for_file "$TMP/closed"
	CLOSED=$(cat "$TMP/closed")
}

@test "tcp-echo --check: open and closed ports get the verdicts ncat -z gives, in operand order, exit 4" {
	mkfifo "$TMP/hold.fifo"
	echo_server
	hold_closed_port
	run -0 ncat -z 127.0.0.1 "$PORT"
	run -1 ncat -z 127.0.0.1 "$CLOSED"
	run -4 --separate-stderr sockbox tcp-echo --check "127.0.0.1:$PORT" "127.0.0.1:$CLOSED" "localhost:$PORT"
	assert_equal "$stderr" ""
	assert_regex "$output" "^127\.0\.0\.1:$PORT open [0-9]+\.[0-9]{2} ms
127\.0\.0\.1:$CLOSED closed [0-9]+\.[0-9]{2} ms
127\.0\.0\.1:$PORT open [0-9]+\.[0-9]{2} ms\$"
	exec 4>&-
}

@test "tcp-echo -z exits 0 when every port is open; a range counts each port" {
	echo_server
	run -0 --separate-stderr sockbox tcp-echo -z "$PORT" "127.0.0.1:$PORT-$PORT"
	assert_equal "${#lines[@]} $stderr" "2 "
	run -4 --separate-stderr sockbox tcp-echo -z --parallel 2 "127.0.0.1:$((PORT - 2))-$PORT"
	assert_equal "${#lines[@]}" 3
	assert_regex "${lines[2]}" "^127\.0\.0\.1:$PORT open "
}

@test "tcp-echo --check --json: a port whose listen queue is full is filtered after --connect-timeout" {
	mkfifo "$TMP/full.fifo"
	python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0)
c=socket.create_connection(s.getsockname()); print(s.getsockname()[1], flush=True); sys.stdin.read()' \
		<"$TMP/full.fifo" >"$TMP/full" 2>/dev/null &
	track_pid $!
	exec 4>"$TMP/full.fifo"
	wait_for_file "$TMP/full"
	local full
	full=$(cat "$TMP/full")
	run -1 ncat -z -w 1 127.0.0.1 "$full"
	run -4 --separate-stderr sockbox tcp-echo --check --json --connect-timeout 0.2 "$full"
	assert_regex "$output" "^\{\"operand\":\"$full\",\"address\":\"127\.0\.0\.1\",\"port\":$full,\"state\":\"filtered\",\"connect_ms\":[0-9.]+,\"error\":\"Connection timed out\"\}\$"
	exec 4>&-
}

@test "tcp-echo --check: bad operands and options are usage errors, an unknown host exit 1" {
	local h="(see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr sockbox tcp-echo --check
	assert_equal "$stderr" "sockbox tcp-echo: missing HOST:PORT or HOST:LOW-HIGH to check $h"
	run -2 --separate-stderr sockbox tcp-echo -z 127.0.0.1:90-80
	assert_equal "$stderr" "sockbox tcp-echo: invalid operand '127.0.0.1:90-80': expected HOST:PORT or HOST:LOW-HIGH (ports 1-65535) $h"
	run -2 --separate-stderr sockbox tcp-echo -l --check
	assert_equal "$stderr" "sockbox tcp-echo: --check is for the client, not the server (-l) $h"
	run -2 --separate-stderr sockbox tcp-echo --parallel 4 7
	assert_equal "$stderr" "sockbox tcp-echo: --parallel needs --check $h"
	run -2 --separate-stderr sockbox tcp-echo --json 7
	assert_equal "$stderr" "sockbox tcp-echo: --json needs --bench or --check $h"
	run -2 --separate-stderr sockbox tcp-echo --check --bench 7
	assert_equal "$stderr" "sockbox tcp-echo: choose --check or --bench $h"
	run -1 --separate-stderr sockbox tcp-echo --check no-such-host.invalid:7
	[[ "$stderr" == "sockbox tcp-echo: resolve no-such-host.invalid:7: "* ]]
}

# ---- --sink: a server that writes what it receives (nc -l > file) ----------

@test "tcp-echo -l --sink FILE: 1 MiB sent by ncat lands whole in FILE, nothing echoed back" {
	head -c 1048576 /dev/urandom >"$TMP/in"
	echo_server --sink "$TMP/got" --max-conns 1
	run -0 --separate-stderr timeout 30 ncat --send-only 127.0.0.1 "$PORT" <"$TMP/in"
	assert_output ""
	wait_exit "$SERVER_PID" || fail "the server did not end after --max-conns 1"
	cmp "$TMP/in" "$TMP/got"
	grep -q "close 127.0.0.1:[0-9]*: done; 1048576 bytes in, 0 bytes out" "$SERVER_ERR"
	run -0 find "$TMP" -name '.got*'
	assert_output ""
}

@test "tcp-echo -l --sink DIR/: each connection its own conn-N; a reset sender leaves no file" {
	mkdir "$TMP/d"
	head -c 1048576 /dev/urandom >"$TMP/in"
	echo_server --sink "$TMP/d/"
	timeout 30 socat -u - "TCP:127.0.0.1:$PORT" <"$TMP/in"
	run -0 python3 "$PEER" reset "$PORT"
	timeout 30 socat -u - "TCP:127.0.0.1:$PORT" </dev/null
	wait_until 10 grep -q "close .*: done; 0 bytes in" "$SERVER_ERR" || fail "third connection not closed"
	wait_until 10 grep -q "close .*: reset by the peer;" "$SERVER_ERR" || fail "the reset was not seen"
	run -0 ls -A "$TMP/d"
	assert_output $'conn-1\nconn-3'
	cmp "$TMP/in" "$TMP/d/conn-1"
	[ ! -s "$TMP/d/conn-3" ]
}

@test "tcp-echo -l --sink - writes the bytes to stdout; a missing DIR/ is exit 1, --upper with it exit 2" {
	echo_server --sink - --max-conns 1
	printf 'hello\n' | timeout 30 ncat --send-only 127.0.0.1 "$PORT"
	wait_exit "$SERVER_PID" || fail "the server did not end after --max-conns 1"
	assert_equal "$(cat "$SERVER_OUT")" "hello"
	run -1 --separate-stderr sockbox tcp-echo -l -p 0 --sink "$TMP/nodir/"
	assert_equal "$stderr" "sockbox tcp-echo: sink $TMP/nodir/: No such file or directory"
	run -2 --separate-stderr sockbox tcp-echo -l --sink x --upper
	assert_equal "$stderr" "sockbox tcp-echo: --sink sends nothing back: choose it or --upper, --reply, --discard, --frame (see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr sockbox tcp-echo --sink x 7
	assert_equal "$stderr" "sockbox tcp-echo: --sink is for the server (-l) (see 'sockbox tcp-echo --help')"
}
