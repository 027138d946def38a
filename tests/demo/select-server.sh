# tests/demo/select-server.sh - the select-server stop of `make demo`: the
# same server on select(2), and its FD_SETSIZE limit.  Sourced by
# tests/demo/run.sh.

"$SOCKBOX" select-server -v --handler upper -p 0 --port-file "$DEMO/select.port" 2>/dev/null &
select_pid=$!
DEMO_PIDS+=("$select_pid")
select_port=$(wait_port "$DEMO/select.port")
run_shell "The upper handler on select: the bytes come back upper-cased" \
	"printf 'an fd_set has FD_SETSIZE bits\n' | socat - TCP:127.0.0.1:$select_port"
kill "$select_pid"; wait "$select_pid" || true

"$SOCKBOX" select-server -v --backlog 2048 -p 0 --port-file "$DEMO/select2.port" 2>"$DEMO/select.log" &
select_pid=$!
DEMO_PIDS+=("$select_pid")
select_port=$(wait_port "$DEMO/select2.port")
run_shell "1100 clients at once: descriptors past FD_SETSIZE (1024) are refused, never put in a set" \
	"python3 '${BASH_SOURCE[0]%/*}/../mux-client.py' hold $select_port 1100 --echo"
kill "$select_pid"; wait "$select_pid" || true
run_shell "What -v said about the refusals, and the summary" \
	"grep -m 2 'FD_SETSIZE (1024)' '$DEMO/select.log'; tail -n 1 '$DEMO/select.log'"
