#!/usr/bin/env bats
# udp-broadcast: datagrams on loopback (any user), and broadcast, multicast
# and discovery across network namespaces joined by veth pairs that each
# test creates and removes (root; skipped, saying so, otherwise).

load helper

setup() {
	common_setup
	NAMESPACES=()
	# unique per test run: parallel runs of this suite never share a namespace
	NS_TAG="sbub-$BASHPID-$RANDOM-$BATS_TEST_NUMBER"
}

teardown() {
	common_teardown
	local ns
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

ub() { "$SOCKBOX" udp-broadcast "$@"; }

# in_ns NS CMD...: runs CMD inside the network namespace NS.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# make_ns NAME: a namespace with lo up and IPv6 duplicate address detection
# off (addresses usable at once); removed in teardown.  Sets NS.
make_ns() {
	NS="$NS_TAG-$1"
	ip netns add "$NS" || fail "ip netns add $NS"
	NAMESPACES+=("$NS")
	ip -n "$NS" link set lo up
	in_ns "$NS" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
}

# link_ready NS IF: the interface is up with carrier and has its IPv6
# link-local address (the kernel adds it once the carrier is seen, which
# may take up to a second after `ip link set up`).
link_ready() {
	ip -n "$1" link show dev "$2" | grep -q 'state UP' &&
		ip -n "$1" -6 addr show dev "$2" scope link | grep -q 'inet6 fe80'
}

# join NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair between two namespaces,
# created inside them (no name ever exists in the host's namespace), with
# an address on each end, both ends up and ready.
join() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || fail "ip link add veth"
	ip -n "$1" addr add "$3" dev "$2"
	ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
	wait_until 10 link_ready "$1" "$2" || fail "$2 in $1 never came up"
	wait_until 10 link_ready "$4" "$5" || fail "$5 in $4 never came up"
}

# pair: namespaces A and B joined by ub0 <-> ub0, 10.201.0.1/24 and 10.201.0.2/24.
pair() {
	require_root "network namespaces and veth pairs"
	make_ns a; A=$NS
	make_ns b; B=$NS
	join "$A" ub0 10.201.0.1/24 "$B" ub0 10.201.0.2/24
}

# ended PID [STATUS]: waits (bounded) for PID, our child, to end by itself
# and checks its exit status (default 0).
ended() {
	local status=0
	wait_exit "$1" 10 || fail "process $1 did not end"
	wait "$1" || status=$?
	assert_equal "$status" "${2:-0}"
}

# listener_done: the last server started ended by itself, with status 0.
listener_done() { ended "$SERVER_PID"; }

summary() { echo "sockbox udp-broadcast: received $1 datagrams ($2 bytes), $3 truncated, $4 replies sent"; }

# ---- on loopback, any user ----

@test "udp-broadcast send to 127.0.0.1 is printed by a listener as SOURCE:PORT<TAB>payload" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1
	run -0 --separate-stderr ub send --to 127.0.0.1 -b 127.0.0.1:0 -p "$PORT" "hello there"
	assert_equal "$stderr" ""
	listener_done
	run cat "$SERVER_OUT"
	assert_output --regexp $'^127\\.0\\.0\\.1:[0-9]+\thello there$'
	assert_equal "$(cat "$SERVER_ERR")" "sockbox udp-broadcast: listening on 0.0.0.0:$PORT
$(summary 1 11 0 0)"
}

@test "udp-broadcast keeps datagram boundaries: each stdin line is one datagram, printed on its own line" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 4
	printf 'one\ntwo\n\nfour without newline' | ub send --to "127.0.0.1:$PORT"
	listener_done
	run cut -f2 "$SERVER_OUT"
	assert_output $'one\ntwo\n\nfour without newline'
}

@test "udp-broadcast send of an empty MESSAGE is an empty datagram" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --json
	run -0 ub send --to 127.0.0.1 -p "$PORT" ''
	listener_done
	run jq -c '[.length, .payload]' "$SERVER_OUT"
	assert_output '[0,""]'
}

