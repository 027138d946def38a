#!/usr/bin/env bats
# sniff: captures made by tcpdump on loopback while real peers talk (socat,
# curl against python's http.server), decoded by sniff and compared field
# by field with tshark; live capture on lo; tcpdump's 830 test captures and
# hand-made hostile ones (tests/sniff/craft.py).

load helper

CRAFT=$BATS_TEST_DIRNAME/sniff/craft.py
COMPARE=$BATS_TEST_DIRNAME/sniff/tshark_compare.py
MARK=SOCKBOX-CAPTURE-END

# corpus: sets PCAPS to tcpdump's test captures (../shared/pcaps/tcpdump
# beside the repository, or $SNIFF_PCAPS).
corpus() {
	local d
	for d in "${SNIFF_PCAPS:-}" "$ROOT/../shared/pcaps/tcpdump" /work/shared/pcaps/tcpdump; do
		if [ -n "$d" ] && [ -d "$d" ]; then
			PCAPS=$d
			return 0
		fi
	done
	fail "tcpdump's test captures are not in ../shared/pcaps/tcpdump: set SNIFF_PCAPS"
}

free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_tcpdump FILE FILTER: tcpdump -U on $CAP_IFACE (lo) writing FILE, for
# FILTER or the end mark; returns once tcpdump says it listens.
start_tcpdump() {
	local file=$1 filter=$2
	MARK_PORT=$(free_port)
	tcpdump -i "${CAP_IFACE:-lo}" ${CAP_LINK:+-y "$CAP_LINK"} -n -U -w "$file" \
		"($filter) or (udp dst port $MARK_PORT)" >"$TMP/tcpdump.out" 2>"$TMP/tcpdump.err" &
	CAP_PID=$!
	track_pid "$CAP_PID"
	wait_until 10 grep -q "listening on" "$TMP/tcpdump.err" || fail "tcpdump did not start: $(cat "$TMP/tcpdump.err")"
}

# stop_tcpdump FILE: sends the end mark (one UDP datagram), waits until
# tcpdump has written it, then stops tcpdump: every packet before it is in.
stop_tcpdump() {
	printf '%s' "$MARK" | socat -u - "UDP-SENDTO:127.0.0.1:$MARK_PORT"
	wait_until 10 grep -qa "$MARK" "$1" || fail "the end mark never reached $1"
	stop_pid "$CAP_PID" TERM
}

# socat_server ADDRESS...: socat -d -d listening on port 0; sets PORT.
socat_server() {
	socat -d -d "$@" 2>"$TMP/socat.err" &
	track_pid $!
	wait_until 10 grep -q "listening on" "$TMP/socat.err" || fail "socat did not listen: $(cat "$TMP/socat.err")"
	PORT=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$TMP/socat.err" | head -n 1)
}

# echo_capture [6]: a socat TCP echo exchange over IPv4 (or IPv6) loopback,
# captured by tcpdump into $TMP/echo.pcap.
echo_capture() {
	require_root "tcpdump captures on lo"
	local host=127.0.0.1 listen="TCP-LISTEN:0,bind=127.0.0.1,reuseaddr" connect=TCP
	if [ "${1:-}" = 6 ]; then
		host=[::1] listen="TCP6-LISTEN:0,bind=[::1],reuseaddr" connect=TCP6
	fi
	socat_server "$listen" PIPE
	start_tcpdump "$TMP/echo.pcap" "tcp port $PORT"
	run -0 sh -c "printf 'hello sockbox\n' | socat -t 5 - $connect:$host:$PORT"
	assert_output "hello sockbox"
	stop_tcpdump "$TMP/echo.pcap"
}

# ---- captures of real traffic, decoded and compared with tshark ----

@test "a socat TCP echo over loopback decodes like tshark says, field by field" {
	echo_capture
	run -0 python3 "$COMPARE" "$SOCKBOX" "$TMP/echo.pcap"
	assert_output --regexp "echo.pcap: ([0-9]+) packets, \1 compared$"
}

@test "a socat TCP echo over IPv6 loopback decodes like tshark says" {
	echo_capture 6
	run -0 python3 "$COMPARE" "$SOCKBOX" "$TMP/echo.pcap"
	assert_output --regexp "echo.pcap: ([0-9]+) packets, \1 compared$"
	run -0 sockbox sniff -c 1 -r "$TMP/echo.pcap"
	assert_output --regexp "^[0-9:.]{15} IP6 ::1\.[0-9]+ > ::1\.$PORT: TCP \[S\] seq [0-9]+ win [0-9]+ len 0$"
}

@test "a UDP datagram sent by socat decodes like tshark says, with its length" {
	require_root "tcpdump captures on lo"
	socat_server -u UDP-LISTEN:0,bind=127.0.0.1 OPEN:"$TMP/received",creat
	start_tcpdump "$TMP/udp.pcap" "udp port $PORT"
	printf 'ping sockbox' | socat -u - "UDP-SENDTO:127.0.0.1:$PORT"
	stop_tcpdump "$TMP/udp.pcap"
	run -0 python3 "$COMPARE" "$SOCKBOX" "$TMP/udp.pcap"
	assert_output --regexp "udp.pcap: 2 packets, 2 compared$"
	run -0 sockbox sniff -r "$TMP/udp.pcap" -c 1
	assert_output --regexp "^[0-9:.]{15} IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$PORT: UDP len 12$"
}

@test "an HTTP request from curl to python's http.server decodes like tshark says" {
	require_root "tcpdump captures on lo"
	echo "hello from http.server" >"$TMP/index.txt"
	python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$TMP" >"$TMP/http.out" 2>&1 &
	track_pid $!
	wait_until 10 grep -q "port" "$TMP/http.out" || fail "http.server did not start"
	PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$TMP/http.out" | head -n 1)
	start_tcpdump "$TMP/http.pcap" "tcp port $PORT"
	run -0 curl -s "http://127.0.0.1:$PORT/index.txt"
	assert_output "hello from http.server"
	stop_tcpdump "$TMP/http.pcap"
	run -0 python3 "$COMPARE" "$SOCKBOX" "$TMP/http.pcap"
	assert_output --regexp "http.pcap: ([0-9]+) packets, \1 compared$"
	run -0 sockbox sniff -r "$TMP/http.pcap" "tcp port $PORT and tcp[tcpflags] & tcp-push != 0"
	assert_line --index 0 --regexp "> 127\.0\.0\.1\.$PORT: TCP \[P\.\] seq [0-9]+ ack [0-9]+ win [0-9]+ len [1-9][0-9]*$"
}

