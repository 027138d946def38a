# tests/demo/udp-broadcast.sh - the udp-broadcast stop of `make demo`
# (sourced by tests/demo/run.sh: $SOCKBOX, $DEMO, step, run_shell, wait_port).

echo "UDP sends datagrams: each send is one message, kept whole. A listener on"
echo "0.0.0.0 prints one line per datagram: SOURCE:PORT<TAB>payload."
sockbox udp-broadcast listen -p 0 -c 5 --reply "pong from the listener" \
	--port-file "$DEMO/udp.port" >"$DEMO/udp.out" 2>"$DEMO/udp.err" &
udp_listener=$!
DEMO_PIDS+=("$udp_listener")
udp_port=$(wait_port "$DEMO/udp.port")

step "On loopback a broadcast never arrives (127.0.0.1 is no broadcast address): send unicast" \
	sockbox udp-broadcast send -v --to 127.0.0.1 -p "$udp_port" "hello, datagram"
run_shell "Each stdin line is its own datagram: boundaries are kept, bytes escaped" \
	"printf 'one\\ntwo\\tcolumns\\n\\001binary\\n' | sockbox udp-broadcast send --to 127.0.0.1:$udp_port"
step "Discovery: the listener answers each datagram, --wait collects the replies" \
	sockbox udp-broadcast send --to 127.0.0.1 -p "$udp_port" --wait 0.5 "who is there?"
wait "$udp_listener"
printf '\n# What the listener printed (stdout), then its summary (stderr):\n'
cat "$DEMO/udp.out"
tail -n 1 "$DEMO/udp.err"

# A real broadcast needs a network: as root, two namespaces joined by a
# veth pair stand in for two hosts, and are removed again in any case.
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
	(
		a="sockbox-demo-a-$$" b="sockbox-demo-b-$$"
		trap 'ip netns del "$a" 2>/dev/null; ip netns del "$b" 2>/dev/null' EXIT
		ip netns add "$a" && ip netns add "$b"
		ip link add ub0 netns "$a" type veth peer name ub0 netns "$b"
		ip -n "$a" addr add 10.201.0.1/24 dev ub0 && ip -n "$a" link set ub0 up
		ip -n "$b" addr add 10.201.0.2/24 dev ub0 && ip -n "$b" link set ub0 up
		tries=250
		until ip -n "$b" link show dev ub0 | grep -q 'state UP' || ((tries-- == 0)); do sleep 0.02; done
		ip netns exec "$b" "$SOCKBOX" udp-broadcast listen -p 0 -c 1 --json \
			--port-file "$DEMO/bcast.port" >"$DEMO/bcast.out" 2>/dev/null &
		listener=$!
		port=$(wait_port "$DEMO/bcast.port")
		step "As root: a directed broadcast from namespace A to 10.201.0.255, through ub0" \
			ip netns exec "$a" "$SOCKBOX" udp-broadcast send -v -i ub0 -p "$port" "hello, everyone"
		wait "$listener"
		printf '\n# Namespace B heard it; --json says it was a broadcast, on which interface:\n'
		cat "$DEMO/bcast.out"
	)
else
	echo "(not root: the broadcast across two network namespaces is skipped)"
fi