@test "udp-broadcast escapes every non-printable byte of a payload sent by python3" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1
	python3 -c 'import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(bytes(range(256)), ("127.0.0.1", int(sys.argv[1])))' "$PORT"
	listener_done
	expected=$(python3 -c '
out = []
for b in range(256):
    c = chr(b)
    if c == "\\": out.append("\\\\")
    elif c == "\t": out.append("\\t")
    elif c == "\n": out.append("\\n")
    elif c == "\r": out.append("\\r")
    elif 0x20 <= b < 0x7f: out.append(c)
    else: out.append("\\x%02x" % b)
print("".join(out))')
	run cut -f2- "$SERVER_OUT"
	assert_output "$expected"
	assert_equal "$(wc -l <"$SERVER_OUT")" 1
}

@test "udp-broadcast --json gives every byte back to a JSON reader (python3)" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --json
	python3 -c 'import socket,sys; socket.socket().close(); s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(bytes(range(256)), ("127.0.0.1", int(sys.argv[1])))' "$PORT"
	listener_done
	run -0 python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read())
assert r["payload"].encode("latin-1") == bytes(range(256)), r["payload"]
assert r["length"] == 256 and r["truncated"] is False
assert r["source"] == "127.0.0.1" and r["destination"] == "127.0.0.1"
assert r["kind"] == "unicast" and r["interface"] == "lo", r
print("ok")' "$SERVER_OUT"
	assert_output ok
}

@test "udp-broadcast --raw writes a socat datagram byte for byte" {
	head -c 4000 /dev/urandom >"$TMP/blob"
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --raw
	socat -u "FILE:$TMP/blob" "UDP-SENDTO:127.0.0.1:$PORT"
	listener_done
	cmp "$TMP/blob" "$SERVER_OUT"
}

@test "udp-broadcast send --raw sends stdin as one datagram, byte for byte" {
	head -c 9000 /dev/urandom >"$TMP/blob"
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --raw
	run -0 ub send --raw --to 127.0.0.1 -p "$PORT" <"$TMP/blob"
	listener_done
	cmp "$TMP/blob" "$SERVER_OUT"
}

@test "udp-broadcast reports a datagram longer than --max-size instead of cutting it silently" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 2 --max-size 100
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.sendto(b"A" * 300, ("127.0.0.1", int(sys.argv[1]))); s.sendto(b"small", ("127.0.0.1", int(sys.argv[1])))' "$PORT" >"$TMP/sport"
	listener_done
	sport=$(cat "$TMP/sport")
	assert_equal "$(cat "$SERVER_OUT")" "127.0.0.1:$sport	$(printf 'A%.0s' $(seq 100))
127.0.0.1:$sport	small"
	assert_equal "$(cat "$SERVER_ERR")" "sockbox udp-broadcast: listening on 0.0.0.0:$PORT
sockbox udp-broadcast: receive from 127.0.0.1:$sport: datagram of 300 bytes truncated to 100 (--max-size)
$(summary 2 305 1 0)"
}

@test "udp-broadcast --json says a datagram was truncated and how long it really was" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --max-size 10 --json
	python3 -c 'import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"0123456789abcdef", ("127.0.0.1", int(sys.argv[1])))' "$PORT"
	listener_done
	run jq -c '[.length, .truncated, .payload]' "$SERVER_OUT"
	assert_output '[16,true,"0123456789"]'
}

@test "udp-broadcast listen --reply answers, and send --wait prints each reply" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --reply "pong"
	run -0 --separate-stderr ub send --to 127.0.0.1 -p "$PORT" --wait 0.5 ping
	assert_output "127.0.0.1:$PORT	pong"
	assert_equal "$stderr" ""
	listener_done
	assert_equal "$(tail -n 1 "$SERVER_ERR")" "$(summary 1 4 0 1)"
}

@test "udp-broadcast send --wait --json prints replies as JSON" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --reply "here"
	run -0 ub send --to 127.0.0.1 -p "$PORT" --wait 0.5 --json who
	run jq -r '"\(.source) \(.port) \(.payload) \(.kind)"' <<<"$output"
	assert_output "127.0.0.1 $PORT here unicast"
	listener_done
}

@test "udp-broadcast send --wait with nobody answering exits 3" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 1
	run -3 --separate-stderr ub send --to 127.0.0.1 -p "$PORT" --wait 0.2 anyone
	assert_output ""
	assert_equal "$stderr" "sockbox udp-broadcast: no reply within 0.2 s"
	listener_done
}