@test "a capture on 'any' (Linux cooked SLL) and one in SLL2 decode like tshark says" {
	require_root "tcpdump captures on any"
	socat_server TCP-LISTEN:0,bind=127.0.0.1,reuseaddr PIPE
	CAP_IFACE=any start_tcpdump "$TMP/sll.pcap" "tcp port $PORT"
	printf 'over any\n' | socat -t 5 - "TCP:127.0.0.1:$PORT" >/dev/null
	stop_tcpdump "$TMP/sll.pcap"
	socat_server TCP-LISTEN:0,bind=127.0.0.1,reuseaddr PIPE
	CAP_IFACE=any CAP_LINK=LINUX_SLL2 start_tcpdump "$TMP/sll2.pcap" "tcp port $PORT"
	printf 'over any, v2\n' | socat -t 5 - "TCP:127.0.0.1:$PORT" >/dev/null
	stop_tcpdump "$TMP/sll2.pcap"
	run -0 python3 "$COMPARE" "$SOCKBOX" "$TMP/sll.pcap" "$TMP/sll2.pcap"
	assert_line --regexp "sll.pcap: ([0-9]+) packets, \1 compared$"
	assert_line --regexp "sll2.pcap: ([0-9]+) packets, \1 compared$"
	run -0 sockbox sniff -v -c 1 -r "$TMP/sll2.pcap"
	assert_line --regexp "^  Linux cooked v2: protocol 0x0800, interface [0-9]+, hardware type 772, packet type [0-9] "
}

@test "crafted ARP, BSD loopback, raw IP, 802.1Q and ICMP error captures decode like tshark says" {
	for n in arp null raw vlan ipv4-options ipv6-ext tcp-options icmp-error; do
		python3 "$CRAFT" "$n" "$TMP/$n.pcap"
	done
	run -0 python3 "$COMPARE" "$SOCKBOX" "$TMP"/{arp,null,raw,vlan,ipv4-options,ipv6-ext,tcp-options,icmp-error}.pcap
	refute_output --partial MISMATCH
	run -0 sockbox sniff -r "$TMP/arp.pcap"
	assert_line --index 0 --regexp "^[0-9:.]{15} ARP who-has 192\.0\.2\.2 tell 192\.0\.2\.1 len 28$"
	assert_line --index 1 --regexp "^[0-9:.]{15} ARP 192\.0\.2\.2 is-at 02:00:00:00:00:02 len 28$"
	run -0 sockbox sniff -r "$TMP/icmp-error.pcap"
	assert_output --regexp "ICMP port unreachable \(for UDP 192\.0\.2\.2\.40000 > 192\.0\.2\.1\.9\) len 37$"
}

@test "tcpdump's test captures: decoded fields agree with tshark on a varied subset" {
	corpus
	local files=(arp-oobr.pcap afs.pcap mptcp-v0.pcap resp_1_benchmark.pcap bgp-4byte-asn.pcap ssh.pcap
		dhcp-rfc4388.pcap HSRP_coup.pcap edns-opts.pcap isakmp4500.pcap tfo-5c1fa7f9ae91.pcap dns_tcp.pcap
		mptcp-v1.pcap babel_update_oobr.pcap LINKTYPE_IPV4.pcap LINKTYPE_IPV6.pcap
		icmpv6_nodeinfo_queryipv6.pcap LINKTYPE_RAW_ipv4.pcap LINKTYPE_RAW_ipv6.pcap mptcp-tcprst.pcap
		babel.pcap RADIUS-RFC4675.pcap tcp-handshake-nano.pcap ikev2four.pcap quic_handshake.pcap
		dns-badcookie.pcap of13_ericsson.pcapng ahcp.pcapng bgp-orf.pcapng l2tp-avp-overflow.pcap)
	run -0 python3 "$COMPARE" "$SOCKBOX" "${files[@]/#/$PCAPS/}"
	refute_output --partial MISMATCH
	[ "$(grep -c ' compared$' <<<"$output")" -eq "${#files[@]}" ]
}

# ---- the views ----

@test "the default line is time, IP, address.port > address.port, TCP, flags, seq, win, len" {
	echo_capture
	run -0 --separate-stderr sockbox sniff -r "$TMP/echo.pcap" "tcp[tcpflags] == tcp-syn"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} IP 127\.0\.0\.1\.[0-9]+ > 127\.0\.0\.1\.$PORT: TCP \[S\] seq [0-9]+ win 65495 len 0$"
	# the time of day is tcpdump's, in the local zone
	assert_equal "$(TZ=UTC sockbox sniff -r "$TMP/echo.pcap" | cut -d' ' -f1)" \
		"$(TZ=UTC tcpdump -n -r "$TMP/echo.pcap" 2>/dev/null | cut -d' ' -f1)"
}

