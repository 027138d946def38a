# tests/demo/udp-chat.sh - the udp-chat stop of `make demo` (sourced by
# tests/demo/run.sh: $SOCKBOX, $DEMO, step, run_shell, wait_port).

echo "A UDP chat room: the server keeps a table of members (name -> address)"
echo "and fans each message out to the others; its stdin is the operator's"
echo "console, its stdout one line per event."
mkfifo "$DEMO/chat.console" "$DEMO/chat.alice"
# the demo holds each FIFO's write end (7, 8); no child may inherit them,
# or closing ours would not end the reader's input
exec 7<>"$DEMO/chat.console" 8<>"$DEMO/chat.alice"
sockbox udp-chat serve -p 0 --timeout 30 --port-file "$DEMO/chat.port" \
	<"$DEMO/chat.console" >"$DEMO/chat.events" 2>"$DEMO/chat.err" 7>&- 8>&- &
DEMO_PIDS+=("$!")
chat_port=$(wait_port "$DEMO/chat.port")
sockbox udp-chat join -n alice "127.0.0.1:$chat_port" <"$DEMO/chat.alice" \
	>"$DEMO/chat.alice.out" 2>&1 7>&- 8>&- &
chat_alice=$!
DEMO_PIDS+=("$chat_alice")
tries=250
until grep -q ' alice$' "$DEMO/chat.events" || ((tries-- == 0)); do sleep 0.02; done

run_shell "A script posts two lines as bob: each is a message, at EOF bob leaves (Q) and exits 0" \
	"printf 'backup done\\ndisk at 80%%\\n' | sockbox udp-chat join -v -n bob 127.0.0.1:$chat_port"
echo "the operator speaks to everyone" >&7
run_shell "A spoofed message: 'C alice ...' from another address is dropped, unanswered" \
	"python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b\"C alice I am alice\", (\"127.0.0.1\", int(sys.argv[1])))' $chat_port"
exec 8>&- # alice's stdin ends: she leaves
wait "$chat_alice" || true
printf '\n# What alice saw (stdout):\n'
cat "$DEMO/chat.alice.out"
printf '\n# The server'"'"'s events (stdout):\n'
cat "$DEMO/chat.events"
exec 7>&-

# On a network: as root, three namespaces joined by a bridge stand in for
# three hosts (the server in a, members in b and c), removed in any case.
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
	(
		tag="sockbox-demo-chat-$$"
		trap 'for n in br a b c; do ip netns del "$tag-$n" 2>/dev/null; done' EXIT
		ip netns add "$tag-br"
		ip -n "$tag-br" link add br0 type bridge && ip -n "$tag-br" link set br0 up
		i=1
		for n in a b c; do
			ip netns add "$tag-$n"
			ip link add eth0 netns "$tag-$n" type veth peer name "p$n" netns "$tag-br"
			ip -n "$tag-br" link set "p$n" master br0 up
			ip -n "$tag-$n" addr add "10.203.0.$i/24" dev eth0 && ip -n "$tag-$n" link set eth0 up
			i=$((i + 1))
		done
		for n in a b c; do
			tries=250
			until ip -n "$tag-$n" link show dev eth0 | grep -q 'state UP' || ((tries-- == 0)); do sleep 0.02; done
		done
		ip netns exec "$tag-a" "$SOCKBOX" udp-chat serve -b 0.0.0.0 -p 0 --timeout 30 \
			--port-file "$DEMO/chatns.port" </dev/null >"$DEMO/chatns.events" 2>/dev/null 7>&- &
		server=$!
		port=$(wait_port "$DEMO/chatns.port")
		ip netns exec "$tag-c" "$SOCKBOX" udp-chat join -n carol --linger 0.5 "10.203.0.1:$port" \
			< <(sleep 1.5) >"$DEMO/chatns.carol" 2>/dev/null 7>&- &
		carol=$!
		tries=250
		until grep -q ' carol$' "$DEMO/chatns.events" || ((tries-- == 0)); do sleep 0.02; done
		step "As root: bob in namespace b posts to the server in a (10.203.0.1), through a bridge" \
			ip netns exec "$tag-b" "$SOCKBOX" udp-chat join -n bob "10.203.0.1:$port" <<<"hello across the bridge"
		wait "$carol" || true
		kill "$server"; wait "$server" || true
		printf '\n# carol, in namespace c, saw:\n'
		cat "$DEMO/chatns.carol"
		printf '\n# the server in namespace a printed:\n'
		cat "$DEMO/chatns.events"
	)
else
	echo "(not root: the chat across three network namespaces is skipped)"
fi