@test "udp-broadcast --interval with --count sends a beacon of exactly N datagrams" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -t 2
	run -0 ub send --to 127.0.0.1 -p "$PORT" --interval 0.05 --count 3 beacon
	listener_done
	run cut -f2 "$SERVER_OUT"
	assert_output $'beacon\nbeacon\nbeacon'
}

@test "udp-broadcast send --interval beacons until SIGTERM, then exits 0" {
	serve "$SOCKBOX" udp-broadcast listen -p 0
	bg "$SOCKBOX" udp-broadcast send --to 127.0.0.1 -p "$PORT" --interval 0.05 tick
	wait_until 10 eval '[ "$(wc -l <"$SERVER_OUT")" -ge 3 ]'
	stop_pid "$BG_PID"
	assert_equal "$STOP_STATUS" 0
	assert_equal "$(cat "$BG_ERR")" ""
	run sort -u <(cut -f2 "$SERVER_OUT")
	assert_output tick
}

@test "udp-broadcast listen prints its counters on SIGUSR1 and goes on" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 -c 2
	ub send --to 127.0.0.1 -p "$PORT" first
	wait_until 5 grep -q first "$SERVER_OUT"
	kill -USR1 "$SERVER_PID"
	wait_until 5 grep -q "received 1 datagrams" "$SERVER_ERR"
	ub send --to 127.0.0.1 -p "$PORT" second
	listener_done
	assert_equal "$(cat "$SERVER_ERR")" "sockbox udp-broadcast: listening on 0.0.0.0:$PORT
$(summary 1 5 0 0)
$(summary 2 11 0 0)"
}

@test "udp-broadcast listen --timeout ends an idle listener with status 0 and no output" {
	run -0 --separate-stderr ub listen -p 0 -t 0.2
	assert_output ""
	assert_equal "${stderr_lines[1]}" "$(summary 0 0 0 0)"
}

@test "udp-broadcast listen ends cleanly on SIGTERM with its summary, and removes its pid file" {
	serve "$SOCKBOX" udp-broadcast listen -p 0 --pid-file "$TMP/pid"
	wait_for_file "$TMP/pid"
	assert_equal "$(cat "$TMP/pid")" "$SERVER_PID"
	ub send --to 127.0.0.1 -p "$PORT" one
	wait_until 5 grep -q one "$SERVER_OUT"
	stop_pid "$SERVER_PID"
	assert_equal "$STOP_STATUS" 0
	assert_equal "$(tail -n 1 "$SERVER_ERR")" "$(summary 1 3 0 0)"
	assert_file_not_exists "$TMP/pid"
}

@test "udp-broadcast listen --duration ends it by itself" {
	run -0 --separate-stderr ub listen -p 0 --duration 0.2
	assert_output ""
}

@test "udp-broadcast works over IPv6 on ::1" {
	serve "$SOCKBOX" udp-broadcast listen -6 -p 0 -c 1
	run -0 ub send --to ::1 -p "$PORT" six
	listener_done
	run cat "$SERVER_OUT"
	assert_output --regexp $'^\\[::1\\]:[0-9]+\tsix$'
	assert_equal "$(head -n 1 "$SERVER_ERR")" "sockbox udp-broadcast: listening on [::]:$PORT"
}

@test "udp-broadcast -v narrates on stderr and leaves stdout unchanged" {
	serve "$SOCKBOX" udp-broadcast listen -v -p 0 -c 1
	run -0 --separate-stderr ub send -v --to 127.0.0.1 -p "$PORT" quiet
	assert_output ""
	[[ $stderr == *"sent 5 bytes to 127.0.0.1:$PORT (unicast)"* ]]
	[[ $stderr == *"SO_BROADCAST on"* ]]
	listener_done
	run cut -f2 "$SERVER_OUT"
	assert_output quiet
	grep -q "IP_PKTINFO on" "$SERVER_ERR"
	grep -qE "datagram of 5 bytes from 127\.0\.0\.1:[0-9]+ to 127\.0\.0\.1 \(unicast\) on lo" "$SERVER_ERR"
}

