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
