#!/usr/bin/env bats
# http-probe against real servers on loopback: nginx (plain, TLS and a unix
# socket), openssl s_server, python3's http.server, and tests/http-peer.py
# for the hostile answers no real server gives on purpose.

load helper

# ---- peers ----

# Certificates for the whole file: a CA, a 30-day leaf for localhost and
# 127.0.0.1 signed by it, and a leaf that expires in a day.
setup_file() {
	local d=$BATS_FILE_TMPDIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-keyout "$d/ca.key" -out "$d/ca.pem" -subj "/CN=sockbox test CA" 2>/dev/null
	local name
	for name in leaf:30 short:1; do
		openssl req -x509 -CA "$d/ca.pem" -CAkey "$d/ca.key" -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -days "${name#*:}" -keyout "$d/${name%:*}.key" -out "$d/${name%:*}.pem" \
			-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			-addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
	done
}

CERTS=$BATS_FILE_TMPDIR

# free_port: a port the kernel just gave out on 127.0.0.1, released again.
# nginx cannot report a port 0 of its own, so start_nginx binds this one and
# tries again with another should someone take it in between.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_nginx [CERT KEY]: nginx in the foreground (no daemon, no master
# process) with every file under $TMP/nginx: a plain listener on
# $NGINX_PORT, a unix socket $NGINX_SOCK, and with CERT and KEY a TLS
# listener on $NGINX_TLS_PORT.  Ready once its PID file exists: nginx writes
# it after its sockets listen.  Stopped by PID in teardown.
start_nginx() {
	local d=$TMP/nginx try
	mkdir -p "$d/html/dir" "$d/logs" "$d/tmp"
	printf 'hello from nginx\n' >"$d/html/index.html"
	printf 'nested\n' >"$d/html/dir/page.html"
	head -c 10485760 /dev/urandom >"$d/html/big.bin"
	NGINX_SOCK=$d/nginx.sock
	for try in 1 2 3 4 5; do
		NGINX_PORT=$(free_port)
		NGINX_TLS_PORT=$(free_port)
		write_nginx_conf "$d" "${1:-}" "${2:-}" >"$d/nginx.conf"
		rm -f "$d/nginx.pid"
		nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" >"$d/logs/stdout" 2>&1 3>&- &
		NGINX_PID=$!
		track_pid "$NGINX_PID"
		wait_until 10 eval "[ -s '$d/nginx.pid' ] || ! kill -0 $NGINX_PID 2>/dev/null"
		[ -s "$d/nginx.pid" ] && kill -0 "$NGINX_PID" 2>/dev/null && return 0
		wait "$NGINX_PID" 2>/dev/null || true
	done
	cat "$d/logs/error.log" >&2
	fail "nginx did not start"
}

write_nginx_conf() {
	local d=$1 cert=$2 key=$3
	cat <<-EOF
	daemon off;
	master_process off;
	pid $d/nginx.pid;
	error_log $d/logs/error.log warn;
	events { worker_connections 256; }
	http {
		log_format probe '\$connection \$connection_requests "\$request" \$status';
		access_log $d/logs/access.log probe;
		client_body_temp_path $d/tmp/body;
		proxy_temp_path $d/tmp/proxy;
		fastcgi_temp_path $d/tmp/fastcgi;
		uwsgi_temp_path $d/tmp/uwsgi;
		scgi_temp_path $d/tmp/scgi;
		default_type application/octet-stream;
		types { text/html html; }
		keepalive_requests 100000;
		server {
			listen 127.0.0.1:$NGINX_PORT;
			listen unix:$NGINX_SOCK;
			$([ -n "$cert" ] && printf 'listen 127.0.0.1:%s ssl;' "$NGINX_TLS_PORT")
			$([ -n "$cert" ] && printf 'ssl_certificate %s; ssl_certificate_key %s;' "$cert" "$key")
			ssl_protocols TLSv1.2 TLSv1.3;
			root $d/html;
			absolute_redirect off;
			add_header X-Probe yes;
			location = /old { return 301 /index.html; }
			location = /relative { return 302 dir/../dir/page.html; }
			location = /loop { return 302 /loop; }
			location = /missing { return 404; }
		}
	}
	EOF
}

# The lines nginx logged: "CONNECTION REQUESTS "REQUEST" STATUS".
nginx_log() { cat "$TMP/nginx/logs/access.log"; }

# peer ARGS...: tests/http-peer.py with ARGS, on port $PORT.
peer() { serve python3 "$BATS_TEST_DIRNAME/http-peer.py" "$@"; }

# reply FILE PRINTF-FORMAT...: a raw response for `peer --reply FILE`.
reply() {
	local file=$1; shift
	printf "$@" >"$file"
}

# ---- usage ----

@test "http-probe without a URL exits 2 and says so" {
	run -2 --separate-stderr sockbox http-probe
	assert_equal "$stderr" "sockbox http-probe: missing URL (see 'sockbox http-probe --help')"
}

@test "http-probe refuses a scheme other than http and https with exit 2" {
	run -2 --separate-stderr sockbox http-probe ftp://example.com/
	assert_equal "$stderr" "sockbox http-probe: invalid URL 'ftp://example.com/': unsupported scheme (only http and https) (see 'sockbox http-probe --help')"
}

@test "http-probe refuses a URL with a bad port or credentials with exit 2" {
	run -2 --separate-stderr sockbox http-probe http://127.0.0.1:70000/
	assert_equal "$stderr" "sockbox http-probe: invalid URL 'http://127.0.0.1:70000/': port out of range (see 'sockbox http-probe --help')"
	run -2 --separate-stderr sockbox http-probe http://user:pw@127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: invalid URL 'http://user:pw@127.0.0.1/': user names and passwords in URLs are not supported (see 'sockbox http-probe --help')"
}