@test "--explain labels the handshake 1/3 2/3 3/3, the data and the teardown, with states and relative numbers" {
	echo_capture
	run -0 --separate-stderr sockbox sniff --explain -r "$TMP/echo.pcap" "tcp port $PORT"
	assert_line --index 0 "(TCP sequence numbers are relative: each side counts from its initial sequence number; -S shows them absolute)"
	assert_line --index 1 --regexp ": TCP \[S\] seq 0 win 65495 len 0$"
	assert_line --index 2 --regexp "^  conn 1: handshake 1/3 \(SYN\): the client asks to open a connection, initial sequence number [0-9]+; client CLOSED -> SYN_SENT, server LISTEN$"
	assert_line --index 3 --regexp ": TCP \[S\.\] seq 0 ack 1 win [0-9]+ len 0$"
	assert_line --index 4 --regexp "^  conn 1: handshake 2/3 \(SYN-ACK\): .*; client SYN_SENT -> ESTABLISHED, server LISTEN -> SYN_RECEIVED$"
	assert_line --index 5 --regexp ": TCP \[\.\] seq 1 ack 1 win [0-9]+ len 0$"
	assert_line --index 6 --regexp "^  conn 1: handshake 3/3 \(ACK\): .*\(handshake took [0-9.]+ ms\); client ESTABLISHED, server SYN_RECEIVED -> ESTABLISHED$"
	assert_line --regexp "^  conn 1: data: 14 bytes from the client, bytes 1\.\.14; "
	assert_line --regexp "^  conn 1: data: 14 bytes from the server, bytes 1\.\.14"
	assert_line --regexp "teardown 1/4 \(FIN\): the client has nothing more to send and closes its side; client ESTABLISHED -> FIN_WAIT_1, server ESTABLISHED -> CLOSE_WAIT$"
	assert_line --regexp "teardown 2/4 \(ACK\): the server acknowledges the client's FIN"
	assert_line --regexp "teardown 3/4 \(FIN\): the server closes its side too.* -> TIME_WAIT, server CLOSE_WAIT -> LAST_ACK$"
	assert_line --regexp "^  conn 1: teardown 4/4 \(ACK\): .*\(teardown took [0-9.]+ ms\); client TIME_WAIT, server LAST_ACK -> CLOSED$"
}

@test "-S keeps the absolute sequence numbers under --explain" {
	echo_capture
	isn=$(sockbox sniff -r "$TMP/echo.pcap" "tcp[tcpflags] == tcp-syn" | sed 's/.* seq \([0-9]*\) .*/\1/')
	run -0 sockbox sniff --explain -S -r "$TMP/echo.pcap" "tcp[tcpflags] == tcp-syn"
	assert_line --index 0 "(TCP sequence numbers are absolute, as on the wire)"
	assert_line --index 1 --regexp "TCP \[S\] seq $isn win"
}

@test "--explain says who-has and is-at for ARP, and datagram boundaries for UDP" {
	python3 "$CRAFT" arp "$TMP/arp.pcap"
	python3 "$CRAFT" null "$TMP/null.pcap"
	run -0 sockbox sniff --explain -r "$TMP/arp.pcap"
	assert_line --index 1 "  ARP request, to everyone on the link: who has 192.0.2.2? tell 192.0.2.1 at 02:00:00:00:00:01"
	assert_line --index 3 "  ARP reply, to the asker only: 192.0.2.2 is at 02:00:00:00:00:02"
	assert_line --index 5 "  gratuitous ARP: 192.0.2.1 announces it is at 02:00:00:00:00:01"
	run -0 sockbox sniff --explain -r "$TMP/null.pcap" udp
	assert_line --index 1 "  UDP datagram: one message of 5 bytes, delivered whole by one recvfrom(), never merged with others or split"
}

@test "--explain tells a retransmission, a reset, and a connection caught after its handshake" {
	python3 "$CRAFT" tcp-retransmit-reset "$TMP/rr.pcap"
	python3 "$CRAFT" tcp-midstream "$TMP/mid.pcap"
	run -0 sockbox sniff --explain -r "$TMP/rr.pcap"
	assert_line --index 7 --regexp ": TCP \[P\.\] seq 1 ack 1 win 65535 len 5$"
	assert_line --index 8 "  conn 1: data: 5 bytes from the client, bytes 1..5; client ESTABLISHED, server ESTABLISHED"
	assert_line --index 10 "  conn 1: retransmission: 5 bytes from the client, bytes 1..5; client ESTABLISHED, server ESTABLISHED"
	assert_line --index 11 --regexp ": TCP \[R\.\] seq 1 ack 6 win 65535 len 0$"
	assert_line --index 12 "  conn 1: reset (RST): the server aborts the connection, no teardown; client ESTABLISHED -> CLOSED, server ESTABLISHED -> CLOSED"
	run -0 sockbox sniff --explain -r "$TMP/mid.pcap"
	assert_line --index 2 "  conn 1: already open when the capture began (no handshake seen); data: 3 bytes from the client, bytes 1..3; client ESTABLISHED, server ESTABLISHED"
	assert_line --index 4 "  conn 1: ack: the server has received the client's bytes up to 3; client ESTABLISHED, server ESTABLISHED"
}

@test "-v names every field of every layer, TCP options included" {
	python3 "$CRAFT" tcp-options "$TMP/opts.pcap"
	run -0 --separate-stderr sockbox sniff -v -r "$TMP/opts.pcap"
	assert_line --index 1 "  frame: 74 bytes on the wire, 74 captured"
	assert_line --index 2 "  Ethernet: dst 02:00:00:00:00:02, src 02:00:00:00:00:01, type 0x0800 (IPv4)"
	assert_line --index 3 "  IPv4: version 4, header length 20 (ihl 5), tos 0x00 (dscp 0, ecn 0), total length 60, id 0x1234, flags [DF], fragment offset 0, ttl 64, protocol 6 (TCP), checksum 0xa484, src 192.0.2.1, dst 192.0.2.2"
	assert_line --index 4 "  TCP: src port 40000, dst port 80, seq 1000, ack 0, data offset 10 (40 bytes), flags 0x002 [SYN], window 65535, checksum 0x0000, urgent pointer 0"
	assert_line --index 5 "  TCP options: mss 1460, sackOK, TS val 111 ecr 0, nop, wscale 7"
	assert_line --index 6 "  payload: 0 bytes, 0 captured"
	assert_line "  TCP options: nop, nop, sack {2000:2100} {3000:3100}"
	assert_equal "$stderr" "sockbox sniff: reading $TMP/opts.pcap: pcap format 2.4, link-type EN10MB (Ethernet), snapshot length 262144"
}

@test "-x dumps exactly the captured bytes in hex" {
	python3 "$CRAFT" tcp-options "$TMP/opts.pcap"
	run -0 sockbox sniff -x -c 1 -r "$TMP/opts.pcap"
	assert_line --index 1 "	0x0000:  0200 0000 0002 0200 0000 0001 0800 4500  ..............E."
	dumped=$(sed -n 's/^\t0x[0-9a-f]*:  \(.\{40\}\).*/\1/p' <<<"$output" | tr -d ' \n')
	frame=$(python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); print(d[40:40 + 74].hex())' "$TMP/opts.pcap")
	assert_equal "$dumped" "$frame"
}

