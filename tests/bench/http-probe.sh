#!/usr/bin/env bash
# tests/bench/http-probe.sh - http-probe against curl, same run, same nginx
# (access log off) on loopback, over http and https:
#   1. one probe, whole process: hyperfine (-N, no shell) when present,
#      else the best of 30 runs each
#   2. 1,000 sequential requests on one kept-alive connection:
#      `http-probe -n 1000 --interval 0` against curl fetching the same file
#      1,000 times in one invocation (a URL glob); best of 5 each
# Ratios above 1 mean sockbox is faster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

dir=$BENCH_TMP/http-probe
mkdir -p "$dir/html" "$dir/logs" "$dir/tmp"
head -c 1024 /dev/urandom >"$dir/html/1k.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null

nginx_pid=
stop_nginx() { [ -z "$nginx_pid" ] || { kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null || true; }; }
trap stop_nginx EXIT

# nginx cannot report a port 0 of its own: take two free ports, retry on a clash.
for try in 1 2 3 4 5; do
	port=$(free_port)
	tls_port=$(free_port)
	cat >"$dir/nginx.conf" <<-CONF
	daemon off;
	master_process off;
	pid $dir/nginx.pid;
	error_log $dir/logs/error.log warn;
	events { worker_connections 256; }
	http {
		access_log off;
		client_body_temp_path $dir/tmp/body;
		proxy_temp_path $dir/tmp/proxy;
		fastcgi_temp_path $dir/tmp/fastcgi;
		uwsgi_temp_path $dir/tmp/uwsgi;
		scgi_temp_path $dir/tmp/scgi;
		keepalive_requests 100000;
		server {
			listen 127.0.0.1:$port;
			listen 127.0.0.1:$tls_port ssl;
			ssl_certificate $dir/cert.pem;
			ssl_certificate_key $dir/key.pem;
			ssl_protocols TLSv1.2 TLSv1.3;
			root $dir/html;
		}
	}
	CONF
	rm -f "$dir/nginx.pid"
	nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" >/dev/null 2>&1 &
	nginx_pid=$!
	for _ in $(seq 250); do
		[ -s "$dir/nginx.pid" ] || ! kill -0 "$nginx_pid" 2>/dev/null && break
		sleep 0.02
	done
	[ -s "$dir/nginx.pid" ] && kill -0 "$nginx_pid" 2>/dev/null && break
	wait "$nginx_pid" 2>/dev/null || true
	nginx_pid=
done
[ -n "$nginx_pid" ] || { echo "bench: nginx did not start" >&2; cat "$dir/logs/error.log" >&2; exit 1; }

http=http://127.0.0.1:$port/1k.bin
https=https://127.0.0.1:$tls_port/1k.bin
ca=(--cacert "$dir/cert.pem")
"$SOCKBOX" http-probe --max-time 5 "$http" >/dev/null
"$SOCKBOX" http-probe --max-time 5 "${ca[@]}" "$https" >/dev/null

# one_probe LABEL URL [OPTION...]: whole-process time of one request.
one_probe() {
	local label=$1 url=$2; shift 2
	local sb cu
	if command -v hyperfine >/dev/null; then
		hyperfine -N --warmup 10 --runs 200 --export-json "$dir/hf.json" \
			"$SOCKBOX http-probe -o /dev/null $* $url" "curl -s -o /dev/null $* $url" >/dev/null 2>&1
		sb=$(jq '.results[0].mean' "$dir/hf.json")
		cu=$(jq '.results[1].mean' "$dir/hf.json")
		how="hyperfine -N, mean of 200"
	else
		sb=$(best_of 30 "$SOCKBOX" http-probe -o /dev/null "$@" "$url")
		cu=$(best_of 30 curl -s -o /dev/null "$@" "$url")
		how="best of 30"
	fi
	printf '%-6s one probe, whole process (%s): sockbox %.2f ms, curl %.2f ms, curl/sockbox %s\n' \
		"$label" "$how" "$(echo "$sb * 1000" | bc -l)" "$(echo "$cu * 1000" | bc -l)" "$(ratio "$cu" "$sb")"
}

# thousand LABEL URL [OPTION...]: 1,000 requests on one connection.
thousand() {
	local label=$1 url=$2; shift 2
	local sb cu
	sb=$(best_of 5 "$SOCKBOX" http-probe -n 1000 --interval 0 -o /dev/null "$@" "$url")
	cu=$(best_of 5 curl -s "$@" "$url?[1-1000]")
	printf '%-6s 1000 requests, one connection (best of 5): sockbox %s req/s, curl %s req/s, sockbox/curl %s\n' \
		"$label" "$(rate 1000 "$sb")" "$(rate 1000 "$cu")" "$(ratio "$cu" "$sb")"
}

echo "nginx 1 KiB file on 127.0.0.1; sockbox: http-probe -o /dev/null; curl: curl -s -o /dev/null"
one_probe http "$http"
one_probe https "$https" "${ca[@]}"
thousand http "$http"
thousand https "$https" "${ca[@]}"