@test "bad option values exit 2 naming the option" {
	run -2 --separate-stderr sockbox http-probe --expect 2x http://127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: invalid --expect '2x': expected statuses such as 200,204 or 2xx (see 'sockbox http-probe --help')"
	run -2 --separate-stderr sockbox http-probe -H 'Bad Name: x' http://127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: invalid --header 'Bad Name: x': expected NAME: VALUE, or NAME: alone (see 'sockbox http-probe --help')"
	run -2 --separate-stderr sockbox http-probe -X 'GE T' http://127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: invalid --request 'GE T': expected a method name, such as GET or PROPFIND (see 'sockbox http-probe --help')"
	run -2 --separate-stderr sockbox http-probe --resolve example.com:80 http://127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: invalid --resolve 'example.com:80': expected HOST:PORT:ADDR (see 'sockbox http-probe --help')"
	run -2 --separate-stderr sockbox http-probe -n 0 http://127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: invalid --count '0': expected a whole number from 1 (see 'sockbox http-probe --help')"
}

@test "conflicting options exit 2" {
	run -2 --separate-stderr sockbox http-probe -I -d x http://127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: --head and --data cannot go together (see 'sockbox http-probe --help')"
	run -2 --separate-stderr sockbox http-probe --body --json http://127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: --body (or -o -) and --json exclude each other: both take stdout; write the body with -o FILE (see 'sockbox http-probe --help')"
	run -2 --separate-stderr sockbox http-probe http://127.0.0.1/ http://127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: one URL only (see 'sockbox http-probe --help')"
}

# ---- nginx ----

@test "one probe of nginx prints one line: status, remote, phases, size; exit 0" {
	start_nginx
	run -0 --separate-stderr sockbox http-probe "http://127.0.0.1:$NGINX_PORT/"
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^HTTP/1\.1 200 OK from 127\.0\.0\.1:$NGINX_PORT: dns [0-9.]+ connect [0-9.]+ tls 0\.000 server [0-9.]+ transfer [0-9.]+ total [0-9.]+ ms, 17 bytes$"
}

@test "the phase durations on the line add up to the total" {
	start_nginx
	run -0 sockbox http-probe -n 3 --interval 0 --no-reuse "http://127.0.0.1:$NGINX_PORT/big.bin"
	for line in "${lines[@]:0:3}"; do
		echo "$line" | awk '{ for (i = 1; i <= NF; i++) v[$i] = $(i + 1);
			sum = v["dns"] + v["connect"] + v["tls"] + v["server"] + v["transfer"];
			d = sum - v["total"]; if (d < 0) d = -d; exit !(d <= 0.005 && v["total"] > 0) }' ||
			fail "phases do not add up: $line"
	done
}

@test "--json gives the stable keys in order, cumulative times never decreasing" {
	start_nginx
	run -0 --separate-stderr sockbox http-probe --json "http://127.0.0.1:$NGINX_PORT/"
	echo "$output" | python3 -m json.tool >/dev/null
	record=$output
	run -0 jq -r 'keys_unsorted[0:15] | join(" ")' <<<"$record"
	assert_output "url status reason version remote time_dns_ms time_connect_ms time_tls_ms time_ttfb_ms time_total_ms size headers tls ok error"
	run -0 jq -r '[.url, .status, .reason, .version, .remote, .size, .ok, .error, .tls, .headers["x-probe"]] | map(tostring) | join(" ")' <<<"$record"
	assert_output "http://127.0.0.1:$NGINX_PORT/ 200 OK HTTP/1.1 127.0.0.1:$NGINX_PORT 17 true null null yes"
	run -0 jq -e '.time_dns_ms <= .time_connect_ms and .time_connect_ms <= .time_tls_ms and .time_tls_ms <= .time_ttfb_ms and .time_ttfb_ms <= .time_total_ms' <<<"$record"
}

@test "-n 5 --interval 0 sends 5 requests on one kept-alive connection, then statistics" {
	start_nginx
	run -0 --separate-stderr sockbox http-probe -n 5 --interval 0 "http://127.0.0.1:$NGINX_PORT/"
	assert_equal "${#lines[@]}" 14
	assert_line --index 0 --regexp "^seq=1 HTTP/1\.1 200 OK .* 17 bytes$"
	assert_line --index 4 --regexp "^seq=5 HTTP/1\.1 200 OK .* 17 bytes, reused$"
	assert_line --index 5 "--- http://127.0.0.1:$NGINX_PORT/ statistics ---"
	assert_line --index 6 "5 sent, 5 ok, 0 failed (0 errors, 0 unmet), 1 connection"
	assert_line --index 7 "phase          n       min       avg       p50       p90       max (ms)"
	assert_line --index 8 --regexp "^dns +1 "
	assert_line --index 10 "tls            0         -         -         -         -         -"
	assert_line --index 13 --regexp "^total +5 "
	run -0 nginx_log
	assert_equal "$(awk '{print $1}' <<<"$output" | sort -u | wc -l)" 1
	assert_line --index 4 --regexp '^[0-9]+ 5 "GET / HTTP/1\.1" 200$'
}

@test "--no-reuse opens a new connection for every probe" {
	start_nginx
	run -0 sockbox http-probe -n 3 --interval 0 --no-reuse "http://127.0.0.1:$NGINX_PORT/"
	assert_line "3 sent, 3 ok, 0 failed (0 errors, 0 unmet), 3 connections"
	run -0 nginx_log
	assert_equal "$(awk '{print $1}' <<<"$output" | sort -u | wc -l)" 3
}

