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
	"grep -E 'listening|accept|fork:|EOF|close|reap' '$DEMO/tcp-echo.log' | head -n 12"

"$SOCKBOX" tcp-echo -l -p 0 --frame --port-file "$DEMO/tcp-echo-frame.port" >/dev/null 2>&1 &
DEMO_PIDS+=($!)
te_frame_port=$(wait_port "$DEMO/tcp-echo-frame.port")

run_shell "Framing: each line becomes a 4-byte length plus payload; replies print one per line" \
	"printf 'one\nsticky two\nthree\n' | sockbox tcp-echo --frame $te_frame_port"

run_shell "Load: 64-byte round trips on 4 connections for one second" \
	"sockbox tcp-echo --bench --conns 4 --duration 1 $te_port"
