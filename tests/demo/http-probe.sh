# tests/demo/http-probe.sh - the http-probe stop of `make demo` (sourced by
# tests/demo/run.sh).  It probes a small HTTP/1.1 server started here on
# loopback, port 0: python3's http.server with keep-alive switched on.
# (When poll-server's http handler lands, this stop should probe that.)

mkdir -p "$DEMO/www"
printf 'hello from the demo\n' >"$DEMO/www/hello.txt"
cat >"$DEMO/httpd.py" <<'PY'
import http.server, os, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"          # keep-alive, Content-Length framing
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
PY
(cd "$DEMO/www" && exec python3 "$DEMO/httpd.py" "$DEMO/httpd.port") &
httpd_pid=$!
DEMO_PIDS+=("$httpd_pid")
http_port=$(wait_port "$DEMO/httpd.port")
url=http://127.0.0.1:$http_port

step "One probe: the status, who answered, how long each phase took, the body size" \
	sockbox http-probe "$url/hello.txt"
step "-v: the request ('>') and response ('<') heads, how the body was framed, the timing table" \
	sockbox http-probe -v "$url/hello.txt"
step "Five probes on one kept-alive connection: dns, connect and tls happen once; then statistics" \
	sockbox http-probe -n 5 --interval 0.1 "$url/hello.txt"
run_shell "An answer that is not the expected one exits 3, and says why" \
	"sockbox http-probe --expect 2xx $url/missing; echo \"exit status \$?\""
run_shell "JSON Lines for scripts: the stable keys, read with jq" \
	"sockbox http-probe --json $url/hello.txt | jq -c '{status, remote, time_connect_ms, time_ttfb_ms, time_total_ms, size}'"
kill "$httpd_pid" 2>/dev/null || true
wait "$httpd_pid" 2>/dev/null || true