@test "--json prints one valid object per packet with the decoded layers" {
	python3 "$CRAFT" tcp-options "$TMP/opts.pcap"
	run -0 sockbox sniff --json -r "$TMP/opts.pcap"
	assert_equal "${#lines[@]}" 2
	run -0 jq -c '[.n, .ipv4.src, .tcp.sport, .tcp.seq, .tcp.flags, .tcp.options[0].value, .payload.len, .truncated]' <<<"$output"
	assert_line --index 0 '[1,"192.0.2.1",40000,1000,["SYN"],1460,0,false]'
	run -0 sh -c '"$SOCKBOX" sniff --json --explain -r "$1" | jq -r .explain' sh "$TMP/opts.pcap"
	assert_line --index 0 --regexp "^conn 1: handshake 1/3 \(SYN\)"
}

# ---- filters, counts, saving ----

@test "a BPF filter keeps what tcpdump's keeps, its words joined like tcpdump's" {
	corpus
	run -0 sockbox sniff -r "$PCAPS/afs.pcap" udp and port 7001
	assert_equal "${#lines[@]}" "$(tcpdump -n -r "$PCAPS/afs.pcap" udp and port 7001 2>/dev/null | wc -l)"
	one=$output
	run -0 sockbox sniff -r "$PCAPS/afs.pcap" "udp and port 7001"
	assert_equal "$output" "$one"
}

@test "a bad filter prints pcap's own message and exits 2" {
	python3 "$CRAFT" arp "$TMP/arp.pcap"
	run -2 --separate-stderr sockbox sniff -r "$TMP/arp.pcap" tcp prt 80
	assert_equal "$stderr" "sockbox sniff: filter 'tcp prt 80': can't parse filter expression: syntax error (see 'sockbox sniff --help')"
	assert_equal "$output" ""
}

@test "-c N stops after N packets" {
	corpus
	run -0 sockbox sniff -c 3 -r "$PCAPS/afs.pcap"
	assert_equal "${#lines[@]}" 3
}

@test "-w saves the packets it prints; the file reads back the same in sniff and tcpdump" {
	corpus
	run -0 sockbox sniff -r "$PCAPS/dns_tcp.pcap" -w "$TMP/saved.pcap" tcp
	printed=$output
	assert_equal "$(tcpdump -n -r "$TMP/saved.pcap" 2>/dev/null | wc -l)" "${#lines[@]}"
	run -0 sockbox sniff -r "$TMP/saved.pcap"
	assert_equal "$output" "$printed"
}

@test "-q with -w only saves; -w - writes a capture to stdout; -r - reads one from stdin" {
	corpus
	run -0 --separate-stderr sockbox sniff -q -w "$TMP/q.pcap" -r "$PCAPS/dns_tcp.pcap"
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	cmp "$TMP/q.pcap" <(sockbox sniff -w - -r "$PCAPS/dns_tcp.pcap")
	run -0 sh -c '"$SOCKBOX" sniff -w - -r "$1" | "$SOCKBOX" sniff -r -' sh "$PCAPS/dns_tcp.pcap"
	assert_equal "$output" "$(sockbox sniff -r "$PCAPS/dns_tcp.pcap")"
}

@test "-s keeps only the first bytes of each packet and flags what it cut" {
	python3 "$CRAFT" tcp-options "$TMP/opts.pcap"
	run -0 sockbox sniff -s 46 -c 1 -r "$TMP/opts.pcap"
	assert_output --regexp "TCP \[truncated: TCP header, 12 of 20 bytes captured\]$"
	run -0 sockbox sniff -s 54 -c 1 -r "$TMP/opts.pcap"
	assert_output --regexp "TCP \[S\] seq 1000 win 65535 len 0 \[truncated: TCP options, 0 of 20 bytes captured\]$"
}

# ---- bad input and failures ----

@test "bad values, conflicting sources and -q without -w exit 2" {
	run -2 --separate-stderr sockbox sniff -c 0 -r x
	assert_equal "$stderr" "sockbox sniff: invalid --count '0': expected a whole number from 1 (see 'sockbox sniff --help')"
	run -2 --separate-stderr sockbox sniff -s 300000 -r x
	assert_equal "$stderr" "sockbox sniff: invalid --snaplen '300000': expected 0 to 262144 bytes (see 'sockbox sniff --help')"
	run -2 --separate-stderr sockbox sniff --timeout never -r x
	assert_equal "$stderr" "sockbox sniff: invalid --timeout 'never': expected seconds, more than 0 (see 'sockbox sniff --help')"
	run -2 --separate-stderr sockbox sniff -i lo -r x
	assert_equal "$stderr" "sockbox sniff: --interface and --read exclude each other (see 'sockbox sniff --help')"
	run -2 --separate-stderr sockbox sniff -q -r x
	assert_equal "$stderr" "sockbox sniff: --quiet only makes sense with --write (see 'sockbox sniff --help')"
}

@test "a missing file, a file that is no capture and an unwritable -w exit 1 with a clear message" {
	run -1 --separate-stderr sockbox sniff -r "$TMP/none.pcap"
	assert_equal "$stderr" "sockbox sniff: read $TMP/none.pcap: No such file or directory"
	echo "not a capture" >"$TMP/text"
	run -1 --separate-stderr sockbox sniff -r "$TMP/text"
	assert_equal "$stderr" "sockbox sniff: read $TMP/text: unknown file format"
	python3 "$CRAFT" arp "$TMP/arp.pcap"
	run -1 --separate-stderr sockbox sniff -r "$TMP/arp.pcap" -w "$TMP/no/dir/x.pcap"
	assert_equal "$stderr" "sockbox sniff: write $TMP/no/dir/x.pcap: No such file or directory"
}

@test "a missing interface exits 1: 'capture on IFACE: no such interface'" {
	require_root "opening a capture on an interface"
	run -1 --separate-stderr sockbox sniff -i sbnosuch0 -c 1
	assert_equal "$stderr" "sockbox sniff: capture on sbnosuch0: no such interface"
}

