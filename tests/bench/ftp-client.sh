#!/usr/bin/env bash
# tests/bench/ftp-client.sh - ftp-client beside curl and `lftp -c get`
# downloading one file from vsftpd over loopback, and --segments 4 beside
# `lftp -c pget -n 4`.  Every client writes to a file in the same directory
# (page cache warm, the file removed before each run).  Each figure is the
# best of FTP_CLIENT_RUNS runs (default 5); a ratio is the peer's time over
# sockbox's, so above 1 means sockbox is faster.  FTP_CLIENT_SIZE sets the
# file (default 1G; keep it small while developing: FTP_CLIENT_SIZE=64M).
set -euo pipefail
# shellcheck source=tests/bench/lib.sh
source "$(dirname "$0")/lib.sh"

runs=${FTP_CLIENT_RUNS:-5}
size=${FTP_CLIENT_SIZE:-1G}
dir=$BENCH_TMP/ftp-client
mkdir -p "$dir/root" "$dir/empty" "$dir/out"
chmod 755 "$BENCH_TMP" "$dir" "$dir/root"
head -c "$size" /dev/urandom >"$dir/root/big.bin"
chmod 644 "$dir/root/big.bin"
bytes=$(stat -c %s "$dir/root/big.bin")

port=$(free_port)
printf '%s\n' listen=YES background=NO listen_address=127.0.0.1 "listen_port=$port" \
	anonymous_enable=YES local_enable=NO "anon_root=$dir/root" ftp_username=ftp \
	seccomp_sandbox=NO "secure_chroot_dir=$dir/empty" xferlog_enable=NO max_per_ip=0 \
	>"$dir/vsftpd.conf"
vsftpd "$dir/vsftpd.conf" >"$dir/vsftpd.out" 2>&1 &
vsftpd_pid=$!
trap 'kill $vsftpd_pid 2>/dev/null; wait $vsftpd_pid 2>/dev/null; rm -rf "$dir"' EXIT
wait_listen "$port"
url=ftp://127.0.0.1:$port/big.bin
cd "$dir/out"

# fetch CMD...: best wall time of CMD over $runs runs, out.bin removed first.
fetch() {
	local best="" t0 t1 t
	for _ in $(seq "$runs"); do
		rm -f out.bin
		t0=$EPOCHREALTIME
		timeout 300 "$@" >/dev/null 2>&1 || { echo "bench: '$*' failed" >&2; return 1; }
		t1=$EPOCHREALTIME
		cmp -s out.bin "$dir/root/big.bin" || { echo "bench: '$*' got other bytes" >&2; return 1; }
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	printf '%.4f\n' "$best"
}

mbs() { printf '%.0f' "$(echo "$bytes / $1 / 1000000" | bc -l)"; }

ours=$(fetch "$SOCKBOX" ftp-client get --no-progress -o out.bin "$url")
curl_t=$(fetch curl -s -o out.bin "$url")
lftp_t=$(fetch lftp -c "set xfer:clobber on; get $url -o out.bin")
seg=$(fetch "$SOCKBOX" ftp-client get --no-progress --segments 4 -o out.bin "$url")
pget=$(fetch lftp -c "set xfer:clobber on; pget -n 4 $url -o out.bin")

echo "download $(numfmt --to=iec "$bytes") from vsftpd over loopback, to a file, best of $runs:"
printf '  %-34s %8.3f s  %6s MB/s\n' "sockbox ftp-client get" "$ours" "$(mbs "$ours")"
printf '  %-34s %8.3f s  %6s MB/s  ratio %s\n' "curl -o" "$curl_t" "$(mbs "$curl_t")" "$(ratio "$curl_t" "$ours")"
printf '  %-34s %8.3f s  %6s MB/s  ratio %s\n' "lftp -c get" "$lftp_t" "$(mbs "$lftp_t")" "$(ratio "$lftp_t" "$ours")"
printf '  %-34s %8.3f s  %6s MB/s\n' "sockbox ftp-client get --segments 4" "$seg" "$(mbs "$seg")"
printf '  %-34s %8.3f s  %6s MB/s  ratio %s\n' "lftp -c pget -n 4" "$pget" "$(mbs "$pget")" "$(ratio "$pget" "$seg")"
echo "  (ratio: the peer's time over sockbox's; above 1, sockbox is faster)"