@test "udp-broadcast listen reports a failed write to stdout and exits 1" {
	pf=$TMP/pf
	"$SOCKBOX" udp-broadcast listen -p 0 -c 1 --port-file "$pf" >/dev/full 2>"$TMP/err" &
	pid=$!
	track_pid "$pid"
	wait_for_file "$pf"
	ub send --to 127.0.0.1 -p "$(cat "$pf")" x
	ended "$pid" 1
	assert_equal "$(sed -n 2p "$TMP/err")" "sockbox udp-broadcast: write stdout: No space left on device"
}

@test "udp-broadcast send refuses a stdin line no datagram can hold" {
	run -1 --separate-stderr bash -c 'head -c 70000 /dev/zero | tr "\0" a | "$SOCKBOX" udp-broadcast send --to 127.0.0.1 -p 9'
	assert_equal "$stderr" "sockbox udp-broadcast: read stdin: a line longer than 65536 bytes: one datagram cannot hold it"
}

@test "udp-broadcast send --raw reports a payload the kernel will not send as one datagram" {
	run -1 --separate-stderr bash -c 'head -c 65508 /dev/zero | "$SOCKBOX" udp-broadcast send --raw --to 127.0.0.1 -p 9'
	assert_equal "$stderr" "sockbox udp-broadcast: send to 127.0.0.1:9: Message too long"
}

@test "udp-broadcast send to an unknown interface exits 1" {
	run -1 --separate-stderr ub send -i no-such-if0 x
	assert_equal "$stderr" "sockbox udp-broadcast: interface no-such-if0: No such device"
}

@test "udp-broadcast send -i lo exits 1: the loopback has no broadcast address" {
	run -1 --separate-stderr ub send -i lo x
	assert_equal "$stderr" "sockbox udp-broadcast: interface lo: no IPv4 broadcast address"
}

@test "udp-broadcast bad arguments exit 2 with exact messages" {
	h=" (see 'sockbox udp-broadcast --help')"
	p="sockbox udp-broadcast:"
	check() { local want=$1; shift; run -2 --separate-stderr ub "$@"; assert_output ""; assert_equal "$stderr" "$p $want$h"; }
	check "missing command: send or listen"
	check "unknown command 'shout': send or listen" shout
	check "unexpected operand 'b' (quote a MESSAGE that has spaces)" send a b
	check "unexpected operand 'x'" listen x
	check "--to goes with 'send', not 'listen'" listen --to 1.2.3.4
	check "--reply goes with 'listen', not 'send'" send --reply x msg
	check "--port-file goes with 'listen', not 'send'" send --port-file f msg
	check "unknown option '--backlog'" listen --backlog 5
	check "--raw and --json are exclusive" listen --raw --json
	check "unknown option '--max-conns'" listen --max-conns 1
	check "--to and --group are exclusive: give one destination" send --to 10.0.0.255 -g 239.1.1.1 x
	check "--all-interfaces chooses destinations and interfaces itself: drop --to" send --all-interfaces --to 10.0.0.1 x
	check "--loop is for multicast: give --group" send --loop x
	check "--interval repeats a MESSAGE: give one as an operand" send --interval 1
	check "--count repeats a MESSAGE: give one as an operand" send -c 2
	check "IPv6 has no broadcast: give --group (ff02::1 is every node on the link) or --to" send -6 x
	check "invalid --count '0': expected a whole number from 1" listen -c 0
	check "invalid --timeout 'soon': expected seconds, such as 2 or 0.5" listen -t soon
	check "invalid --interval '0': expected seconds, such as 2 or 0.5" send --interval 0 x
	check "invalid --wait '-1': expected seconds, such as 2 or 0.5" send -w -1 x
	check "invalid --ttl '256': expected 0-255" send --ttl 256 x
	check "invalid --max-size '65537': expected a size from 1 to 64K" listen --max-size 65537
	check "invalid --port '70000': expected 0-65535" listen -p 70000
	check "invalid --to 'unix:/tmp/x': expected ADDR, ADDR:PORT or [V6]:PORT" send --to unix:/tmp/x x
	check "--to '10.0.0.1:5' has a port and so has -p: give one" send --to 10.0.0.1:5 -p 6 x
	check "invalid --group '10.0.0.1': not a multicast address (224.0.0.0/4 or ff00::/8)" send -g 10.0.0.1 x
	check "invalid --group '239.1.1.1:80': expected a multicast address, such as 239.1.2.3 or ff02::1234" listen -g 239.1.1.1:80
}

