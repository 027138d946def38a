#!/usr/bin/env bats
# udp-chat: the chat room on loopback (any user), against the course's
# client and server (python3 scripts in tests/udp-chat/, written from the
# protocol table of sockbox-udp-chat(1)), hostile and heavy peers; and
# three members in three network namespaces joined by a bridge (root).

load helper

setup() {
	common_setup
	NAMESPACES=()
	BRIDGE_NS=
	NS_TAG="sbuc-$BASHPID-$RANDOM-$BATS_TEST_NUMBER"
	PEER="$BATS_TEST_DIRNAME/udp-chat/peer.py"
}

teardown() {
	local fd
	for fd in "${MEMBER_FDS[@]}"; do exec {fd}>&- 2>/dev/null || true; done
	common_teardown
	local ns
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

MEMBER_FDS=()
IN_NS=() # the command prefix that runs a member in a namespace

# ended PID [STATUS]: PID, our child, ends by itself (bounded) with STATUS (0).
ended() {
	local status=0
	wait_exit "$1" 10 || fail "process $1 did not end"
	wait "$1" || status=$?
	assert_equal "$status" "${2:-0}"
}

chat() { "$SOCKBOX" udp-chat "$@"; }

# chat_serve ARGS...: our server on 127.0.0.1 port 0 (stdin empty).
chat_serve() { serve sockbox udp-chat serve -p 0 "$@"; }

# closing_fds CMD...: execs CMD without the test's FIFO write ends, so that
# closing one in the test is an end of file for its reader.
closing_fds() {
	local f
	for f in "${MEMBER_FDS[@]}"; do eval "exec $f>&-"; done
	exec "$@"
}

# serve_stdin FIFO ARGS...: our server with its stdin (the console) from FIFO,
# which the test holds open for writing.
serve_stdin() {
	local fifo=$1; shift
	local pf=$TMP/port.console
	SERVER_OUT=$TMP/server.console.out SERVER_ERR=$TMP/server.console.err
	(closing_fds "${IN_NS[@]}" env --default-signal=INT "$SOCKBOX" udp-chat serve -p 0 --port-file "$pf" "$@") <"$fifo" \
		>"$SERVER_OUT" 2>"$SERVER_ERR" &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	wait_for_file "$pf" || fail "no port"
	PORT=$(cat "$pf")
}

# has_event REGEX: the server printed an event line matching REGEX.
has_event() { grep -Eq "$1" "$SERVER_OUT"; }

# member NAME [HOST]: our client joined as NAME, its stdin a FIFO the test
# writes to with `say NAME TEXT`; `part NAME` closes it (the client leaves).
# Sets NAME's output file in OUT_<NAME>, its PID in PID_<NAME>.
member() {
	local name=$1 host=${2:-127.0.0.1:$PORT} fd
	mkfifo "$TMP/$name.in"
	exec {fd}<>"$TMP/$name.in"
	MEMBER_FDS+=("$fd")
	printf -v "FD_$name" %s "$fd"
	# (not `bg`: a background job's stdin is /dev/null unless redirected on the job itself)
	(closing_fds "${IN_NS[@]}" env --default-signal=INT "$SOCKBOX" udp-chat join -n "$name" "${@:3}" "$host") \
		<"$TMP/$name.in" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	track_pid $!
	printf -v "OUT_$name" %s "$TMP/$name.out"
	printf -v "PID_$name" %s "$!"
	wait_until 5 has_event "^join [^ ]+ $name\$|\"event\":\"join\",.*\"name\":\"$name\"" ||
		fail "$name never joined"
}
say() { local v="FD_$1"; echo "$2" >&"${!v}"; }
part() { local v="FD_$1"; local fd=${!v}; exec {fd}>&-; }
out_of() { local v="OUT_$1"; cat "${!v}"; }
# got NAME LINES: NAME's output is exactly LINES (waits up to 5 s for it).
got() {
	local file_="OUT_$1" want_=$2
	file_=${!file_}
	# (bash's dynamic scope: the eval inside wait_until sees want_ and file_)
	wait_until 5 eval '[ "$(cat "$file_")" = "$want_" ]' || assert_equal "$(cat "$file_")" "$want_"
}

# ---- the command line ----

@test "udp-chat without a command is a usage error (exit 2)" {
	run -2 --separate-stderr chat
	assert_equal "$stderr" "sockbox udp-chat: missing command: serve or join (see 'sockbox udp-chat --help')"
}

@test "udp-chat join without HOST is a usage error, and --linger goes with join only" {
	run -2 --separate-stderr chat join -n alice
	assert_equal "$stderr" "sockbox udp-chat: join: missing HOST[:PORT] (see 'sockbox udp-chat --help')"
	run -2 --separate-stderr chat serve --linger 1
	assert_equal "$stderr" "sockbox udp-chat: --linger goes with 'join', not 'serve' (see 'sockbox udp-chat --help')"
}

@test "udp-chat refuses a bad --name, --timeout under 3 s for serve, and a bad --rate" {
	run -2 --separate-stderr chat join -n 'a b' 127.0.0.1
	assert_equal "$stderr" "sockbox udp-chat: invalid --name 'a b': expected 1-32 characters, no space, ':' or control, not 'admin' (see 'sockbox udp-chat --help')"
	run -2 --separate-stderr chat serve --timeout 1
	assert_equal "$stderr" "sockbox udp-chat: invalid --timeout '1': expected 0 or 3 seconds and more (heartbeats come every third) (see 'sockbox udp-chat --help')"
	run -2 --separate-stderr chat serve --rate 5/min
	assert_equal "$stderr" "sockbox udp-chat: invalid --rate '5/min': expected messages per second, such as 20/s (see 'sockbox udp-chat --help')"
}

# ---- serve and join on loopback ----

@test "udp-chat: members get join notices, each other's messages and leave notices; the server prints every event" {
	chat_serve
	member bob
	member alice
	say alice "hello, bob"
	got bob $'alice joined\nalice: hello, bob'
	say bob "hi alice"
	got alice 'bob: hi alice'
	part alice
	ended "$PID_alice"
	got bob $'alice joined\nalice: hello, bob\nalice left'
	run sed -E 's/127\.0\.0\.1:[0-9]+/ADDR/' "$SERVER_OUT"
	assert_output "join ADDR bob
join ADDR alice
message ADDR alice hello, bob
message ADDR bob hi alice
leave ADDR alice"
}

@test "udp-chat join in a pipeline posts each line, leaves at EOF and exits 0 (the cron case)" {
	chat_serve
	member watcher
	run -0 --separate-stderr chat join -n cron "127.0.0.1:$PORT" <<<$'backup done\ndisk 80%'
	assert_equal "$stderr" ""
	got watcher $'cron joined\ncron: backup done\ncron: disk 80%\ncron left'
}

@test "udp-chat works over IPv6 (::1)" {
	serve sockbox udp-chat serve -6 -p 0
	grep -qx "sockbox udp-chat: listening on \[::1\]:$PORT" "$SERVER_ERR"
	member six "[::1]:$PORT"
	run -0 chat join -n v6 "[::1]:$PORT" <<<"over IPv6"
	got six $'v6 joined\nv6: over IPv6\nv6 left'
}

@test "udp-chat W lists the members in join order; --json gives the client's events" {
	chat_serve
	member alice
	member bob
	run -0 --separate-stderr chat join -n carol --json "127.0.0.1:$PORT" <<<"/who"
	assert_output '{"event":"ok","from":"127.0.0.1:'"$PORT"'","version":2,"heartbeat":0}
{"event":"members","from":"127.0.0.1:'"$PORT"'","names":["alice","bob","carol"]}
{"event":"exit","from":"127.0.0.1:'"$PORT"'"}'
}

@test "udp-chat serve: each stdin line goes to every member as admin; --json events carry the source" {
	mkfifo "$TMP/console"
	exec {console}<>"$TMP/console"
	MEMBER_FDS+=("$console")
	serve_stdin "$TMP/console" --json
	member alice
	echo "maintenance at noon" >&"$console"
	got alice 'admin: maintenance at noon'
	run jq -c '[.event, .name, .text, (.source | test("^(127\\.0\\.0\\.1:[0-9]+|-)$"))]' "$SERVER_OUT"
	assert_output '["join","alice",null,true]
["announce","admin","maintenance at noon",true]'
}

# ---- refusals ----

@test "udp-chat join with a name taken exits 1 with the server's reason" {
	chat_serve
	member alice
	run -1 --separate-stderr chat join -n alice "127.0.0.1:$PORT" </dev/null
	assert_equal "$stderr" "sockbox udp-chat: join 127.0.0.1:$PORT as alice: name taken"
	assert_output ""
}

@test "udp-chat join as admin is refused (reserved name), locally and by the server" {
	chat_serve
	run -2 --separate-stderr chat join -n Admin "127.0.0.1:$PORT"
	assert_equal "$stderr" "sockbox udp-chat: invalid --name 'Admin': expected 1-32 characters, no space, ':' or control, not 'admin' (see 'sockbox udp-chat --help')"
	run -0 python3 "$PEER" spoof 127.0.0.1 "$PORT" "L ADMIN"
	assert_output "ERR name reserved"
}

@test "udp-chat join to a port nobody listens on: Connection refused, exit 1" {
	port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run -1 --separate-stderr chat join -n alice "127.0.0.1:$port" </dev/null
	assert_equal "$stderr" "sockbox udp-chat: receive from 127.0.0.1:$port: Connection refused"
}

@test "udp-chat join to a server that never answers gives up after --timeout, retrying with backoff, exit 1" {
	python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(30)' "$TMP/silent" &
	track_pid $!
	wait_for_file "$TMP/silent"
	port=$(cat "$TMP/silent")
	run -1 --separate-stderr chat join -n alice --timeout 1 -v "127.0.0.1:$port" </dev/null
	[[ $stderr == *"sent L alice to 127.0.0.1:$port (try 3)"* ]] || fail "$stderr"
	assert_equal "${stderr##*$'\n'}" "sockbox udp-chat: join 127.0.0.1:$port: no answer within 1 s (3 tries)"
}

# ---- the course's client and server ----

@test "udp-chat: the course's python3 client chats through our server with our client" {
	chat_serve
	member alice
	run -0 python3 "$BATS_TEST_DIRNAME/udp-chat/course_client.py" bob 127.0.0.1 "$PORT" <<<"hello from the course"
	got alice $'bob joined\nbob: hello from the course\nbob left'
	say alice "too late"
	has_event '^leave [^ ]+ bob$'
}

@test "udp-chat: our client chats through the course's python3 server (OK without fields)" {
	mkfifo "$TMP/console"
	exec {console}<>"$TMP/console"
	MEMBER_FDS+=("$console")
	(closing_fds python3 "$BATS_TEST_DIRNAME/udp-chat/course_server.py" "$TMP/course.port") <"$TMP/console" >/dev/null &
	track_pid $!
	wait_for_file "$TMP/course.port"
	port=$(cat "$TMP/course.port")
	mkfifo "$TMP/a.in"
	exec {afd}<>"$TMP/a.in"
	MEMBER_FDS+=("$afd")
	(closing_fds "$SOCKBOX" udp-chat join -n alice -v "127.0.0.1:$port") <"$TMP/a.in" >"$TMP/a.out" 2>"$TMP/a.err" &
	apid=$! aout=$TMP/a.out aerr=$TMP/a.err
	track_pid "$apid"
	wait_until 5 grep -q "joined 127.0.0.1:$port as alice: protocol 1, heartbeat every 0 s" "$aerr"
	run -0 chat join -n bob "127.0.0.1:$port" <<<"hi from sockbox"
	echo "from the course's operator" >&"$console"
	OUT_course=$aout
	got course $'bob joined\nbob: hi from sockbox\nbob left\nadmin: from the course\'s operator'
	exec {afd}>&-
	ended "$apid"
}

# ---- spoofing, limits, hostile peers ----

@test "udp-chat drops a C and a Q naming alice from another address, unanswered and counted" {
	chat_serve
	member alice
	member bob
	run -0 python3 "$PEER" spoof 127.0.0.1 "$PORT" "C alice I am alice"
	assert_output "no reply"
	run -0 python3 "$PEER" spoof 127.0.0.1 "$PORT" "Q alice"
	assert_output "no reply"
	say alice "the real alice"
	got bob 'alice: the real alice'
	run grep -c '^drop [^ ]* alice spoofed$' "$SERVER_OUT"
	assert_output 2
	kill -USR1 "$SERVER_PID"
	wait_until 5 grep -q "dropped 2 spoofed" "$SERVER_ERR"
}

@test "udp-chat answers each hostile datagram with the documented reply and stays up" {
	chat_serve
	run -0 python3 "$PEER" hostile 127.0.0.1 "$PORT"
	assert_output "70000 bytes: EMSGSIZE
65507 bytes: ERR too long (max 1200 bytes)
1201 bytes: ERR too long (max 1200 bytes)
empty: ERR bad request
unknown verb: ERR bad request
invalid UTF-8: ERR invalid UTF-8
name with newline: ERR invalid name
name of 33 characters: ERR invalid name
admin: ERR name reserved
message before joining: ERR not joined
join: OK 2 0
control character: ERR control character in text
second name, same address: ERR address already joined
leave: EXIT"
	run grep -c '^refuse ' "$SERVER_OUT"
	assert_output 11
	grep -q '^refuse 127.0.0.1:[0-9]* al\\nice invalid name$' "$SERVER_OUT"
	kill -0 "$SERVER_PID"
}

@test "udp-chat: 10,000 joins from distinct ports against --max-members 100: 100 OK, the rest room full, memory bounded" {
	chat_serve --max-members 100 --rcvbuf 4M
	rss_before=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
	run -0 python3 "$PEER" flood 127.0.0.1 "$PORT" 10000
	assert_output "ERR room full: 9900
OK 2 0: 100"
	rss_after=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
	(( rss_after - rss_before < 2048 )) || fail "RSS grew from $rss_before to $rss_after KiB"
}

@test "udp-chat --rate 5/s passes a burst of 5 messages and drops the rest, counted" {
	chat_serve --rate 5/s
	run -0 python3 "$PEER" rate 127.0.0.1 "$PORT" 20
	assert_output "slow got 5 of 20"
	stop_pid "$SERVER_PID"
	assert_equal "$STOP_STATUS" 0
	grep -q "dropped 0 spoofed, 15 over --rate, 0 in the receive queue" "$SERVER_ERR"
}

@test "udp-chat: 10 members x 1,000 messages under the rate limit: each gets the other 9,000, in order, no queue drops" {
	chat_serve --rate 2000/s --rcvbuf 4M
	run -0 python3 "$PEER" load 127.0.0.1 "$PORT" 10 1000
	assert_line "out of order: 0"
	for i in 0 1 2 3 4 5 6 7 8 9; do assert_line "m$i received 9000"; done
	stop_pid "$SERVER_PID"
	grep -q "10000 messages, 0 announcements; 90055 deliveries" "$SERVER_ERR"
	grep -q "0 over --rate, 0 in the receive queue" "$SERVER_ERR"
}

@test "udp-chat --timeout removes a member killed with SIGKILL, keeps one that heartbeats" {
	chat_serve --timeout 3
	member alive
	member doomed
	kill -KILL "$PID_doomed"
	wait_until 8 has_event '^timeout [^ ]+ doomed$' || fail "doomed was never removed"
	got alive $'doomed joined\ndoomed left (timeout)'
	if has_event '^timeout [^ ]+ alive$'; then fail "removed a member that heartbeats"; fi
}

@test "udp-chat serve: SIGUSR1 prints the counters, SIGTERM the same line and exit 0; --pid-file; --duration ends it" {
	serve sockbox udp-chat serve -p 0 --pid-file "$TMP/pid"
	assert_equal "$(cat "$TMP/pid")" "$SERVER_PID"
	kill -USR1 "$SERVER_PID"
	line="sockbox udp-chat: 0 members; received 0 datagrams: 0 joins, 0 leaves, 0 timeouts, 0 messages, 0 announcements; 0 deliveries in 0 send calls, 0 failed; dropped 0 spoofed, 0 over --rate, 0 in the receive queue; refused 0"
	wait_until 5 grep -qxF "$line" "$SERVER_ERR"
	stop_pid "$SERVER_PID"
	assert_equal "$STOP_STATUS" 0
	assert_equal "$(grep -cxF "$line" "$SERVER_ERR")" 2
	assert_file_not_exists "$TMP/pid"
	run -0 --separate-stderr chat serve -p 0 --duration 0.2 </dev/null
	assert_equal "${stderr##*$'\n'}" "$line"
}

# ---- three namespaces joined by a bridge (root) ----

# make_ns NAME: a namespace with lo up, removed in teardown.  Sets NS.
make_ns() {
	NS="$NS_TAG-$1"
	ip netns add "$NS" || fail "ip netns add $NS"
	NAMESPACES+=("$NS")
	ip -n "$NS" link set lo up
}

# on_bridge NS ADDR: a veth from NS (eth0, ADDR/24) to the bridge's namespace.
on_bridge() {
	local port="p${#NAMESPACES[@]}"
	ip link add eth0 netns "$1" type veth peer name "$port" netns "$BR" || fail "ip link add veth"
	ip -n "$BR" link set "$port" master br0 up
	ip -n "$1" addr add "$2/24" dev eth0
	ip -n "$1" link set eth0 up
	wait_until 10 eval "ip -n '$1' link show dev eth0 | grep -q 'state UP'" || fail "eth0 in $1 never came up"
}

# room: namespaces a (the server, 10.202.0.1), b and c, each with a veth
# to a bridge in a fourth namespace; nothing is made in the host's.
room() {
	require_root "network namespaces, veth pairs and a bridge"
	make_ns br; BR=$NS
	ip -n "$BR" link add br0 type bridge || fail "ip link add bridge"
	ip -n "$BR" link set br0 up
	make_ns a; A=$NS; on_bridge "$A" 10.202.0.1
	make_ns b; B=$NS; on_bridge "$B" 10.202.0.2
	make_ns c; C=$NS; on_bridge "$C" 10.202.0.3
}

@test "udp-chat across three namespaces: notices, messages, W, admin, a name taken, a spoofed C dropped, a SIGKILLed member timed out" {
	room
	mkfifo "$TMP/console"
	exec {console}<>"$TMP/console"
	MEMBER_FDS+=("$console")
	IN_NS=(ip netns exec "$A")
	serve_stdin "$TMP/console" -b 0.0.0.0 --timeout 3
	IN_NS=(ip netns exec "$B")
	member bob 10.202.0.1:$PORT
	IN_NS=(ip netns exec "$C")
	member carol 10.202.0.1:$PORT
	IN_NS=()
	say bob "hello from b"
	got carol 'bob: hello from b'
	run -0 ip netns exec "$C" "$SOCKBOX" udp-chat join -n dave "10.202.0.1:$PORT" <<<"/who"
	assert_output "MEMBERS bob carol dave"
	run -1 --separate-stderr ip netns exec "$C" "$SOCKBOX" udp-chat join -n bob "10.202.0.1:$PORT" </dev/null
	assert_equal "$stderr" "sockbox udp-chat: join 10.202.0.1:$PORT as bob: name taken"
	run -0 ip netns exec "$C" python3 "$PEER" spoof 10.202.0.1 "$PORT" "C bob I am bob"
	assert_output "no reply"
	grep -q '^drop 10.202.0.3:[0-9]* bob spoofed$' "$SERVER_OUT"
	echo "the room closes at six" >&"$console"
	got carol $'bob: hello from b\ndave joined\ndave left\nadmin: the room closes at six'
	kill -KILL "$PID_bob"
	wait_until 8 has_event '^timeout 10.202.0.2:[0-9]+ bob$' || fail "bob was never removed"
	got carol $'bob: hello from b\ndave joined\ndave left\nadmin: the room closes at six\nbob left (timeout)'
	if has_event '^timeout [^ ]+ carol$'; then fail "removed a member that heartbeats"; fi
}

# ---- serverless: a multicast group (root) ----

@test "udp-chat join --group: two peers in two namespaces chat with no server; a name held is TAKEN within 300 ms" {
	room
	ip -n "$B" route add 224.0.0.0/4 dev eth0
	ip -n "$C" route add 224.0.0.0/4 dev eth0
	: >"$TMP/server.out"
	SERVER_OUT=$TMP/server.out
	IN_NS=(ip netns exec "$B")
	mkfifo "$TMP/alice.in"
	exec {afd}<>"$TMP/alice.in"
	MEMBER_FDS+=("$afd")
	(closing_fds ip netns exec "$B" "$SOCKBOX" udp-chat join -v -n alice --group 239.7.7.7 -p 9999) \
		<"$TMP/alice.in" >"$TMP/alice.out" 2>"$TMP/alice.err" &
	apid=$!
	track_pid "$apid"
	wait_until 5 grep -q "no peer answered T alice within 300 ms" "$TMP/alice.err" || fail "alice never joined the group"
	run -0 --separate-stderr ip netns exec "$C" "$SOCKBOX" udp-chat join -n bob --group 239.7.7.7 -p 9999 <<<"hello, group"
	OUT_alice=$TMP/alice.out
	got alice $'bob joined\nbob: hello, group\nbob left'
	t0=$(date +%s%N)
	run -1 --separate-stderr ip netns exec "$C" "$SOCKBOX" udp-chat join -n alice --group 239.7.7.7 -p 9999 </dev/null
	t1=$(date +%s%N)
	assert_equal "$stderr" "sockbox udp-chat: join group 239.7.7.7:9999 as alice: name taken"
	(( (t1 - t0) / 1000000 < 2000 )) || fail "took $(( (t1 - t0) / 1000000 )) ms"
	exec {afd}>&-
	wait_exit "$apid" 5 || fail "alice did not leave at the end of her input"
}
