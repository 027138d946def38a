# tests/demo/poll-server.sh - the poll-server stop of `make demo`: the same
# server on poll(2); -v shows the whole array handed to every call.
# Sourced by tests/demo/run.sh.

"$SOCKBOX" poll-server -v --reply pong -p 0 --port-file "$DEMO/poll.port" 2>"$DEMO/poll.log" &
poll_pid=$!
DEMO_PIDS+=("$poll_pid")
poll_port=$(wait_port "$DEMO/poll.port")
run_shell "The reply handler: one 'pong' per line, for two clients at once" \
	"(printf 'ping\nping\n' | socat - TCP:127.0.0.1:$poll_port) & (printf 'ping\n' | socat - TCP:127.0.0.1:$poll_port); wait"
kill "$poll_pid"; wait "$poll_pid" || true
run_shell "What -v said: every poll call is handed every descriptor (watched), however few are ready" \
	"grep -m 8 -E 'poll:|accepted [0-9]+, active' '$DEMO/poll.log'"