@test "udp-broadcast options marked send: or listen: in --help are refused by the other command" {
	while IFS=$'\037' read -r short long arg help; do
		case $help in
		send:*) other=listen; own=send ;;
		listen:*) other=send; own=listen ;;
		*) continue ;;
		esac
		args=("$long")
		[ -z "$arg" ] || args+=(1)
		run -2 --separate-stderr ub "$other" "${args[@]}"
		assert_equal "$stderr" "sockbox udp-broadcast: $long goes with '$own', not '$other' (see 'sockbox udp-broadcast --help')"
	done < <(ub --list-options | tr '\t' '\037')
}

@test "udp-broadcast lists its commands for --help and the completions" {
	run -0 ub --list-commands
	assert_output $'send\nlisten'
	run -0 ub --help
	assert_line "Commands: send listen"
	grep -q "send listen" "$ROOT/completions/sockbox.bash"
}

# ---- across network namespaces (root) ----

@test "udp-broadcast: a directed broadcast sent in one namespace is printed by a listener in the other" {
	pair
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1
	run -0 --separate-stderr in_ns "$A" "$SOCKBOX" udp-broadcast send -b 10.201.0.1:5555 -i ub0 -p "$PORT" hello
	assert_equal "$stderr" ""
	listener_done
	assert_equal "$(cat "$SERVER_OUT")" "10.201.0.1:5555	hello"
	assert_equal "$(cat "$SERVER_ERR")" "sockbox udp-broadcast: listening on 0.0.0.0:$PORT
$(summary 1 5 0 0)"
}

@test "udp-broadcast: the limited broadcast leaves through -i, and without a route it is unreachable" {
	pair
	run -1 --separate-stderr in_ns "$A" "$SOCKBOX" udp-broadcast send -p 9 nowhere
	assert_equal "$stderr" "sockbox udp-broadcast: send to 255.255.255.255:9: Network is unreachable"
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --json
	run -0 in_ns "$A" "$SOCKBOX" udp-broadcast send -i ub0 --to 255.255.255.255 -p "$PORT" everyone
	listener_done
	run jq -c '[.destination, .kind, .interface, .payload]' "$SERVER_OUT"
	assert_output '["255.255.255.255","broadcast","ub0","everyone"]'
}

@test "udp-broadcast: a listener on another port sees nothing" {
	pair
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1
	port1=$PORT pid1=$SERVER_PID out1=$SERVER_OUT
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -t 1.5
	kill -0 "$SERVER_PID"
	run -0 in_ns "$A" "$SOCKBOX" udp-broadcast send -i ub0 -p "$port1" "for port $port1 only"
	listener_done
	assert_equal "$(cat "$SERVER_OUT")" ""
	assert_equal "$(tail -n 1 "$SERVER_ERR")" "$(summary 0 0 0 0)"
	ended "$pid1"
	assert_equal "$(cut -f2 "$out1")" "for port $port1 only"
}

@test "udp-broadcast: a listener bound to 127.0.0.1 or to a unicast address never sees a broadcast" {
	pair
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1
	port=$PORT wild_out=$SERVER_OUT wild_pid=$SERVER_PID
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -b 127.0.0.1 -p "$port" -t 1
	lo_pid=$SERVER_PID lo_out=$SERVER_OUT
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -b 10.201.0.2 -p "$port" -t 1
	run -0 in_ns "$A" "$SOCKBOX" udp-broadcast send -i ub0 -p "$port" "to all"
	listener_done
	assert_equal "$(cat "$SERVER_OUT")" ""
	ended "$lo_pid"
	assert_equal "$(cat "$lo_out")" ""
	ended "$wild_pid"
	assert_equal "$(cut -f2 "$wild_out")" "to all"
}

