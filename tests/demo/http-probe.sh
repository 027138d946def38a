# tests/demo/http-probe.sh - the http-probe stop of `make demo` (sourced by
# tests/demo/run.sh).  It probes poll-server's http handler, started here on
# loopback, port 0, serving a scratch directory.

mkdir -p "$DEMO/www"
printf 'hello from the demo\n' >"$DEMO/www/hello.txt"
sockbox poll-server --handler http --root "$DEMO/www" -p 0 \
	--port-file "$DEMO/httpd.port" 2>"$DEMO/httpd.err" &
httpd_pid=$!
DEMO_PIDS+=("$httpd_pid")
http_port=$(wait_port "$DEMO/httpd.port")
url=http://127.0.0.1:$http_port

step "One probe of poll-server's http handler: the status, who answered, each phase, the body size" \
	sockbox http-probe "$url/hello.txt"
step "-v: the request ('>') and response ('<') heads, how the body was framed, the timing table" \
	sockbox http-probe -v "$url/hello.txt"
step "Five probes on one kept-alive connection: dns and connect happen once; then statistics" \
	sockbox http-probe -n 5 --interval 0.1 "$url/hello.txt"
run_shell "An answer that is not the expected one exits 3, and says why" \
	"sockbox http-probe --expect 2xx $url/missing; echo \"exit status \$?\""
run_shell "JSON Lines for scripts: the stable keys, read with jq" \
	"sockbox http-probe --json $url/hello.txt | jq -c '{status, remote, time_connect_ms, time_ttfb_ms, time_total_ms, size}'"
kill "$httpd_pid" 2>/dev/null || true
wait "$httpd_pid" 2>/dev/null || true