@test "-I sends HEAD and reads no body although Content-Length says 17; the connection stays usable" {
	start_nginx
	run -0 sockbox http-probe -I -n 2 --interval 0 "http://127.0.0.1:$NGINX_PORT/"
	assert_line --index 0 --regexp "^seq=1 HTTP/1\.1 200 OK .* 0 bytes$"
	assert_line --index 1 --regexp "^seq=2 HTTP/1\.1 200 OK .* 0 bytes, reused$"
	run -0 nginx_log
	assert_line --index 1 --regexp '^[0-9]+ 2 "HEAD / HTTP/1\.1" 200$'
}

@test "-L follows a 301, one line per response, on the same connection" {
	start_nginx
	run -0 sockbox http-probe -L "http://127.0.0.1:$NGINX_PORT/old"
	assert_line --index 0 --regexp "^HTTP/1\.1 301 Moved Permanently from .*, redirect to http://127\.0\.0\.1:$NGINX_PORT/index\.html$"
	assert_line --index 1 --regexp "^HTTP/1\.1 200 OK from .* 17 bytes, reused$"
}

@test "-L resolves a relative Location with dot segments against the request URL" {
	start_nginx
	run -0 sockbox http-probe -L -o "$TMP/page" "http://127.0.0.1:$NGINX_PORT/relative"
	assert_line --index 0 --regexp "redirect to http://127\.0\.0\.1:$NGINX_PORT/dir/page\.html$"
	assert_equal "$(cat "$TMP/page")" "nested"
}

@test "without -L a 301 counts as success; --expect 200 makes it exit 3 with the reason" {
	start_nginx
	run -0 sockbox http-probe "http://127.0.0.1:$NGINX_PORT/old"
	run -3 --separate-stderr sockbox http-probe --expect 200 "http://127.0.0.1:$NGINX_PORT/old"
	assert_output --regexp "^HTTP/1\.1 301 Moved Permanently from "
	assert_equal "$stderr" "sockbox http-probe: expected status 200, got 301"
}

@test "-L on a redirect loop stops after --max-redirs with exit 1" {
	start_nginx
	run -1 --separate-stderr sockbox http-probe -L --max-redirs 3 "http://127.0.0.1:$NGINX_PORT/loop"
	assert_equal "${#lines[@]}" 3
	assert_equal "$stderr" "sockbox http-probe: stopped after 3 redirects (--max-redirs)"
}

@test "a 10 MiB file arrives whole: -o writes it byte for byte" {
	start_nginx
	run -0 sockbox http-probe -o "$TMP/big" "http://127.0.0.1:$NGINX_PORT/big.bin"
	assert_output --regexp " 10485760 bytes$"
	cmp "$TMP/nginx/html/big.bin" "$TMP/big"
}

@test "--body writes the body to stdout and the probe line to stderr" {
	start_nginx
	run -0 --separate-stderr sockbox http-probe --body "http://127.0.0.1:$NGINX_PORT/"
	assert_output "hello from nginx"
	assert_regex "$stderr" "^sockbox http-probe: HTTP/1\.1 200 OK from "
}

@test "--body into a full disk reports the failed write and exits 1" {
	start_nginx
	run -1 --separate-stderr sh -c "'$SOCKBOX' http-probe --body 'http://127.0.0.1:$NGINX_PORT/' >/dev/full"
	assert_equal "${stderr_lines[-1]}" "sockbox http-probe: write stdout: No space left on device"
}

@test "a 404 misses the default expectation: the line, then exit 3 and why" {
	start_nginx
	run -3 --separate-stderr sockbox http-probe "http://127.0.0.1:$NGINX_PORT/missing"
	assert_output --regexp "^HTTP/1\.1 404 Not Found from "
	assert_equal "$stderr" "sockbox http-probe: expected status below 400, got 404"
	run -0 sockbox http-probe --expect 2xx,404 "http://127.0.0.1:$NGINX_PORT/missing"
}

@test "--expect-header and --expect-body pass, and fail with exit 3 saying what was missing" {
	start_nginx
	url=http://127.0.0.1:$NGINX_PORT/
	run -0 sockbox http-probe --expect-header X-Probe --expect-header 'content-type: text/html' --expect-body 'from ngi' "$url"
	run -3 --separate-stderr sockbox http-probe --expect-header X-Absent "$url"
	assert_equal "$stderr" "sockbox http-probe: expected the field X-Absent, got none"
	run -3 --separate-stderr sockbox http-probe --expect-header 'X-Probe: no' "$url"
	assert_equal "$stderr" "sockbox http-probe: expected X-Probe: no, got X-Probe: yes"
	run -3 --separate-stderr sockbox http-probe --expect-body 'goodbye' "$url"
	assert_equal "$stderr" 'sockbox http-probe: expected the body to contain "goodbye"'
}

@test "--expect-body finds text that straddles two reads of a 10 MiB body" {
	start_nginx
	# 64 KiB is the size of one read: plant the text across that boundary
	printf 'abcdefghijkl' | dd of="$TMP/nginx/html/big.bin" bs=1 seek=65530 conv=notrunc 2>/dev/null
	run -0 sockbox http-probe --expect-body abcdefghijkl "http://127.0.0.1:$NGINX_PORT/big.bin"
}

@test "--unix-socket reaches nginx on its unix socket, Host from the URL" {
	start_nginx
	run -0 sockbox http-probe --unix-socket "$NGINX_SOCK" http://localhost/
	assert_output --regexp "^HTTP/1\.1 200 OK from unix:$NGINX_SOCK: "
}

