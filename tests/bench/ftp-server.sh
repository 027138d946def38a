#!/usr/bin/env bash
# tests/bench/ftp-server.sh - ftp-server against vsftpd and pyftpdlib, same
# run, same files, curl as the client on loopback:
#   1. download one file of $FTP_BENCH_SIZE (default 1G) to /dev/null, from
#      the page cache: ours vs vsftpd vs pyftpdlib, best of 3 each
#   2. 50 clients at once, $FTP_BENCH_CROWD (default 20M) each: aggregate
#      MB/s and the server's peak RSS (vsftpd: all its processes), ours vs
#      vsftpd
#   3. upload $FTP_BENCH_SIZE with curl -T: ours vs vsftpd, best of 3
# Ratios above 1 mean sockbox is faster.  Keep dev runs small:
#   FTP_BENCH_SIZE=64M FTP_BENCH_CROWD=2M make bench BENCH=ftp-server
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"

size=${FTP_BENCH_SIZE:-1G}
crowd=${FTP_BENCH_CROWD:-20M}
dir=$BENCH_TMP/ftp-server
mkdir -p "$dir/root/incoming" "$dir/empty" "$dir/ours-up"
chmod 755 "$BENCH_TMP" "$dir" "$dir/root"
chown ftp "$dir/root/incoming" 2>/dev/null || chmod 777 "$dir/root/incoming"
head -c "$size" /dev/urandom >"$dir/root/big.bin"
head -c "$crowd" /dev/urandom >"$dir/root/crowd.bin"
bytes=$(stat -c %s "$dir/root/big.bin")
cat "$dir/root/big.bin" "$dir/root/crowd.bin" >/dev/null # into the page cache

pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"$SOCKBOX" ftp-server -p 0 --root "$dir/root" --port-file "$dir/ours.port" 2>/dev/null &
ours_pid=$!
pids+=("$ours_pid")
"$SOCKBOX" ftp-server -p 0 -w --root "$dir/ours-up" --port-file "$dir/ours-up.port" 2>/dev/null &
pids+=($!)

vs_port=$(free_port)
cat >"$dir/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
background=NO
listen_address=127.0.0.1
listen_port=$vs_port
anonymous_enable=YES
local_enable=NO
anon_root=$dir/root
ftp_username=ftp
no_anon_password=YES
write_enable=YES
anon_upload_enable=YES
anon_umask=022
seccomp_sandbox=NO
secure_chroot_dir=$dir/empty
pasv_min_port=0
max_clients=200
max_per_ip=200
xferlog_enable=NO
CONF
vsftpd "$dir/vsftpd.conf" >/dev/null 2>&1 &
vs_pid=$!
pids+=("$vs_pid")

py_port=$(free_port)
/usr/bin/python3 -m pyftpdlib -i 127.0.0.1 -p "$py_port" -d "$dir/root" >/dev/null 2>&1 &
pids+=($!)

for _ in $(seq 250); do [ -s "$dir/ours.port" ] && [ -s "$dir/ours-up.port" ] && break; sleep 0.02; done
ours=$(cat "$dir/ours.port")
ours_up=$(cat "$dir/ours-up.port")
wait_listen "$vs_port"
wait_listen "$py_port"

get() { curl -sS -o /dev/null "ftp://127.0.0.1:$1/$2"; }
t_ours=$(best_of 3 get "$ours" big.bin)
t_vs=$(best_of 3 get "$vs_port" big.bin)
t_py=$(best_of 3 get "$py_port" big.bin)
mb=$(echo "$bytes / 1000000" | bc -l)
echo "download $size with curl (best of 3): ours $(rate "$mb" "$t_ours") MB/s," \
	"vsftpd $(rate "$mb" "$t_vs") MB/s, pyftpdlib $(rate "$mb" "$t_py") MB/s"
echo "  ratio vs vsftpd: $(ratio "$t_vs" "$t_ours"), vs pyftpdlib: $(ratio "$t_py" "$t_ours")"

# descendants PID: PID and every process below it (vsftpd: two per session).
descendants() {
	local p
	echo "$1"
	for p in $(pgrep -P "$1" 2>/dev/null); do descendants "$p"; done
}

# rss_kib PID: resident KiB of PID and all its descendants.
rss_kib() {
	local total=0 p r
	for p in $(descendants "$1"); do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || r=0
		total=$((total + ${r:-0}))
	done
	echo "$total"
}

# crowd PORT PID: 50 curls at once; prints "SECONDS PEAK_RSS_KIB".
crowd() {
	local port=$1 pid=$2 peak=0 r t0 t1 cpids=() p
	t0=$(date +%s.%N)
	for i in $(seq 50); do
		curl -sS -o /dev/null "ftp://127.0.0.1:$port/crowd.bin" &
		cpids+=($!)
	done
	while pgrep -x curl >/dev/null && [ "$(jobs -rp | wc -l)" -gt 0 ]; do
		r=$(rss_kib "$pid")
		((r > peak)) && peak=$r
		sleep 0.05
	done
	for p in "${cpids[@]}"; do wait "$p"; done
	t1=$(date +%s.%N)
	echo "$(echo "$t1 - $t0" | bc -l) $peak"
}
read -r c_ours rss_ours < <(crowd "$ours" "$ours_pid")
read -r c_vs rss_vs < <(crowd "$vs_port" "$vs_pid")
cmb=$(echo "50 * $(stat -c %s "$dir/root/crowd.bin") / 1000000" | bc -l)
echo "50 clients x $crowd at once: ours $(rate "$cmb" "$c_ours") MB/s, peak RSS $((rss_ours / 1024)) MiB;" \
	"vsftpd $(rate "$cmb" "$c_vs") MB/s, peak RSS $((rss_vs / 1024)) MiB (all processes)"
echo "  ratio: $(ratio "$c_vs" "$c_ours")"

# put PORT PREFIX DIR: one upload under a new name (vsftpd's anonymous
# user may not replace a file), then DIR emptied for the next run.
put() { curl -sS -T "$dir/root/big.bin" "ftp://127.0.0.1:$1/$2up-$RANDOM$RANDOM.bin" && rm -f "$3"/*; }
u_ours=$(best_of 3 put "$ours_up" "" "$dir/ours-up")
u_vs=$(best_of 3 put "$vs_port" incoming/ "$dir/root/incoming")
echo "upload $size with curl -T (best of 3): ours $(rate "$mb" "$u_ours") MB/s, vsftpd $(rate "$mb" "$u_vs") MB/s"
echo "  ratio: $(ratio "$u_vs" "$u_ours")"