@test "without the right to capture: 'capturing on lo needs root or CAP_NET_RAW', exit 1" {
	require_root "switching to the nobody user"
	setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$SOCKBOX" || skip "nobody cannot run $SOCKBOX"
	run -1 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups "$SOCKBOX" sniff -i lo -c 1
	assert_equal "$stderr" "sockbox sniff: capturing on lo needs root or CAP_NET_RAW"
}

@test "a link type sniff does not decode is said once, frames shown by length" {
	python3 - "$TMP/user0.pcap" <<'EOF'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 147))
    for i in range(2):
        f.write(struct.pack("<IIII", 1700000000, i, 5, 5) + b"hello")
EOF
	run -0 --separate-stderr sockbox sniff -r "$TMP/user0.pcap"
	assert_equal "$stderr" "sockbox sniff: link-type 147 is not decoded: frames are shown by length"
	assert_line --index 1 --regexp "^[0-9:.]{15} frame len 5$"
}

@test "a closed pipe ends sniff quietly; a full stdout is reported and exits 1" {
	corpus
	run -0 --separate-stderr bash -c 'set -o pipefail; "$SOCKBOX" sniff -x -r "$1" | head -n 1' sh "$PCAPS/arp-oobr.pcap"
	assert_equal "${#lines[@]}" 1
	assert_equal "$stderr" ""
	run -1 --separate-stderr sh -c '"$SOCKBOX" sniff -r "$1" >/dev/full' sh "$PCAPS/arp-oobr.pcap"
	assert_equal "$stderr" "sockbox sniff: write stdout: No space left on device"
}

# ---- hostile captures ----

@test "hostile: a snapshot cutting the TCP header, records of 0 bytes and a zero snaplen are flagged, not overread" {
	for n in trunc-tcp caplen-zero zero-snaplen; do python3 "$CRAFT" "$n" "$TMP/$n.pcap"; done
	run -0 sockbox sniff -r "$TMP/trunc-tcp.pcap"
	assert_output --regexp "^[0-9:.]{15} IP 192\.0\.2\.1\.40000 > 192\.0\.2\.2\.80: TCP \[truncated: TCP header, 12 of 20 bytes captured\]$"
	run -0 sockbox sniff -v -r "$TMP/trunc-tcp.pcap"
	assert_line "  TCP: src port 40000, dst port 80, seq 1000, ack 0, (truncated)"
	run -0 sockbox sniff -r "$TMP/caplen-zero.pcap"
	assert_line --index 0 --regexp "frame len 60 \[truncated: Ethernet header, 0 of 14 bytes captured\]$"
	run -0 sockbox sniff -r "$TMP/zero-snaplen.pcap"
	assert_line --index 0 --regexp "TCP \[S\] seq 1000 win 65535 len 0$"
	assert_line --index 1 --regexp "UDP len 1$"
}

@test "hostile: bogus IP header lengths, versions and lying total lengths are flagged" {
	for n in bad-ihl bad-version ip-len-lies ip-len-short ipv6-len-lies ipv4-options-cut; do
		python3 "$CRAFT" "$n" "$TMP/$n.pcap"
	done
	run -0 sockbox sniff -r "$TMP/bad-ihl.pcap"
	assert_output --regexp "IP 192\.0\.2\.1 > 192\.0\.2\.2: \[malformed: IPv4 header length 12 bytes, less than 20\]$"
	run -0 sockbox sniff -r "$TMP/bad-version.pcap"
	assert_output --regexp ": \[malformed: IP version 5 where 4 was expected\]$"
	run -0 sockbox sniff -r "$TMP/ip-len-lies.pcap"
	assert_output --regexp "TCP \[\.\] seq 1000 ack 0 win 65535 len 0 \[malformed: IPv4 length 1500, only 40 bytes follow\]$"
	run -0 sockbox sniff -r "$TMP/ip-len-short.pcap"
	assert_output --regexp ": \[malformed: IPv4 length 10, less than its 20-byte header\]$"
	run -0 sockbox sniff -r "$TMP/ipv6-len-lies.pcap"
	assert_output --regexp "UDP len 1 \[malformed: IPv6 length 4000, only 9 bytes follow\]$"
	run -0 sockbox sniff -r "$TMP/ipv4-options-cut.pcap"
	assert_output --regexp ": \[truncated: IPv4 options, 4 of 12 bytes captured\]$"
}

@test "hostile: bogus TCP data offsets, option lengths, UDP lengths and IPv6 header chains are flagged" {
	for n in tcp-doff-small tcp-doff-big tcp-option-bad udp-len-lies ipv6-deep; do
		python3 "$CRAFT" "$n" "$TMP/$n.pcap"
	done
	run -0 sockbox sniff -r "$TMP/tcp-doff-small.pcap"
	assert_output --regexp "TCP \[S\] seq 1000 win 65535 \[malformed: TCP data offset 12 bytes, less than 20\]$"
	run -0 sockbox sniff -r "$TMP/tcp-doff-big.pcap"
	assert_output --regexp "TCP \[S\] seq 1000 win 65535 \[malformed: TCP data offset 60 bytes, only 20 bytes follow\]$"
	run -0 sockbox sniff -r "$TMP/tcp-option-bad.pcap"
	assert_output --regexp "len 0 \[malformed: TCP options: kind 8 with length 40\]$"
	run -0 sockbox sniff -r "$TMP/udp-len-lies.pcap"
	assert_output --regexp "UDP len 4 \[malformed: UDP length 200, only 12 bytes follow\]$"
	run -0 sockbox sniff -r "$TMP/ipv6-deep.pcap"
	assert_output --regexp "IP6 2001:db8::1 > 2001:db8::2: \[malformed: more than 8 IPv6 extension headers\]$"
	run -0 sockbox sniff --json -r "$TMP/tcp-doff-big.pcap"
	run -0 jq -c .problems <<<"$output"
	assert_output '["malformed: TCP data offset 60 bytes, only 20 bytes follow"]'
}

