# tests/demo/uring-server.sh - the uring-server stop of `make demo`: the
# same server on io_uring completions, -v narrating each io_uring_enter
# (submitted, completed, of which kind).  Sourced by tests/demo/run.sh.
# Where io_uring is refused (a container's seccomp profile), the stop shows
# the refusal and epoll-server's stop stands for it.

if ! "$SOCKBOX" uring-server -p 0 --duration 0.01 2>"$DEMO/uring.check"; then
	run_shell "io_uring is refused here: what uring-server says" "cat '$DEMO/uring.check'"
else
	"$SOCKBOX" uring-server -v -p 0 --port-file "$DEMO/uring.port" 2>"$DEMO/uring.log" &
	uring_pid=$!
	DEMO_PIDS+=("$uring_pid")
	uring_port=$(wait_port "$DEMO/uring.port")
	run_shell "Three clients at once, one thread, the calls queued in the kernel" \
		"for i in 1 2 3; do printf 'client %s\n' \$i | socat - TCP:127.0.0.1:$uring_port & done; wait"
	kill -USR1 "$uring_pid"
	run_shell "What -v said: per io_uring_enter, entries submitted, completions reaped, of which kind" \
		"sleep 0.2; grep -m 10 -E 'io_uring|accepted [0-9]+, active' '$DEMO/uring.log'"
	kill "$uring_pid"; wait "$uring_pid" || true
fi