@test "-v shows the request with '>' and the response with '<' on stderr; stdout keeps its one line" {
	start_nginx
	run -0 --separate-stderr sockbox http-probe -v -H 'X-Test: 1' "http://127.0.0.1:$NGINX_PORT/"
	assert_equal "${#lines[@]}" 1
	for want in "> GET / HTTP/1.1" "> Host: 127.0.0.1:$NGINX_PORT" "> User-Agent: sockbox/$(sockbox --version | cut -d' ' -f2)" \
		"> Accept: */*" "> X-Test: 1" ">" "< HTTP/1.1 200 OK" "< X-Probe: yes" "<"; do
		grep -qxF "sockbox http-probe: $want" <<<"$stderr" || fail "no '$want' in: $stderr"
	done
	assert_regex "$stderr" "sockbox http-probe: connect 127\.0\.0\.1:$NGINX_PORT: connected in [0-9.]+ ms"
	assert_regex "$stderr" "body 17 bytes, framed by content-length; connection kept alive"
}

# ---- TLS ----

@test "https without --cacert fails verification: exit 1 and the reason" {
	start_nginx "$CERTS/leaf.pem" "$CERTS/leaf.key"
	want="sockbox http-probe: tls handshake with 127.0.0.1:$NGINX_TLS_PORT: certificate verify failed: unable to get local issuer certificate"
	# the system store both ways: the hashed directory, read lazily, and
	# the bundle file when SSL_CERT_FILE names it
	run -1 --separate-stderr env -u SSL_CERT_FILE -u SSL_CERT_DIR "$SOCKBOX" http-probe "https://127.0.0.1:$NGINX_TLS_PORT/"
	assert_output ""
	assert_equal "$stderr" "$want"
	[ -f /etc/ssl/certs/ca-certificates.crt ] || return 0 # no ca-certificates package
	run -1 --separate-stderr env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt "$SOCKBOX" http-probe "https://127.0.0.1:$NGINX_TLS_PORT/"
	assert_equal "$stderr" "$want"
}

@test "SSL_CERT_FILE naming the test CA makes the system store trust it" {
	start_nginx "$CERTS/leaf.pem" "$CERTS/leaf.key"
	run -0 env SSL_CERT_FILE="$CERTS/ca.pem" "$SOCKBOX" http-probe "https://localhost:$NGINX_TLS_PORT/"
}

@test "https with --cacert verifies; JSON shows the certificate, ALPN and the TLS phase" {
	start_nginx "$CERTS/leaf.pem" "$CERTS/leaf.key"
	run -0 --separate-stderr sockbox http-probe --json --cacert "$CERTS/ca.pem" "https://localhost:$NGINX_TLS_PORT/"
	run -0 jq -r '[.status, .tls.subject, .tls.issuer, .tls.alpn, .tls.verified, .tls.days_left, (.tls.version | test("^TLSv1\\.[23]$")), (.time_tls_ms > .time_connect_ms)] | map(tostring) | join("|")' <<<"$output"
	assert_output "200|CN=localhost|CN=sockbox test CA|http/1.1|true|29|true|true"
}

@test "a host name the certificate does not name fails even with --cacert" {
	start_nginx "$CERTS/leaf.pem" "$CERTS/leaf.key"
	run -1 --separate-stderr sockbox http-probe --cacert "$CERTS/ca.pem" \
		--resolve "wrong.example:$NGINX_TLS_PORT:127.0.0.1" "https://wrong.example:$NGINX_TLS_PORT/"
	assert_equal "$stderr" "sockbox http-probe: tls handshake with 127.0.0.1:$NGINX_TLS_PORT: certificate verify failed: hostname mismatch"
}

@test "-k accepts the unverified certificate and JSON says verified false" {
	start_nginx "$CERTS/leaf.pem" "$CERTS/leaf.key"
	run -0 --separate-stderr sockbox http-probe -k --json "https://127.0.0.1:$NGINX_TLS_PORT/"
	assert_equal "$(jq -r '.tls.verified' <<<"$output")" false
}

@test "--cert-warn-days trips on a certificate that expires within a day: exit 3" {
	start_nginx "$CERTS/short.pem" "$CERTS/short.key"
	url=https://127.0.0.1:$NGINX_TLS_PORT/
	run -0 sockbox http-probe --cacert "$CERTS/ca.pem" "$url"
	run -3 --separate-stderr sockbox http-probe --cacert "$CERTS/ca.pem" --cert-warn-days 2 "$url"
	assert_output --regexp "^HTTP/1\.1 200 OK "
	assert_regex "$stderr" "^sockbox http-probe: certificate expires on [0-9T:-]+Z, in 0 days, within --cert-warn-days 2$"
}

@test "--cert-warn-days passes a certificate with 29 days left" {
	start_nginx "$CERTS/leaf.pem" "$CERTS/leaf.key"
	run -0 sockbox http-probe --cacert "$CERTS/ca.pem" --cert-warn-days 7 "https://127.0.0.1:$NGINX_TLS_PORT/"
	run -3 sockbox http-probe --cacert "$CERTS/ca.pem" --cert-warn-days 60 "https://127.0.0.1:$NGINX_TLS_PORT/"
}

@test "-n 3 over https does one TLS handshake on one connection" {
	start_nginx "$CERTS/leaf.pem" "$CERTS/leaf.key"
	run -0 sockbox http-probe -n 3 --interval 0 --cacert "$CERTS/ca.pem" "https://127.0.0.1:$NGINX_TLS_PORT/"
	assert_line "3 sent, 3 ok, 0 failed (0 errors, 0 unmet), 1 connection"
	assert_line --regexp "^tls +1 "
}

@test "openssl s_server -WWW serves a file over TLS; the close ends the body" {
	printf 'from s_server\n' >"$TMP/page.txt"
	cd "$TMP"
	bg openssl s_server -accept 127.0.0.1:0 -cert "$CERTS/leaf.pem" -key "$CERTS/leaf.key" -WWW
	wait_until 10 grep -q '^ACCEPT' "$BG_OUT" || fail "s_server did not start"
	port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$BG_OUT")
	run -0 --separate-stderr sockbox http-probe --cacert "$CERTS/ca.pem" --body "https://localhost:$port/page.txt"
	assert_output "from s_server"
	assert_regex "$stderr" "HTTP/1\.0 200 ok from 127\.0\.0\.1:$port: .* 14 bytes$"
}

