# tests/demo/epoll-server.sh - the epoll-server stop of `make demo`: one
# thread serving several clients and an HTTP site, with -v narrating each
# epoll_wait call.  Sourced by tests/demo/run.sh.

mkdir -p "$DEMO/www"
printf '<h1>hello from epoll-server</h1>\n' >"$DEMO/www/index.html"
"$SOCKBOX" epoll-server -v -p 0 --port-file "$DEMO/epoll.port" 2>"$DEMO/epoll.log" &
epoll_pid=$!
DEMO_PIDS+=("$epoll_pid")
epoll_port=$(wait_port "$DEMO/epoll.port")
run_shell "Three clients at once, one thread: each gets its own line back" \
	"for i in 1 2 3; do printf 'client %s\n' \$i | socat - TCP:127.0.0.1:$epoll_port & done; wait"
kill -USR1 "$epoll_pid"
run_shell "What -v said: per epoll_wait, descriptors watched, ready, and what was done" \
	"sleep 0.2; grep -m 8 -E 'epoll_wait|accepted [0-9]+, active' '$DEMO/epoll.log'"
kill "$epoll_pid"; wait "$epoll_pid" || true

"$SOCKBOX" epoll-server --root "$DEMO/www" -p 0 --port-file "$DEMO/epoll-http.port" 2>/dev/null &
epoll_pid=$!
DEMO_PIDS+=("$epoll_pid")
epoll_port=$(wait_port "$DEMO/epoll-http.port")
run_shell "The http handler: two pipelined requests on one connection, answered in order" \
	"printf 'HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' | socat - TCP:127.0.0.1:$epoll_port | tr -d '\r'"
kill "$epoll_pid"; wait "$epoll_pid" || true