@test "hostile: a file cut mid-record prints what it holds, then libpcap's reason, exit 1" {
	python3 "$CRAFT" cut-file "$TMP/cut.pcap"
	python3 "$CRAFT" huge-caplen "$TMP/huge.pcap"
	run -1 --separate-stderr sockbox sniff -r "$TMP/cut.pcap"
	assert_equal "${#lines[@]}" 1
	assert_equal "$stderr" "sockbox sniff: read $TMP/cut.pcap: truncated dump file; tried to read 74 captured bytes, only got 44"
	run -1 --separate-stderr sockbox sniff -r "$TMP/huge.pcap"
	assert_equal "$stderr" "sockbox sniff: read $TMP/huge.pcap: invalid packet capture length 2147483647, bigger than snaplen of 262144"
}

@test "hostile: random frames under every decoded link type never crash any view" {
	python3 "$CRAFT" garbage "$TMP/g.pcap"
	for f in "$TMP"/g.pcap.*; do
		for view in "" "-v -x --explain" "--json -x --explain"; do
			run -0 sockbox sniff $view -r "$f"
			[ "${#lines[@]}" -ge 300 ] || fail "$f [$view]: ${#lines[@]} lines"
		done
	done
}

# bounded, one process per file: 830 files take a few seconds (half a
# minute under ASan); any exit but 0, or 1 with one 'read' message, fails
check_corpus() {
	local f rc n=0 bad=()
	for f in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng; do
		timeout 60 "$SOCKBOX" sniff "$@" -r "$f" >>"${CORPUS_OUT:-/dev/null}" 2>"$TMP/err"
		rc=$?
		n=$((n + 1))
		if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^sockbox sniff: read " "$TMP/err"; then
			continue
		fi
		[ "$rc" -eq 0 ] || bad+=("$(basename "$f"): exit $rc: $(head -c 400 "$TMP/err")")
	done
	[ "$n" -eq 830 ] || fail "expected 830 captures in $PCAPS, found $n"
	[ "${#bad[@]}" -eq 0 ] || fail "$(printf '%s\n' "${bad[@]}")"
}

@test "hostile: all 830 of tcpdump's test captures decode, with -v -x --explain, without crash or hang" {
	corpus
	check_corpus -v -x --explain
}

@test "hostile: all 830 of tcpdump's test captures give valid JSON Lines" {
	corpus
	CORPUS_OUT=$TMP/out check_corpus --json --explain
	run -0 jq empty "$TMP/out"
	[ "$(wc -l <"$TMP/out")" -gt 10000 ]
}

# ---- live capture ----

@test "live: sniff on lo with a filter catches a connection's handshake and teardown, --explain labels them" {
	require_root "live capture on lo"
	socat_server TCP-LISTEN:0,bind=127.0.0.1,reuseaddr PIPE
	bg "$SOCKBOX" sniff -i lo --explain --timeout 60 tcp port "$PORT"
	sniff_pid=$BG_PID
	wait_until 10 grep -q "listening on lo" "$BG_ERR" || fail "sniff never listened: $(cat "$BG_ERR")"
	run -0 sh -c "printf 'live\n' | socat -t 5 - TCP:127.0.0.1:$PORT"
	wait_until 10 grep -q "teardown 4/4" "$BG_OUT" || fail "no teardown seen: $(cat "$BG_OUT")"
	stop_pid "$sniff_pid" TERM
	assert_equal "$STOP_STATUS" 0
	run cat "$BG_OUT"
	assert_line --regexp "^  conn 1: handshake 1/3 \(SYN\): "
	assert_line --regexp "^  conn 1: handshake 2/3 \(SYN-ACK\): "
	assert_line --regexp "^  conn 1: handshake 3/3 \(ACK\): "
	assert_line --regexp "teardown 1/4 \(FIN\)"
	assert_line --regexp "teardown 3/4 \(FIN\)"
	assert_line --regexp "^  conn 1: teardown 4/4 \(ACK\): "
	run cat "$BG_ERR"
	assert_line --index 0 "sockbox sniff: listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes"
	assert_line --index 1 --regexp "^sockbox sniff: [0-9]+ packets captured, [0-9]+ dropped by kernel$"
}

@test "live: --timeout ends a quiet capture with exit 0; -c ends a busy one; -i any works" {
	require_root "live capture"
	run -0 --separate-stderr sockbox sniff -i lo --timeout 0.3 udp port 9 and host 127.0.0.213
	assert_equal "$output" ""
	assert_regex "${stderr_lines[1]}" "^sockbox sniff: 0 packets captured, [0-9]+ dropped by kernel$"
	socat_server TCP-LISTEN:0,bind=127.0.0.1,reuseaddr PIPE
	bg "$SOCKBOX" sniff -i any -c 3 --timeout 30 tcp port "$PORT"
	wait_until 10 grep -q "listening on any" "$BG_ERR" || fail "sniff never listened"
	printf 'any\n' | socat -t 5 - "TCP:127.0.0.1:$PORT" >/dev/null
	wait_exit "$BG_PID" 10 || fail "sniff -c 3 did not end"
	stop_pid "$BG_PID"
	assert_equal "$STOP_STATUS" 0
	assert_equal "$(wc -l <"$BG_OUT")" 3
	grep -q "link-type LINUX_SLL" "$BG_ERR"
}

@test "sniff -x -r of a capture bigger than a pipe under set -o pipefail | head -1: exit 0, no message, the first line" {
	corpus
	run -0 --separate-stderr bash -c 'set -o pipefail; "$SOCKBOX" sniff -x -r "$1" | head -n 1' sh "$PCAPS/afs.pcap"
	assert_equal "$stderr" ""
	assert_equal "$output" "$("$SOCKBOX" sniff -x -r "$PCAPS/afs.pcap" | head -n 1)"
	[ "$("$SOCKBOX" sniff -x -r "$PCAPS/afs.pcap" | wc -c)" -gt 1048576 ] || fail "afs.pcap no longer outgrows a pipe"
}

# ---- where sniff used to disagree with tshark (issue 11) ----