@test "a plain HTTP server on an https URL is a TLS error, not a hang" {
	start_nginx
	run -1 --separate-stderr sockbox http-probe --max-time 5 "https://127.0.0.1:$NGINX_PORT/"
	assert_regex "$stderr" "^sockbox http-probe: tls handshake with 127\.0\.0\.1:$NGINX_PORT: (wrong version number|packet length too long|record layer failure)$"
}

# ---- python3 http.server ----

@test "python3 http.server answers HTTP/1.0 and closes: no reuse, two connections" {
	printf 'py\n' >"$TMP/file.txt"
	cd "$TMP"
	bg python3 -u -m http.server 0 --bind 127.0.0.1
	wait_until 10 grep -q 'port' "$BG_OUT" || fail "http.server did not start"
	port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$BG_OUT")
	run -0 sockbox http-probe -n 2 --interval 0 "http://127.0.0.1:$port/file.txt"
	assert_line --index 0 --regexp "^seq=1 HTTP/1\.0 200 OK from .* 3 bytes$"
	assert_line --index 1 --regexp "^seq=2 HTTP/1\.0 200 OK from .* 3 bytes$"
	assert_line "2 sent, 2 ok, 0 failed (0 errors, 0 unmet), 2 connections"
}

# ---- scripted peers ----

@test "the request carries Host, User-Agent, Accept, -H fields and the -d body with its length" {
	peer --log "$TMP/requests"
	run -0 sockbox http-probe -H 'X-One: 1' -H 'Accept:' -A probe/1 -d 'a=1&b=2' "http://127.0.0.1:$PORT/submit?x=1#frag"
	expected=$(printf 'POST /submit?x=1 HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: probe/1\r\nContent-Length: 7\r\nX-One: 1\r\n\r\na=1&b=2' "$PORT")
	assert_equal "$(cat "$TMP/requests")" "$expected"
}

@test "-d @FILE sends the file's bytes as they are" {
	peer --log "$TMP/requests"
	printf 'line 1\nline 2\n' >"$TMP/body"
	run -0 sockbox http-probe -X PUT -d "@$TMP/body" "http://127.0.0.1:$PORT/"
	tail -c 14 "$TMP/requests" | cmp - "$TMP/body"
	grep -q $'^PUT / HTTP/1.1\r$' "$TMP/requests"
	grep -q $'^Content-Length: 14\r$' "$TMP/requests"
}

@test "a chunked body with extensions and trailers is decoded; size counts the data only" {
	reply "$TMP/r" 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6;name=v\r\nhello \r\n5\r\nworld\r\n0\r\nX-Checksum: 1\r\n\r\n'
	peer --reply "$TMP/r"
	run -0 sockbox http-probe -o "$TMP/out" "http://127.0.0.1:$PORT/"
	assert_output --regexp " 11 bytes$"
	assert_equal "$(cat "$TMP/out")" "hello world"
	run -0 sockbox http-probe -n 2 --interval 0 "http://127.0.0.1:$PORT/"
	assert_line --index 1 --regexp " 11 bytes, reused$"
	assert_line "2 sent, 2 ok, 0 failed (0 errors, 0 unmet), 1 connection"
}

@test "a body that ends with the close (no length) is complete at the close" {
	reply "$TMP/r" 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end\n'
	peer --reply "$TMP/r" --after close
	run -0 --separate-stderr sockbox http-probe -v --body "http://127.0.0.1:$PORT/"
	assert_output "until the end"
	assert_regex "$stderr" "body 14 bytes, ended by the close; connection closed"
}

@test "interim 100 and 103 responses are skipped; the final answer counts" {
	reply "$TMP/r" 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'
	peer --reply "$TMP/r"
	run -0 --separate-stderr sockbox http-probe -v "http://127.0.0.1:$PORT/"
	assert_output --regexp "^HTTP/1\.1 204 No Content from .* 0 bytes$"
	assert_regex "$stderr" "< HTTP/1\.1 100 Continue"
	assert_regex "$stderr" "< HTTP/1\.1 103 Early Hints"
}

@test "a malformed status line is a protocol error: exit 1, the line quoted" {
	reply "$TMP/r" 'HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n'
	peer --reply "$TMP/r"
	run -1 --separate-stderr sockbox http-probe "http://127.0.0.1:$PORT/"
	assert_output ""
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: malformed status line \"HTTP/1.1 2OO OK\""
}

@test "a status line of another protocol version is refused" {
	reply "$TMP/r" 'HTTP/2.0 200 OK\r\n\r\n'
	peer --reply "$TMP/r"
	run -1 --separate-stderr sockbox http-probe "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: malformed status line \"HTTP/2.0 200 OK\": not HTTP/1.x"
}

@test "a header field with space before the colon is refused" {
	reply "$TMP/r" 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n'
	peer --reply "$TMP/r"
	run -1 --separate-stderr sockbox http-probe "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: malformed header field \"Content-Length : 0\": whitespace before the colon"
}

@test "endless header fields stop at --max-header-size: exit 1" {
	peer --mode endless-headers
	run -1 --separate-stderr sockbox http-probe --max-header-size 4K "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: header section exceeds 4096 bytes"
}

@test "a body shorter than its Content-Length is an error saying how much came" {
	reply "$TMP/r" 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b'
	peer --reply "$TMP/r" --after close
	run -1 --separate-stderr sockbox http-probe -o "$TMP/out" "http://127.0.0.1:$PORT/"
	assert_output ""
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: connection closed after 10 of 100 body bytes"
	assert_file_not_exists "$TMP/out"
	run -0 find "$TMP" -maxdepth 1 -name '.out.*'
	assert_output ""
}