@test "udp-broadcast --json says where each datagram was going: directed, limited broadcast, unicast" {
	pair
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 3 --json
	in_ns "$A" "$SOCKBOX" udp-broadcast send -i ub0 -p "$PORT" directed
	in_ns "$A" "$SOCKBOX" udp-broadcast send -i ub0 --to 255.255.255.255 -p "$PORT" limited
	in_ns "$A" "$SOCKBOX" udp-broadcast send --to 10.201.0.2 -p "$PORT" unicast
	listener_done
	run jq -c 'del(.port)' "$SERVER_OUT"
	assert_output '{"source":"10.201.0.1","length":8,"payload":"directed","truncated":false,"interface":"ub0","destination":"10.201.0.255","kind":"broadcast"}
{"source":"10.201.0.1","length":7,"payload":"limited","truncated":false,"interface":"ub0","destination":"255.255.255.255","kind":"broadcast"}
{"source":"10.201.0.1","length":7,"payload":"unicast","truncated":false,"interface":"ub0","destination":"10.201.0.2","kind":"unicast"}'
	run jq -e 'select(.port | type == "number" and . > 0 and . < 65536)' "$SERVER_OUT"
}

@test "udp-broadcast --all-interfaces --wait collects the replies of listeners behind two interfaces" {
	require_root "network namespaces and veth pairs"
	make_ns a; A=$NS
	make_ns b; B=$NS
	make_ns c; C=$NS
	join "$A" ub1 10.201.1.1/24 "$B" ub0 10.201.1.2/24
	join "$A" ub2 10.201.2.1/24 "$C" ub0 10.201.2.2/24
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --reply "b here"
	port=$PORT
	serve in_ns "$C" "$SOCKBOX" udp-broadcast listen -p "$port" -c 1 --reply "c here"
	run -0 --separate-stderr in_ns "$A" "$SOCKBOX" udp-broadcast send -v --all-interfaces -p "$port" --wait 1 "who is there?"
	run sort <<<"$output"
	assert_output "10.201.1.2:$port	b here
10.201.2.2:$port	c here"
	[[ $stderr == *"sent 13 bytes to 10.201.1.255:$port (directed broadcast) through ub1"* ]]
	[[ $stderr == *"sent 13 bytes to 10.201.2.255:$port (directed broadcast) through ub2"* ]]
	listener_done
}

@test "udp-broadcast --all-interfaces with no interface that can broadcast exits 1" {
	require_root "network namespaces"
	make_ns lonely
	run -1 --separate-stderr in_ns "$NS" "$SOCKBOX" udp-broadcast send --all-interfaces x
	assert_equal "$stderr" "sockbox udp-broadcast: send: no interface can broadcast (none is up with an IPv4 broadcast address)"
}

@test "udp-broadcast: an IPv4 multicast group sent through -i reaches a listener that joined it" {
	pair
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1 -g 239.255.7.7 -i ub0 --json --reply ack
	run -0 --separate-stderr in_ns "$A" "$SOCKBOX" udp-broadcast send -g 239.255.7.7 -i ub0 -p "$PORT" --wait 0.5 group-hello
	assert_output "10.201.0.2:$PORT	ack"
	listener_done
	run jq -c '[.source, .destination, .kind, .interface, .payload]' "$SERVER_OUT"
	assert_output '["10.201.0.1","239.255.7.7","multicast","ub0","group-hello"]'
}

@test "udp-broadcast: a multicast route replaces -i on both sides" {
	pair
	ip -n "$A" route add 239.0.0.0/8 dev ub0
	ip -n "$B" route add 239.0.0.0/8 dev ub0
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1 -g 239.1.2.3
	run -0 in_ns "$A" "$SOCKBOX" udp-broadcast send -g 239.1.2.3 -p "$PORT" routed
	listener_done
	assert_equal "$(cut -f2 "$SERVER_OUT")" "routed"
}

@test "udp-broadcast: a listener that did not join the group sees none of its datagrams" {
	pair
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1 -g 239.255.7.7 -i ub0
	port=$PORT joined=$SERVER_PID joined_out=$SERVER_OUT
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p "$port" -t 1
	run -0 in_ns "$A" "$SOCKBOX" udp-broadcast send -g 239.255.7.7 -i ub0 -p "$port" members-only
	listener_done
	assert_equal "$(cat "$SERVER_OUT")" ""
	ended "$joined"
	assert_equal "$(cut -f2 "$joined_out")" "members-only"
}

