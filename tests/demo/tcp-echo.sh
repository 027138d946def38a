# tests/demo/tcp-echo.sh - the tcp-echo stop of `make demo` (sourced by run.sh).
# A fork-model server narrating accept, fork and reaping; the client in a
# pipeline; framed messages; and a short load run.

# "$SOCKBOX" itself, not the sockbox function: $! must be the server's PID
"$SOCKBOX" tcp-echo -l -p 0 --model fork -v --port-file "$DEMO/tcp-echo.port" >/dev/null 2>"$DEMO/tcp-echo.log" &
DEMO_PIDS+=($!)
te_port=$(wait_port "$DEMO/tcp-echo.port")

run_shell "The client sends stdin, shuts down its sending side (FIN) at EOF, prints the echo" \
	"printf 'hello, TCP\n' | sockbox tcp-echo -v 127.0.0.1:$te_port"

run_shell "Binary-safe: 1 MiB of random bytes there and back, compared with cmp" \
	"head -c 1M /dev/urandom > '$DEMO/random' && sockbox tcp-echo $te_port < '$DEMO/random' | cmp - '$DEMO/random' && echo 'identical'"

run_shell "What the fork-model server narrated: accept, fork, the client's EOF, close, reaping" \
	"grep -m 12 -E 'listening|accept|fork:|EOF|close|reap' '$DEMO/tcp-echo.log'"

"$SOCKBOX" tcp-echo -l -p 0 --frame --port-file "$DEMO/tcp-echo-frame.port" >/dev/null 2>&1 &
DEMO_PIDS+=($!)
te_frame_port=$(wait_port "$DEMO/tcp-echo-frame.port")

run_shell "Framing: each line becomes a 4-byte length plus payload; replies print one per line" \
	"printf 'one\nsticky two\nthree\n' | sockbox tcp-echo --frame $te_frame_port"

run_shell "Load: 64-byte round trips on 4 connections for one second" \
	"sockbox tcp-echo --bench --conns 4 --duration 1 $te_port"

# The pools: a prefork server, one of its workers killed and replaced, and
# the spread of 200 connections over its workers next to reuseport's.
"$SOCKBOX" tcp-echo -l -p 0 --model prefork --workers 4 -v --port-file "$DEMO/prefork.port" >/dev/null 2>"$DEMO/prefork.log" &
te_prefork_pid=$!
DEMO_PIDS+=($te_prefork_pid)
te_prefork_port=$(wait_port "$DEMO/prefork.port")
"$SOCKBOX" tcp-echo -l -p 0 --model reuseport --workers 4 --port-file "$DEMO/reuseport.port" >/dev/null 2>"$DEMO/reuseport.log" &
te_reuseport_pid=$!
DEMO_PIDS+=($te_reuseport_pid)
te_reuseport_port=$(wait_port "$DEMO/reuseport.port")

run_shell "prefork: kill a worker with SIGKILL; the parent reaps it and forks a replacement" \
	"sleep 0.2; kill -KILL \$(grep -m 1 -o 'worker 1 is pid [0-9]*' '$DEMO/prefork.log' | awk '{print \$5}'); sleep 0.3; grep -E 'is pid|died' '$DEMO/prefork.log'"

run_shell "200 connections to each, then SIGUSR1: one shared accept queue vs a queue per worker (SO_REUSEPORT)" \
	"sockbox tcp-echo --bench --reconnect --count 200 $te_prefork_port >/dev/null && sockbox tcp-echo --bench --reconnect --count 200 $te_reuseport_port >/dev/null && kill -USR1 $te_prefork_pid $te_reuseport_pid && sleep 0.3 && grep -h 'accepts per worker' '$DEMO/prefork.log' '$DEMO/reuseport.log'"

"$SOCKBOX" tcp-echo -l -p 0 --model coroutine -v --port-file "$DEMO/coro.port" >/dev/null 2>"$DEMO/coro.log" &
DEMO_PIDS+=($!)
te_coro_port=$(wait_port "$DEMO/coro.port")

run_shell "coroutine: one thread, a coroutine with a guarded 64 KiB stack per client, one epoll loop" \
	"sockbox tcp-echo --bench --conns 20 --duration 1 $te_coro_port | sed -n 1,2p && grep -m 3 'coroutine' '$DEMO/coro.log'"