@test "a chunked body cut short is an error" {
	reply "$TMP/r" 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort'
	peer --reply "$TMP/r" --after close
	run -1 --separate-stderr sockbox http-probe "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: connection closed inside the chunked body after 5 bytes"
}

@test "Content-Length and Transfer-Encoding together are refused as smuggling" {
	reply "$TMP/r" 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
	peer --reply "$TMP/r"
	run -1 --separate-stderr sockbox http-probe "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: both transfer-encoding and content-length"
}

@test "a server that accepts and never answers times out at --max-time: exit 1" {
	peer --mode silent
	run -1 --separate-stderr sockbox http-probe --max-time 0.5 "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: timed out"
}

@test "a connection reset after the request is reported as a reset: exit 1" {
	peer --mode reset
	run -1 --separate-stderr sockbox http-probe "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: Connection reset by peer"
}

@test "a closed port is connection refused, with the address" {
	port=$(free_port)
	run -1 --separate-stderr sockbox http-probe "http://127.0.0.1:$port/"
	assert_equal "$stderr" "sockbox http-probe: connect 127.0.0.1:$port: Connection refused"
}

@test "a name with two addresses: the refused attempt is reported, the next one answers" {
	peer
	run -0 --separate-stderr sockbox http-probe --json --resolve "two.test:$PORT:127.0.0.2,127.0.0.1" "http://two.test:$PORT/"
	assert_regex "$stderr" "^sockbox http-probe: connect 127\.0\.0\.2:$PORT: Connection refused after [0-9.]+ ms, trying the next address$"
	run -0 jq -r '.connects | map("\(.address) \(.ok) \(.error)") | join(", ")' <<<"$output"
	assert_output "127.0.0.2:$PORT false Connection refused, 127.0.0.1:$PORT true null"
}

@test "--retry retries a 503 and reports each attempt, then exits 3" {
	reply "$TMP/r" 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'
	peer --reply "$TMP/r"
	run -3 --separate-stderr sockbox http-probe --retry 2 --retry-delay 0 "http://127.0.0.1:$PORT/"
	assert_equal "${#lines[@]}" 3
	assert_line --index 2 --regexp "^attempt=3 HTTP/1\.1 503 Service Unavailable "
	assert_equal "$stderr" "sockbox http-probe: expected status below 400, got 503
sockbox http-probe: retry 1 of 2 in 0 s
sockbox http-probe: expected status below 400, got 503
sockbox http-probe: retry 2 of 2 in 0 s
sockbox http-probe: expected status below 400, got 503"
}

@test "--retry does not retry an answer that was expected or a protocol error" {
	reply "$TMP/r" 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'
	peer --reply "$TMP/r"
	run -0 sockbox http-probe --retry 3 --retry-delay 0 --expect 503 "http://127.0.0.1:$PORT/"
	assert_equal "${#lines[@]}" 1
}

@test "--retry retries a refused connection, then gives up with exit 1" {
	port=$(free_port)
	run -1 --separate-stderr sockbox http-probe --retry 1 --retry-delay 0 "http://127.0.0.1:$port/"
	assert_equal "$stderr" "sockbox http-probe: connect 127.0.0.1:$port: Connection refused
sockbox http-probe: retry 1 of 1 in 0 s
sockbox http-probe: connect 127.0.0.1:$port: Connection refused"
}

@test "a kept connection the server drops is reopened and the request sent again" {
	peer --answer 1
	run -0 --separate-stderr sockbox http-probe -v -n 2 --interval 0 "http://127.0.0.1:$PORT/"
	assert_line "2 sent, 2 ok, 0 failed (0 errors, 0 unmet), 2 connections"
	assert_regex "$stderr" "connection closed before any response; sending again on a new connection"
}

@test "SIGINT during -n ends the run with the statistics so far" {
	peer
	bg "$SOCKBOX" http-probe -n 1000 --interval 0.1 "http://127.0.0.1:$PORT/"
	wait_until 10 eval "[ \$(grep -c '^seq=' '$BG_OUT') -ge 2 ]" || fail "no probes"
	kill -INT "$BG_PID"
	wait_exit "$BG_PID" 5 || fail "http-probe did not stop"
	wait "$BG_PID" && status=0 || status=$?
	assert_equal "$status" 0
	grep -qE '^[0-9]+ sent, [0-9]+ ok, 0 failed \(0 errors, 0 unmet\), 1 connection$' "$BG_OUT"
}

@test "JSON statistics: counts, and min <= p50 <= p90 <= max for every phase" {
	peer
	run -0 sh -c "'$SOCKBOX' http-probe --json -n 20 --interval 0 'http://127.0.0.1:$PORT/' | tail -n 1"
	run -0 jq -r '.statistics | [.sent, .ok, .failed, .connections, .dns.n, .tls.n, .total.n] | map(tostring) | join(" ")' <<<"$output"
	assert_output "20 20 0 1 1 0 20"
	run -0 sh -c "'$SOCKBOX' http-probe --json -n 20 --interval 0 'http://127.0.0.1:$PORT/' | tail -n 1 | jq -e '.statistics | [.server, .transfer, .total] | all(.min_ms <= .p50_ms and .p50_ms <= .p90_ms and .p90_ms <= .max_ms and .min_ms <= .avg_ms and .avg_ms <= .max_ms)'"
}

@test "a failed probe in JSON has status null, the error, and ok false" {
	port=$(free_port)
	run -1 --separate-stderr sockbox http-probe --json "http://127.0.0.1:$port/"
	run -0 jq -r '[.status, .ok, .error, .time_connect_ms, .connects[0].error] | map(tostring) | join("|")' <<<"$output"
	assert_output "null|false|connect 127.0.0.1:$port: Connection refused|null|Connection refused"
}