@test "udp-broadcast: an IPv6 multicast group on the link reaches a listener that joined it" {
	pair
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1 -g ff02::5b -i ub0 --json --reply ack6
	assert_equal "$(head -n 1 "$SERVER_ERR")" "sockbox udp-broadcast: listening on [::]:$PORT"
	run -0 --separate-stderr in_ns "$A" "$SOCKBOX" udp-broadcast send -g ff02::5b -i ub0 -p "$PORT" --wait 0.5 six
	assert_output --regexp "^\[fe80::[0-9a-f:]+\]:$PORT	ack6$"
	listener_done
	run jq -c '[.destination, .kind, .interface, .payload]' "$SERVER_OUT"
	assert_output '["ff02::5b","multicast","ub0","six"]'
}

@test "udp-broadcast: --loop lets the sending host's own listener hear its group" {
	pair
	serve in_ns "$A" "$SOCKBOX" udp-broadcast listen -p 0 -c 1 -g 239.255.8.8 -i ub0
	port=$PORT
	run -0 in_ns "$A" "$SOCKBOX" udp-broadcast send -g 239.255.8.8 -i ub0 -p "$port" --loop looped
	listener_done
	assert_equal "$(cut -f2 "$SERVER_OUT")" "looped"
	serve in_ns "$A" "$SOCKBOX" udp-broadcast listen -p "$port" -c 1 -g 239.255.8.8 -i ub0 -t 1
	run -0 in_ns "$A" "$SOCKBOX" udp-broadcast send -g 239.255.8.8 -i ub0 -p "$port" not-looped
	listener_done
	assert_equal "$(cat "$SERVER_OUT")" ""
}

@test "udp-broadcast: listen -i takes datagrams of that interface only" {
	require_root "network namespaces and veth pairs"
	make_ns a; A=$NS
	make_ns b; B=$NS
	join "$A" ub1 10.201.1.1/24 "$B" ub1 10.201.1.2/24
	join "$A" ub2 10.201.2.1/24 "$B" ub2 10.201.2.2/24
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -p 0 -c 1 -i ub2 --json
	in_ns "$A" "$SOCKBOX" udp-broadcast send -i ub1 -p "$PORT" via-ub1
	in_ns "$A" "$SOCKBOX" udp-broadcast send -i ub2 -p "$PORT" via-ub2
	listener_done
	run jq -c '[.interface, .payload]' "$SERVER_OUT"
	assert_output '["ub2","via-ub2"]'
}

@test "udp-broadcast listen --reply answers a broadcast from its own address, never the broadcast address" {
	pair
	serve in_ns "$B" "$SOCKBOX" udp-broadcast listen -b 10.201.0.255 -p 0 -c 1 --reply "from b"
	run -0 in_ns "$A" "$SOCKBOX" udp-broadcast send -i ub0 -p "$PORT" --wait 0.5 --json hi
	run jq -c '[.source, .payload]' <<<"$output"
	assert_output '["10.201.0.2","from b"]'
	listener_done
}

@test "udp-broadcast --help tells -b and -p as UDP has them, without --backlog or --max-conns" {
	run -0 --separate-stderr ub --help
	assert_equal "$stderr" ""
	assert_line "  -b, --bind=ADDR               address to bind (listen: default 0.0.0.0; send: the source; ADDR:PORT, [V6]:PORT)"
	assert_line "  -p, --port=PORT               port (default 9999): send's destination, listen's to bind, 0 for any free one"
	refute_output --partial "unix:"
	refute_output --partial "--backlog"
	refute_output --partial "--max-conns"
	refute_output --partial "connections"
	run -0 ub --list-options
	assert_line $'-b\t--bind\tADDR\taddress to bind (listen: default 0.0.0.0; send: the source; ADDR:PORT, [V6]:PORT)'
	refute_output --partial "--backlog"
	refute_output --partial "--max-conns"
}

@test "udp-broadcast -b unix:/path is a usage error for both commands" {
	want="sockbox udp-broadcast: invalid --bind 'unix:$TMP/u': expected ADDR, ADDR:PORT or [V6]:PORT (a unix socket carries no broadcast) (see 'sockbox udp-broadcast --help')"
	run -2 --separate-stderr ub listen -b "unix:$TMP/u" -p 0
	assert_output ""
	assert_equal "$stderr" "$want"
	run -2 --separate-stderr ub send -b "unix:$TMP/u" --to 127.0.0.1 x
	assert_output ""
	assert_equal "$stderr" "$want"
	assert_not_exist "$TMP/u"
}