@test "a snapshot cutting the TCP options keeps the options captured whole and flags only the cut one" {
	python3 "$CRAFT" tcp-options-cut "$TMP/cut.pcap"
	run -0 --separate-stderr sockbox sniff -v -r "$TMP/cut.pcap"
	assert_line --index 0 --regexp "^[0-9:.]{15} IP 192\.0\.2\.1\.40000 > 192\.0\.2\.2\.80: TCP \[S\] seq 1000 win 65535 len 0 \[truncated: TCP option TS, 3 of 10 bytes captured\]$"
	assert_line --index 5 "  TCP options: mss 1460, sackOK"
	assert_line --index 7 "  ! truncated: TCP option TS, 3 of 10 bytes captured"
	assert_line --index 8 --regexp "TCP \[S\] seq 1000 win 65535 len 0 \[truncated: TCP option wscale, its length byte not captured\]$"
	assert_line --index 13 "  TCP options: mss 1460, sackOK, TS val 111 ecr 0, nop"
	assert_equal "${#lines[@]}" 16
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -c "[[.tcp.options[].kind], .problems, .truncated]"' sh "$TMP/cut.pcap"
	assert_line --index 0 '[["mss","sackOK"],["truncated: TCP option TS, 3 of 10 bytes captured"],true]'
	assert_line --index 1 '[["mss","sackOK","TS","nop"],["truncated: TCP option wscale, its length byte not captured"],true]'
}

@test "a first fragment says 'first fragment', its UDP length covering the whole datagram is not malformed" {
	python3 "$CRAFT" first-fragment "$TMP/ff.pcap"
	run -0 --separate-stderr sockbox sniff -r "$TMP/ff.pcap"
	assert_line --index 0 --regexp "^[0-9:.]{15} IP 192\.0\.2\.1\.40000 > 192\.0\.2\.2\.53: UDP len 2000 \(first fragment, id 4660\)$"
	assert_line --index 1 --regexp "^[0-9:.]{15} IP6 2001:db8::1\.40000 > 2001:db8::2\.53: UDP len 2000 \(first fragment, id 43981\)$"
	assert_equal "${#lines[@]}" 2
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -c "[.udp.len, .payload.len, .payload.captured, .problems, .truncated]"' sh "$TMP/ff.pcap"
	assert_line --index 0 '[2008,2000,1472,null,false]'
	assert_line --index 1 '[2008,2000,1440,null,false]'
	run -0 python3 "$COMPARE" "$SOCKBOX" "$TMP/ff.pcap"
	assert_output --regexp "ff.pcap: 2 packets, 2 compared$"
}

@test "record times are unsigned: seconds past 2^31 print right, impossible microseconds are flagged, --json stays RFC 3339" {
	python3 "$CRAFT" odd-times "$TMP/times.pcap"
	TZ=UTC run -0 --separate-stderr sockbox sniff -r "$TMP/times.pcap"
	assert_line --index 0 "23:24:54.967295 ARP who-has 192.0.2.2 tell 192.0.2.1 len 28 [malformed: time, microseconds 4294967295, more than 999999]"
	assert_line --index 1 "22:13:21.000000 ARP who-has 192.0.2.2 tell 192.0.2.1 len 28 [malformed: time, microseconds 1000000, more than 999999]"
	assert_line --index 2 "03:14:08.000005 ARP who-has 192.0.2.2 tell 192.0.2.1 len 28"
	assert_line --index 3 "06:28:15.999999 ARP who-has 192.0.2.2 tell 192.0.2.1 len 28"
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -c "[.time, .ts, .problems]"' sh "$TMP/times.pcap"
	assert_line --index 0 '["2023-11-14T23:24:54.967295Z",1700004294.967295,["malformed: time, microseconds 4294967295, more than 999999"]]'
	assert_line --index 1 '["2023-11-14T22:13:21.000000Z",1700000001,["malformed: time, microseconds 1000000, more than 999999"]]'
	assert_line --index 2 '["2038-01-19T03:14:08.000005Z",2147483648.000005,null]'
	assert_line --index 3 '["2106-02-07T06:28:15.999999Z",4294967295.999999,null]'
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -r .time | grep -Ec "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$"' sh "$TMP/times.pcap"
	assert_output 4
}

@test "a record with fewer bytes on the wire than captured is flagged and still decoded" {
	python3 "$CRAFT" wire-short "$TMP/ws.pcap"
	run -0 --separate-stderr sockbox sniff -r "$TMP/ws.pcap"
	assert_output --regexp "^[0-9:.]{15} IP 192\.0\.2\.1\.40000 > 192\.0\.2\.2\.53: UDP len 3 \[malformed: frame of 20 bytes on the wire, 45 captured\]$"
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -c "[.caplen, .len, .problems]"' sh "$TMP/ws.pcap"
	assert_output '[45,45,["malformed: frame of 20 bytes on the wire, 45 captured"]]'
}

@test "ARP protocol addresses are dotted when IPv4 says 4 bytes, whatever the hardware size; IPv4 length 0 is 'bad-len 0' and decoded on" {
	python3 "$CRAFT" arp-sizes "$TMP/arp.pcap"
	python3 "$CRAFT" ip-len-zero "$TMP/zero.pcap"
	run -0 --separate-stderr sockbox sniff -r "$TMP/arp.pcap"
	assert_line --index 0 --regexp "^[0-9:.]{15} ARP who-has 192\.0\.2\.2 tell 192\.0\.2\.1 len 56$"
	assert_line --index 1 --regexp "^[0-9:.]{15} ARP htype 1 ptype 0x0800 op 1$"
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -c "[.arp.spa, .arp.tpa]"' sh "$TMP/arp.pcap"
	assert_line --index 0 '["192.0.2.1","192.0.2.2"]'
	assert_line --index 1 '["00:00:00:00:00:00:00:00","00:00:00:00:00:00:00:00"]'
	run -0 python3 "$COMPARE" "$SOCKBOX" "$TMP/arp.pcap"
	assert_output --regexp "arp.pcap: 2 packets, 1 compared$"
	run -0 --separate-stderr sockbox sniff -r "$TMP/zero.pcap"
	assert_output --regexp "^[0-9:.]{15} IP 192\.0\.2\.1\.40000 > 192\.0\.2\.2\.80: TCP \[\.\] seq 1000 ack 0 win 65535 len 100 \[bad-len 0: IPv4 length 0, the frame's 140 bytes decoded\]$"
}