@test "a missing or empty --cacert file is exit 1 before any connection" {
	run -1 --separate-stderr sockbox http-probe --cacert "$TMP/none.pem" https://127.0.0.1:1/
	assert_equal "$stderr" "sockbox http-probe: load CA file $TMP/none.pem: No such file or directory"
	echo junk >"$TMP/junk.pem"
	run -1 --separate-stderr sockbox http-probe --cacert "$TMP/junk.pem" https://127.0.0.1:1/
	assert_equal "$stderr" "sockbox http-probe: load CA file $TMP/junk.pem: no certificate or crl found"
}

@test "a name that does not resolve is exit 1 naming the host" {
	run -1 --separate-stderr sockbox http-probe --max-time 3 http://no-such-host.invalid/
	assert_regex "$stderr" "^sockbox http-probe: resolve no-such-host\.invalid: [A-Za-z].*$"
}

@test "-6 refuses an IPv4 address: no address of that family" {
	run -1 --separate-stderr sockbox http-probe -6 http://127.0.0.1:1/
	assert_regex "$stderr" "^sockbox http-probe: resolve 127\.0\.0\.1: "
}

@test "-o into a directory that does not exist is exit 1, and nothing is left" {
	start_nginx
	run -1 --separate-stderr sockbox http-probe -o "$TMP/no/such/file" "http://127.0.0.1:$NGINX_PORT/"
	assert_equal "$stderr" "sockbox http-probe: open $TMP/no/such/file: No such file or directory"
}

@test "-o replaces an existing file only when the new body is complete" {
	start_nginx
	printf 'old\n' >"$TMP/keep"
	reply "$TMP/r" 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\ncut short'
	peer --reply "$TMP/r" --after close
	run -1 sockbox http-probe -o "$TMP/keep" "http://127.0.0.1:$PORT/"
	assert_equal "$(cat "$TMP/keep")" "old"
	run -0 sockbox http-probe -o "$TMP/keep" "http://127.0.0.1:$NGINX_PORT/"
	assert_equal "$(cat "$TMP/keep")" "hello from nginx"
}

@test "-o gives a new file 0666 less the umask; a replaced file keeps its mode; /dev/null is written, not replaced" {
	start_nginx
	(umask 027 && sockbox http-probe -o "$TMP/new" "http://127.0.0.1:$NGINX_PORT/" >/dev/null)
	assert_equal "$(stat -c %a "$TMP/new")" 640
	printf 'old\n' >"$TMP/keep"
	chmod 600 "$TMP/keep"
	run -0 sockbox http-probe -o "$TMP/keep" "http://127.0.0.1:$NGINX_PORT/"
	assert_equal "$(stat -c %a "$TMP/keep") $(cat "$TMP/keep")" "600 hello from nginx"
	run -0 sockbox http-probe -o /dev/null "http://127.0.0.1:$NGINX_PORT/"
	assert [ -c /dev/null ]
}

@test "-H Host: replaces the default Host field" {
	peer --log "$TMP/requests"
	run -0 sockbox http-probe -H 'Host: virtual.example' "http://127.0.0.1:$PORT/"
	grep -q $'^Host: virtual.example\r$' "$TMP/requests"
	[ "$(grep -c '^Host:' "$TMP/requests")" -eq 1 ]
}

@test "-L turns a POST answered by a 301 into a GET without a body" {
	start_nginx
	run -0 sockbox http-probe -L -d 'x=1' "http://127.0.0.1:$NGINX_PORT/old"
	run -0 nginx_log
	assert_line --index 0 --regexp '"POST /old HTTP/1\.1" 301$'
	assert_line --index 1 --regexp '"GET /index\.html HTTP/1\.1" 200$'
}

@test "an IPv6 literal URL reaches a server on ::1 and names it [::1]:PORT" {
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
		skip "no IPv6 loopback here"
	printf 'six\n' >"$TMP/six.txt"
	cd "$TMP"
	bg python3 -u -m http.server 0 --bind ::1
	wait_until 10 grep -q 'port' "$BG_OUT" || fail "http.server did not start"
	port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$BG_OUT")
	run -0 sockbox http-probe "http://[::1]:$port/six.txt"
	assert_output --regexp "^HTTP/1\.0 200 OK from \[::1\]:$port: .* 4 bytes$"
}

@test "a reader that goes away (| head -n 1) ends -n quietly, exit 0" {
	peer
	run -0 --separate-stderr bash -c "set -o pipefail; '$SOCKBOX' http-probe -n 100000 --interval 0.01 'http://127.0.0.1:$PORT/' | head -n 1"
	assert_output --regexp '^seq=1 HTTP/1\.1 200 OK '
	assert_equal "$stderr" ""
}

# ---- issue 11: peers that do not speak HTTP, an unsolicited 101, --body with --json ----

@test "a peer that answers with an SSH banner and waits is named at once, not timed out: exit 1" {
	reply "$TMP/r" 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'
	peer --reply "$TMP/r" --after hang
	run -1 --separate-stderr sockbox http-probe --max-time 20 "http://127.0.0.1:$PORT/"
	assert_output ""
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: not an HTTP response: 'SSH-2.0-OpenSSH_9.2p1 Debian-2'"
}

@test "a non-HTTP first line is quoted escaped and cut short" {
	reply "$TMP/r" "it's \\001 not http %s\\r\\n" "$(head -c 100 /dev/zero | tr '\0' z)"
	peer --reply "$TMP/r" --after hang
	run -1 --separate-stderr sockbox http-probe --max-time 20 "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: not an HTTP response: 'it\\x27s \\x01 not http zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...'"
}