@test "a cut IPv6 extension header reads 'extension header, N of M bytes'; the AE flag prints as 'e'" {
	python3 "$CRAFT" ipv6-ext-cut "$TMP/e.pcap"
	run -0 --separate-stderr sockbox sniff -r "$TMP/e.pcap"
	assert_line --index 0 --regexp "^[0-9:.]{15} IP6 2001:db8::1 > 2001:db8::2: \[truncated: IPv6 extension header, 10 of 16 bytes captured\]$"
	assert_line --index 1 --regexp "^[0-9:.]{15} IP 192\.0\.2\.1\.40000 > 192\.0\.2\.2\.80: TCP \[\.e\] seq 1000 ack 0 win 65535 len 0$"
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -c .tcp.flags' sh "$TMP/e.pcap"
	assert_line --index 1 '["ACK","AE"]'
}

@test "-D lists the capture interfaces exactly as tcpdump -D does; with a capture option it exits 2" {
	run -0 tcpdump -D
	expected=$output
	run -0 --separate-stderr sockbox sniff -D
	assert_equal "$output" "$expected"
	assert_line --regexp '^[0-9]+\.lo \[Up, Running, Loopback\]$'
	run -2 --separate-stderr sockbox sniff -D -r "$TMP/none.pcap"
	assert_equal "$stderr" "sockbox sniff: --list-interfaces takes no capture options (see 'sockbox sniff --help')"
}

@test "-A adds the payload as ASCII after each line, as tcpdump -A shows it; --json gets it as 'ascii'" {
	python3 "$CRAFT" ascii "$TMP/a.pcap"
	run -0 --separate-stderr sockbox sniff -A -r "$TMP/a.pcap"
	assert_equal "$(sed -E 's/^[0-9:.]{15} //' <<<"$output")" "$(printf '%s\n' \
		'IP 192.0.2.1.40000 > 192.0.2.2.80: TCP [P.] seq 1001 ack 5001 win 65535 len 39' \
		'GET / HTTP/1.1' 'Host: x' '' "$(printf '....\tend.ok')" \
		'IP 192.0.2.1.40000 > 192.0.2.2.80: TCP [S] seq 1000 win 65535 len 0')"
	# tcpdump -A shows the headers too, as dots, on the payload's first line
	mine=$(sed -n 3,5p <<<"$output")
	run -0 sh -c 'tcpdump -A -r "$1" 2>/dev/null | sed -n 3,5p' sh "$TMP/a.pcap"
	assert_equal "$output" "$mine"
	run -0 sh -c '"$SOCKBOX" sniff -A --json -r "$1" | jq -c .ascii' sh "$TMP/a.pcap"
	assert_equal "$output" "$(printf '%s\n' '"GET / HTTP/1.1\nHost: x\n\n....\tend.ok"' '""')"
}

@test "IPv6: a payload length of 0 without a Jumbo option is flagged 'bad-len 0' and the frame decoded on" {
	python3 "$CRAFT" ipv6-plen-zero "$TMP/z6.pcap"
	run -0 --separate-stderr sockbox sniff -r "$TMP/z6.pcap"
	assert_equal "$stderr" ""
	assert_output --regexp "^[0-9:.]{15} IP6 2001:db8::1\.40000 > 2001:db8::2\.53: UDP len 4 \[bad-len 0: IPv6 payload length 0 and no Jumbo option, the frame's 12 bytes decoded\]$"
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -c "[.ipv6.plen, .udp.len, .problems]"' sh "$TMP/z6.pcap"
	assert_output "[0,12,[\"bad-len 0: IPv6 payload length 0 and no Jumbo option, the frame's 12 bytes decoded\"]]"
}

@test "IPv6: a Jumbo option beside a payload length, below 65536 or longer than the frame is flagged, the datagram decoded on" {
	python3 "$CRAFT" ipv6-jumbo-bad "$TMP/j.pcap"
	run -0 --separate-stderr sockbox sniff -r "$TMP/j.pcap"
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp "^[0-9:.]{15} IP6 2001:db8::1\.40000 > 2001:db8::2\.53: UDP len 5 \[malformed: IPv6 Jumbo option with payload length 21, not 0\]$"
	assert_line --index 1 --regexp "^[0-9:.]{15} IP6 2001:db8::1\.40000 > 2001:db8::2\.53: UDP len 5 \[malformed: IPv6 Jumbo length 21, less than 65536\]$"
	assert_line --index 2 --regexp "^[0-9:.]{15} IP6 2001:db8::1\.40000 > 2001:db8::2\.53: UDP len 5 \[malformed: IPv6 Jumbo length 70000, only 21 bytes follow\]$"
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -c "[.ipv6.plen, .udp.len, .problems]"' sh "$TMP/j.pcap"
	assert_line --index 0 '[21,13,["malformed: IPv6 Jumbo option with payload length 21, not 0"]]'
	assert_line --index 1 '[0,13,["malformed: IPv6 Jumbo length 21, less than 65536"]]'
	assert_line --index 2 '[0,13,["malformed: IPv6 Jumbo length 70000, only 21 bytes follow"]]'
}

@test "IPv6: a hop-by-hop header anywhere but right after the IPv6 header is flagged, the chain decoded on" {
	python3 "$CRAFT" ipv6-hbh-twice "$TMP/h.pcap"
	run -0 --separate-stderr sockbox sniff -r "$TMP/h.pcap"
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp "^[0-9:.]{15} IP6 2001:db8::1\.40000 > 2001:db8::2\.53: UDP len 3 \[malformed: a second IPv6 hop-by-hop header, allowed only right after the IPv6 header\]$"
	assert_line --index 1 --regexp "^[0-9:.]{15} IP6 2001:db8::1\.40000 > 2001:db8::2\.53: UDP len 3 \[malformed: IPv6 hop-by-hop header after the destination options header, allowed only right after the IPv6 header\]$"
	run -0 sh -c '"$SOCKBOX" sniff --json -r "$1" | jq -c "[[.ipv6.ext[].type], .problems]"' sh "$TMP/h.pcap"
	assert_line --index 0 '[[0,0],["malformed: a second IPv6 hop-by-hop header, allowed only right after the IPv6 header"]]'
	assert_line --index 1 '[[60,0],["malformed: IPv6 hop-by-hop header after the destination options header, allowed only right after the IPv6 header"]]'
}