@test "a 101 Switching Protocols the probe did not ask for is a protocol error: exit 1" {
	reply "$TMP/r" 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'
	peer --reply "$TMP/r" --after hang
	run -1 --separate-stderr sockbox http-probe --max-time 20 "http://127.0.0.1:$PORT/"
	assert_output ""
	assert_equal "$stderr" "sockbox http-probe: read response from 127.0.0.1:$PORT: unsolicited 101 Switching Protocols: the request asked for no Upgrade"
}

@test "a 101 answering the probe's own Upgrade field is the final answer: exit 0" {
	reply "$TMP/r" 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'
	peer --reply "$TMP/r" --after hang
	run -0 --separate-stderr sockbox http-probe --max-time 20 -H 'Connection: Upgrade' -H 'Upgrade: websocket' "http://127.0.0.1:$PORT/"
	assert_output --regexp "^HTTP/1\.1 101 Switching Protocols from 127\.0\.0\.1:$PORT: .* 0 bytes$"
	assert_equal "$stderr" ""
}

@test "--json with the body on stdout is a usage error; with -o FILE both are written" {
	run -2 --separate-stderr sockbox http-probe --json -o - http://127.0.0.1/
	assert_equal "$stderr" "sockbox http-probe: --body (or -o -) and --json exclude each other: both take stdout; write the body with -o FILE (see 'sockbox http-probe --help')"
	peer
	run -0 --separate-stderr sockbox http-probe --json -o "$TMP/body" "http://127.0.0.1:$PORT/"
	assert_equal "$stderr" ""
	run -0 jq -r .status <<<"$output"
	assert_output "200"
	run -0 cat "$TMP/body"
	assert_output "ok"
}

# ---- names with several addresses (RFC 8305) ----

# dual_localhost CMD...: CMD in a mount namespace of its own where
# /etc/hosts names localhost ::1 and 127.0.0.1 (the machine's file is left
# alone: the bind mount ends with the namespace).
dual_localhost() {
	require_root "a private /etc/hosts in a mount namespace"
	printf '::1 localhost\n127.0.0.1 localhost\n' >"$TMP/hosts"
	unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$TMP/hosts" "$@"
}

@test "a server on [::1] only is reached through localhost: exit 0" {
	serve sockbox poll-server --handler http -b '[::1]:0'
	run -0 --separate-stderr dual_localhost "$SOCKBOX" http-probe "http://localhost:$PORT/"
	assert_regex "$output" "^HTTP/1\.1 200 OK from \[::1\]:$PORT: "
	assert_equal "$stderr" ""
}

@test "-v tells the race: [::1] refused, 127.0.0.1 tried next and connected" {
	serve sockbox poll-server --handler http
	run -0 --separate-stderr dual_localhost "$SOCKBOX" http-probe -v --json "http://localhost:$PORT/"
	local want=(
		"resolve localhost: \[::1\]:$PORT, 127\.0\.0\.1:$PORT \([0-9.]+ ms\)"
		"connect \[::1\]:$PORT: trying"
		"connect \[::1\]:$PORT: Connection refused after [0-9.]+ ms, trying the next address"
		"connect 127\.0\.0\.1:$PORT: trying"
		"connect 127\.0\.0\.1:$PORT: connected in [0-9.]+ ms"
	)
	local i
	for i in 0 1 2 3 4; do
		assert_regex "${stderr_lines[$i]}" "^sockbox http-probe: ${want[$i]}$"
	done
	run -0 jq -r '.connects | map("\(.address) \(.ok) \(.error)") | join(", ")' <<<"$output"
	assert_output "[::1]:$PORT false Connection refused, 127.0.0.1:$PORT true null"
}

@test "every address of localhost refused: each named, exit 1" {
	port=$(free_port)
	run -1 --separate-stderr dual_localhost "$SOCKBOX" http-probe "http://localhost:$port/"
	assert_output ""
	assert_regex "${stderr_lines[0]}" "^sockbox http-probe: connect \[::1\]:$port: Connection refused after [0-9.]+ ms, trying the next address$"
	assert_equal "${stderr_lines[1]}" "sockbox http-probe: connect 127.0.0.1:$port: Connection refused"
	assert_equal "${#stderr_lines[@]}" 2
}

@test "[::1] silent: 127.0.0.1 started after 250 ms answers, connect is the winner's time" {
	cat >"$TMP/blackhole.py" <<-'PY'
	import os, signal, socket, sys
	l = socket.socket(socket.AF_INET6)
	l.bind(("::1", 0))
	l.listen(0)
	c = socket.socket(socket.AF_INET6)
	c.connect(l.getsockname()[:2])  # fills the queue of one: later SYNs are dropped
	with open(sys.argv[-1] + ".tmp", "w") as f:
	    f.write("%d\n" % l.getsockname()[1])
	os.rename(sys.argv[-1] + ".tmp", sys.argv[-1])
	signal.pause()
	PY
	serve python3 "$TMP/blackhole.py"
	serve sockbox poll-server --handler http -b "127.0.0.1:$PORT"
	run -0 --separate-stderr dual_localhost "$SOCKBOX" http-probe -v --json "http://localhost:$PORT/"
	assert_regex "${stderr_lines[2]}" "^sockbox http-probe: connect 127\.0\.0\.1:$PORT: trying \(no answer from \[::1\]:$PORT after 250 ms\)$"
	assert_regex "${stderr_lines[3]}" "^sockbox http-probe: connect 127\.0\.0\.1:$PORT: connected in [0-9.]+ ms$"
	assert_equal "${stderr_lines[4]}" "sockbox http-probe: connect [::1]:$PORT: closed, another address answered first"
	run -0 jq -r '[.connects[0].address, .connects[0].error, .connects[1].ok, .time_connect_ms >= 250] | map(tostring) | join(" ")' <<<"$output"
	assert_output "[::1]:$PORT Operation canceled true true"
}
