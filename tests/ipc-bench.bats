#!/usr/bin/env bats
# ipc-bench: every mechanism in both modes at small counts (rows checked
# with jq), the limits it names, the race, the locks and the deadlock.
# Limits are lowered inside a private IPC namespace (unshare --ipc), so the
# host's sysctls are never touched and nothing needs restoring.

load helper

ib() { "$SOCKBOX" ipc-bench "$@"; }

ALL_MECHS="pipe fifo socketpair-stream socketpair-dgram socketpair-seqpacket unix tcp udp posix-mq sysv-msg shm shm shm shm signal"

# check_pingpong_rows FILE COUNT: every line a well-formed pingpong row.
check_pingpong_rows() {
	jq -e --argjson n "$2" 'select(
		.mode == "pingpong" and (.mech | type) == "string" and
		(.sync == null or (.sync | IN("sem", "futex", "eventfd", "spin"))) and
		(.size | type) == "number" and .round_trips_per_s > 0 and
		# udp leaves out a round trip whose echo took over 200 ms (a loaded machine)
		(.count == $n or (.mech == "udp" and .count > 0 and .count <= $n)) and
		(.lat_ns | keys) == ["max", "min", "p50", "p99", "p999"] and
		.lat_ns.min > 0 and .lat_ns.min <= .lat_ns.p50 and .lat_ns.p50 <= .lat_ns.p99 and
		.lat_ns.p99 <= .lat_ns.p999 and .lat_ns.p999 <= .lat_ns.max and
		(keys | length) == 7) | not' "$1" && return 1
	return 0
}

@test "ipc-bench pingpong runs every mechanism as processes and prints a well-formed JSON row for each" {
	run -0 --separate-stderr ib pingpong --json -c 200 --warmup 10
	echo "$output" >"$TMP/rows"
	check_pingpong_rows "$TMP/rows" 200 || fail "a malformed row: $(cat "$TMP/rows")"
	[ "$(jq -r .mech "$TMP/rows" | tr '\n' ' ')" = "$ALL_MECHS " ]
	[ "$(jq -r 'select(.mech == "shm") | .sync' "$TMP/rows" | tr '\n' ' ')" = "sem futex eventfd spin " ]
	[ "$(jq -r 'select(.mech == "signal") | .size' "$TMP/rows")" = 8 ]
}

@test "ipc-bench pingpong --threads runs every mechanism as two threads" {
	run -0 --separate-stderr ib pingpong --threads --json -c 200 --warmup 10
	echo "$output" >"$TMP/rows"
	check_pingpong_rows "$TMP/rows" 200 || fail "a malformed row: $(cat "$TMP/rows")"
	[ "$(jq -r .mech "$TMP/rows" | tr '\n' ' ')" = "$ALL_MECHS " ]
}

@test "ipc-bench stream runs every mechanism but signal, and only udp may lose messages" {
	for mode in "" --threads; do
		run -0 --separate-stderr ib stream $mode --json -c 500 --warmup 10 -s 64,4K
		echo "$output" >"$TMP/rows"
		[ "$(jq -r 'select(.size == 64) | .mech' "$TMP/rows" | tr '\n' ' ')" = "${ALL_MECHS% signal} " ]
		[ "$(wc -l <"$TMP/rows")" -eq 28 ]
		[ -z "$(jq -c 'select((keys | length) != 8 or .mode != "stream" or .count != 500 or
			.mb_per_s <= 0 or .msgs_per_s <= 0 or (.lost | type) != "number" or
			(.mech != "udp" and .lost != 0))' "$TMP/rows")" ]
	done
}

@test "ipc-bench prints a table with one header and one row per mechanism, size and sync" {
	run -0 --separate-stderr ib pingpong --mech pipe,shm --sync futex,spin -s 64,4K -c 100
	[ "${lines[0]}" = "MODE      MECH                 SYNC       SIZE     COUNT       RT/S   MIN_US   P50_US   P99_US  P999_US   MAX_US" ]
	[ "${#lines[@]}" -eq 7 ]
	[[ ${lines[1]} =~ ^pingpong\ +pipe\ +-\ +64\ +100\  ]]
	[[ ${lines[2]} =~ ^pingpong\ +pipe\ +-\ +4096\ +100\  ]]
	[[ ${lines[3]} =~ ^pingpong\ +shm\ +futex\ +64\ +100\  ]]
	[[ ${lines[6]} =~ ^pingpong\ +shm\ +spin\ +4096\ +100\  ]]
	[ -z "$stderr" ]
}

@test "ipc-bench moves 64K messages through every mechanism whose limits allow it" {
	run -0 --separate-stderr ib stream --mech pipe,fifo,socketpair,unix,tcp,shm --sync sem -s 64K --json -c 200
	[ "$(jq -r '"\(.mech) \(.size) \(.lost)"' <<<"$output" | tr '\n' ,)" = "pipe 65536 0,fifo 65536 0,socketpair-stream 65536 0,socketpair-dgram 65536 0,socketpair-seqpacket 65536 0,unix 65536 0,tcp 65536 0,shm 65536 0," ]
}

@test "ipc-bench --pin same and --pin cross run both sides where they are told" {
	run -0 --separate-stderr ib pingpong --mech pipe --pin same -c 100 -v
	assert_line --index 1 --regexp '^pingpong +pipe '
	[[ $stderr == *"side A pinned to cpu "* ]]
	if [ "$(nproc)" -ge 2 ]; then
		run -0 --separate-stderr ib pingpong --mech pipe,shm --sync spin --pin cross -c 100 --json
		[ "$(jq -r .mech <<<"$output" | tr '\n' ' ')" = "pipe shm " ]
	fi
}

@test "ipc-bench --pin cross on one CPU says so and exits 1" {
	run -1 --separate-stderr taskset -c 0 "$SOCKBOX" ipc-bench pingpong --pin cross -c 10
	[ "$stderr" = "sockbox ipc-bench: --pin cross needs two CPUs; this process may use only cpu 0" ]
	[ -z "$output" ]
}

@test "ipc-bench --duration measures for a time instead of a count" {
	run -0 --separate-stderr ib pingpong --mech socketpair-stream,udp --duration 0.2 --json
	[ "$(jq -r 'select(.count > 10) | .mech' <<<"$output" | tr '\n' ' ')" = "socketpair-stream udp " ]
	run -0 --separate-stderr ib stream --mech pipe,udp,shm --sync futex --duration 0.2 --json
	[ "$(jq -r 'select(.count > 10 and .msgs_per_s > 0) | .mech' <<<"$output" | tr '\n' ' ')" = "pipe udp shm " ]
}

@test "ipc-bench names fs.mqueue.msgsize_max when a posix-mq message does not fit it, and runs the rest" {
	command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
	# a private IPC namespace: its mqueue and msg sysctls are its own
	run -1 --separate-stderr unshare --ipc sh -c \
		'echo 1024 >/proc/sys/fs/mqueue/msgsize_max && exec "$0" ipc-bench pingpong --mech pipe,posix-mq -s 4K -c 50 --json' "$SOCKBOX"
	[ "$stderr" = "sockbox ipc-bench: posix-mq: a 4096-byte message is over fs.mqueue.msgsize_max (1024): raise it: sysctl fs.mqueue.msgsize_max=4096" ]
	[ "$(jq -r .mech <<<"$output")" = pipe ]
}

@test "ipc-bench names kernel.msgmax and kernel.msgmnb for sysv-msg, and queues no deeper than fs.mqueue.msg_max" {
	command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
	run -1 --separate-stderr unshare --ipc sh -c \
		'echo 2048 >/proc/sys/kernel/msgmax && exec "$0" ipc-bench stream --mech sysv-msg -s 4K -c 50' "$SOCKBOX"
	[ "$stderr" = "sockbox ipc-bench: sysv-msg: a 4096-byte message is over kernel.msgmax (2048): raise it: sysctl kernel.msgmax=4096" ]
	run -1 --separate-stderr unshare --ipc sh -c \
		'echo 65536 >/proc/sys/kernel/msgmax && echo 16384 >/proc/sys/kernel/msgmnb &&
		exec "$0" ipc-bench stream --mech sysv-msg -s 32K -c 50' "$SOCKBOX"
	[ "$stderr" = "sockbox ipc-bench: sysv-msg: a 32768-byte message does not fit a queue of kernel.msgmnb (16384) bytes: raise it: sysctl kernel.msgmnb=32768" ]
	run -0 --separate-stderr unshare --ipc sh -c \
		'echo 2 >/proc/sys/fs/mqueue/msg_max && exec "$0" ipc-bench stream --mech posix-mq -c 200 --json -v' "$SOCKBOX"
	[ "$(jq -r '"\(.mech) \(.lost)"' <<<"$output")" = "posix-mq 0" ]
	[[ $stderr == *"posix-mq, 64-byte messages, depth 2:"* ]]
}

@test "ipc-bench names RLIMIT_MSGQUEUE when two queues of one message do not fit it" {
	run -1 --separate-stderr prlimit --msgqueue=4096 "$SOCKBOX" ipc-bench pingpong --mech posix-mq -s 4K -c 10
	[ "$stderr" = "sockbox ipc-bench: posix-mq: two queues of 4096-byte messages need 8384 bytes, over RLIMIT_MSGQUEUE (4096): raise it: ulimit -q 8384" ]
	[ -z "$output" ]
}

@test "ipc-bench refuses a udp message larger than a datagram" {
	run -1 --separate-stderr ib pingpong --mech udp -s 64K -c 10
	[ "$stderr" = "sockbox ipc-bench: udp: a 65536-byte message is over the 65507 bytes a UDP datagram carries" ]
}

@test "ipc-bench lock --mech none loses updates on two cores; every lock reaches exactly N*M" {
	[ "$(nproc)" -ge 2 ] || skip "a race needs two cores"
	local tries=0 final=""
	# a race needs both workers between their load and store at once: a
	# run of a few milliseconds on a loaded machine may never overlap, so
	# each worker adds 20 million times (about 0.2 s) and up to five tries
	while ((tries++ < 5)); do
		run -0 --separate-stderr ib lock --mech none -w 2 -c 20000000 --json
		final=$(jq -r .final <<<"$output")
		[ "$final" -lt 40000000 ] && break
	done
	[ "$final" -lt 40000000 ] || fail "no update lost in 5 runs: $output"
	[ "$(jq -c '{mode, mech, workers, count, expected}' <<<"$output")" = '{"mode":"lock","mech":"none","workers":2,"count":20000000,"expected":40000000}' ]
	run -0 --separate-stderr ib lock --mech mutex,spin,atomic,sem,flock,fcntl -w 3 -c 3000 --json
	[ "$(jq -r '"\(.mech) \(.final) \(.expected)"' <<<"$output" | tr '\n' ,)" = "mutex 9000 9000,spin 9000 9000,atomic 9000 9000,sem 9000 9000,flock 9000 9000,fcntl 9000 9000," ]
	[ -z "$(jq -c 'select((keys | length) != 7 or .ns_per_op <= 0)' <<<"$output")" ]
}

@test "ipc-bench lock --threads keeps every lock exact, fcntl included (open file description locks)" {
	run -0 --separate-stderr ib lock --threads --mech mutex,spin,atomic,sem,flock,fcntl -w 4 -c 2000 --json
	[ "$(jq -r '"\(.mech) \(.final)"' <<<"$output" | tr '\n' ,)" = "mutex 8000,spin 8000,atomic 8000,sem 8000,flock 8000,fcntl 8000," ]
}

@test "ipc-bench lock prints a table with the lost updates" {
	run -0 --separate-stderr ib lock --mech atomic -w 2 -c 1000
	[ "${lines[0]}" = "MODE      MECH     WORKERS      COUNT    EXPECTED       FINAL        LOST    NS/OP" ]
	[[ ${lines[1]} =~ ^lock\ +atomic\ +2\ +1000\ +2000\ +2000\ +0\ +[0-9.]+$ ]]
}

@test "ipc-bench lock --deadlock exits 3 within its timeout, naming who holds and who waits for what" {
	for mode in "" --threads; do
		SECONDS=0
		run -3 --separate-stderr timeout 20 "$SOCKBOX" ipc-bench lock --deadlock --timeout 0.5 $mode
		[ "$SECONDS" -le 10 ]
		assert_line --index 0 --regexp '^worker 1 \((pid|thread) [0-9]+\) holds account A, waits for account B$'
		assert_line --index 1 --regexp '^worker 2 \((pid|thread) [0-9]+\) holds account B, waits for account A$'
		[[ $stderr =~ ^"sockbox ipc-bench: deadlock: each worker holds the account the other waits for (seen by worker "[12]"'s 0.5 s timed wait); --ordered locks them in one order"$ ]]
	done
}

@test "ipc-bench lock --ordered takes the accounts in one order and completes every transfer" {
	for mode in "" --threads; do
		run -0 --separate-stderr timeout 20 "$SOCKBOX" ipc-bench lock --ordered -c 500 $mode
		[ "$output" = "ordered: 2 workers, 500 + 500 transfers done, balances A 0 B 0, no deadlock" ]
	done
}

@test "ipc-bench --explain says what each mechanism costs, without measuring" {
	run -0 --separate-stderr ib pingpong --explain
	[ "$(grep -c '^[a-z-]*:$' <<<"$output")" -eq 12 ]
	assert_line 'pipe:'
	assert_line --partial 'two system calls, two copies'
	assert_line --partial 'spin makes none and burns a core'
	run -0 --separate-stderr ib lock --explain --mech none,fcntl
	assert_line 'none:'
	assert_line --partial 'F_OFD_SETLKW'
}

@test "ipc-bench -v narrates one message's path on stderr and leaves stdout alone" {
	run -0 --separate-stderr ib pingpong --mech pipe,shm --sync futex -c 50 -v --json
	[ "$(jq -r .mech <<<"$output" | tr '\n' ' ')" = "pipe shm " ]
	[[ $stderr == *"sockbox ipc-bench: pipe, 64-byte messages, depth 8:"* ]]
	[[ $stderr == *"side A write(2)s the message into the pipe"* ]]
	[[ $stderr == *"publishes the slot index with a release store"* ]]
	[[ $stderr == *"side B was process "* ]]
	[[ $stderr =~ "message 100, timed from A's send call: A's send returned at "[0-9.]+" us, B's receive at "[0-9.]+" us, B's echo was sent at "[0-9.]+" us, A had it at "[0-9.]+" us" ]]
}

@test "ipc-bench refuses bad values and misplaced options with exit 2" {
	run -2 --separate-stderr ib
	[ "$stderr" = "sockbox ipc-bench: missing command: pingpong, stream or lock (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib ping
	[ "$stderr" = "sockbox ipc-bench: unknown command 'ping': pingpong, stream or lock (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib pingpong --size 64,,4K
	[ "$stderr" = "sockbox ipc-bench: invalid --size '64,,4K': expected a list of sizes from 8 to 16M, such as 64,4K,64K (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib pingpong --size 64,64
	[ "$stderr" = "sockbox ipc-bench: invalid --size '64,64': expected a list of sizes from 8 to 16M, such as 64,4K,64K (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib stream --mech pipe,signal
	[ "$stderr" = "sockbox ipc-bench: signal goes with pingpong only (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib lock --mech pipe
	[ "$stderr" = "sockbox ipc-bench: invalid --mech 'pipe': expected lock mechanisms without repeats, from: none, mutex, spin, atomic, sem, flock, fcntl (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib pingpong --workers 3
	[ "$stderr" = "sockbox ipc-bench: --workers goes with 'lock', not 'pingpong' (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib pingpong -c 10 -d 1
	[ "$stderr" = "sockbox ipc-bench: --count and --duration are exclusive (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib pingpong --sync yield
	[ "$stderr" = "sockbox ipc-bench: invalid --sync 'yield': expected a list of sem, futex, eventfd, spin (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib pingpong --pin both
	[ "$stderr" = "sockbox ipc-bench: invalid --pin 'both': expected same, cross or none (see 'sockbox ipc-bench --help')" ]
	run -2 --separate-stderr ib lock --deadlock -w 3
	[ "$stderr" = "sockbox ipc-bench: the two accounts take two workers: drop --workers (see 'sockbox ipc-bench --help')" ]
}

@test "ipc-bench reports a failed write to stdout and exits 1" {
	run -1 --separate-stderr sh -c 'exec "$0" ipc-bench pingpong --mech pipe -c 10 >/dev/full' "$SOCKBOX"
	[[ $stderr == "sockbox ipc-bench: "*"No space left on device" ]]
}

@test "ipc-bench stops on SIGTERM mid-row: no row, side B reaped, nothing left behind, the signal re-raised" {
	local before mode
	before=$(ipcs -q | grep -c '^0x' || true)
	for mode in "" --threads; do
		"$SOCKBOX" ipc-bench pingpong --mech sysv-msg,fifo --duration 60 -v $mode >"$TMP/out" 2>"$TMP/err" &
		local pid=$!
		track_pid "$pid"
		wait_until 10 grep -q "depth 8:" "$TMP/err" || fail "never started: $(cat "$TMP/err")"
		kill -TERM "$pid"
		wait_exit "$pid" 10 || fail "still running 10 s after SIGTERM"
		local status=0
		wait "$pid" || status=$?
		[ "$status" -eq 143 ]
		[ ! -s "$TMP/out" ]
		[ -z "$(pgrep -f 'ipc-bench pingpong --mech sysv-msg,fifo --duration 60' || true)" ]
	done
	[ "$(ipcs -q | grep -c '^0x' || true)" = "$before" ]
	[ -z "$(ls /tmp | grep '^sockbox-ipc-' || true)" ]
}

@test "ipc-bench leaves no queue, segment, FIFO or lock file behind" {
	local before after
	before=$(ipcs -q | grep -c '^0x' || true)
	run -0 --separate-stderr ib pingpong -c 20 --warmup 0
	run -0 --separate-stderr ib lock --mech flock,fcntl -c 10
	after=$(ipcs -q | grep -c '^0x' || true)
	[ "$before" = "$after" ]
	[ -z "$(ls /dev/mqueue | grep '^sockbox-ipc-' || true)" ]
	[ -z "$(ls /dev/shm | grep '^sockbox-ipc-' || true)" ]
	[ -z "$(ls /tmp | grep -E '^sockbox-(ipc|lock)-' || true)" ]
}

# ---- pingpong --histogram and --svg (issue 16) ----------------------------

# check_histograms N: $output is pingpong's table with --histogram under
# LC_ALL=C NO_COLOR=1: the header, then per row the row, its histogram
# headed with the row's mech, sync and size, bars whose counts add up to N
# with p50 and p99 each marked once, the summary, a blank line before the
# next row.  Prints "MECH SYNC SIZE" per row, or what broke the grammar.
check_histograms() {
	printf '%s\n' "$output" | awk -v n="$1" '
	function bad(why) { print "line " NR ": " why ": " $0; err = 1; exit 1 }
	NR == 1 { if ($0 !~ /^MODE +MECH +SYNC +SIZE +COUNT +RT\/S /) bad("header"); want = "row"; next }
	want == "row" {
		if ($1 != "pingpong" || NF != 11) bad("row")
		head = "latency of " n " round trips of " $2 ($3 == "-" ? "" : " with " $3) ", " $4 " bytes (log scale: "
		rows[++r] = $2 " " $3 " " $4; want = "head"; next
	}
	want == "head" {
		if (index($0, head) != 1 || $0 !~ /[124] rows? per doubling, each from the time shown\)$/) bad("heading")
		sum = p50 = p99 = bars = 0; want = "bar"; next
	}
	want == "bar" && /^p50 / {
		if ($0 !~ /^p50 [0-9.]+ (ns|us|ms), p99 [0-9.]+ (ns|us|ms|s), p99\.9 [0-9.]+ (ns|us|ms|s), max [0-9.]+ (ns|us|ms|s), mean [0-9.]+ (ns|us|ms)$/) bad("summary")
		if (sum != n || p50 != 1 || p99 != 1 || bars < 1) bad("counts " sum " p50 " p50 " p99 " p99)
		want = "blank"; next
	}
	want == "bar" {
		if ($0 !~ /^ *[0-9.]+ (ns|us|ms|s) \|#* *\| +[0-9]+ +[0-9.]+%( p50)?( p99)?( p99\.9)?$/) bad("bar")
		split($0, f, "|"); split(f[3], c, " "); sum += c[1]; bars++
		p50 += / p50( |$)/; p99 += / p99( |$)/; next
	}
	want == "blank" { if ($0 != "") bad("no blank line between rows"); want = "row"; next }
	END { if (err) exit 1; if (want != "blank") { print "ends inside a row (" want ")"; exit 1 }
	      for (i = 1; i <= r; i++) print rows[i] }'
}

# on_tty CMD...: CMD with stdout on a pseudo-terminal (script(1)); its output in $output.
on_tty() {
	local cmd
	printf -v cmd '%q ' "$@"
	run timeout 60 script -qec "$cmd" /dev/null
}

@test "ipc-bench pingpong --histogram under LC_ALL=C NO_COLOR=1 prints each row's ASCII histogram after it" {
	LC_ALL=C NO_COLOR=1 run -0 --separate-stderr ib pingpong --mech pipe,shm,signal --sync futex -s 64,4K \
		-c 300 --warmup 10 --histogram
	assert_equal "$stderr" ""
	run -0 check_histograms 300
	assert_output "pipe - 64
pipe - 4096
shm futex 64
shm futex 4096
signal - 8"
	LC_ALL=C NO_COLOR=1 run -0 --separate-stderr ib pingpong --mech unix -c 200 --warmup 10 --histogram
	run -0 check_histograms 200
	assert_output "unix - 64"
	# nothing but printable ASCII and newlines
	LC_ALL=C NO_COLOR=1 run -0 --separate-stderr ib pingpong --mech pipe -c 100 --warmup 10 --histogram
	run bash -c 'LC_ALL=C grep -c "[^ -~]" <<<"$1"' _ "$output"
	assert_output 0
}

@test "ipc-bench pingpong prints no histogram unless asked, on a pipe and on a terminal" {
	run -0 --separate-stderr ib pingpong --mech pipe,shm --sync futex -c 100 --warmup 10
	refute_output --partial "latency of"
	assert_equal "${#lines[@]}" 3
	on_tty "$SOCKBOX" ipc-bench pingpong --mech pipe -c 100 --warmup 10
	assert_success
	refute_output --partial "latency of"
	# --svg alone draws the picture and adds nothing to stdout
	run -0 --separate-stderr ib pingpong --mech pipe -c 100 --warmup 10 --svg "$TMP/h.svg"
	refute_output --partial "latency of"
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" ""
	xmllint --noout "$TMP/h.svg"
}

@test "ipc-bench pingpong --svg FILE: one row draws FILE, several rows FILE-MECH[-SYNC]-SIZE.svg, all well-formed" {
	run -0 --separate-stderr ib pingpong --mech pipe -c 200 --warmup 10 --json --svg "$TMP/one.svg"
	assert_equal "${#lines[@]}" 1 # the JSON alone on stdout
	xmllint --noout "$TMP/one.svg"
	grep -q '<title>ipc-bench pingpong --mech pipe --size 64</title>' "$TMP/one.svg"
	run -0 grep -o '>p[0-9.]* [0-9.]* [mun]*s<' "$TMP/one.svg"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^>p50 '
	assert_line --index 1 --regexp '^>p99 '
	assert_line --index 2 --regexp '^>p99\.9 '
	mkdir "$TMP/rows" "$TMP/d.x"
	run -0 --separate-stderr ib pingpong --mech pipe,shm,signal --sync futex,sem -s 64,128 -c 100 --warmup 10 \
		--svg "$TMP/rows/lat.svg"
	assert_equal "${#lines[@]}" 8 # the header, 7 rows
	run -0 ls "$TMP/rows"
	assert_output "lat-pipe-128.svg
lat-pipe-64.svg
lat-shm-futex-128.svg
lat-shm-futex-64.svg
lat-shm-sem-128.svg
lat-shm-sem-64.svg
lat-signal-8.svg"
	for f in "$TMP"/rows/*.svg; do
		xmllint --noout "$f"
	done
	grep -q '<title>ipc-bench pingpong --mech shm --sync sem --size 128</title>' "$TMP/rows/lat-shm-sem-128.svg"
	# no extension: the row is appended; a dot in a directory is no extension
	run -0 --separate-stderr ib pingpong --mech pipe,unix -c 50 --warmup 10 --json --svg "$TMP/d.x/lat"
	run -0 ls "$TMP/d.x"
	assert_output "lat-pipe-64
lat-unix-64"
}

@test "ipc-bench --histogram and --svg are refused where they draw nothing, with exit 2" {
	run -2 --separate-stderr ib pingpong --json --histogram
	assert_equal "$stderr" "sockbox ipc-bench: choose --json or --histogram (--svg draws it beside the JSON) (see 'sockbox ipc-bench --help')"
	run -2 --separate-stderr ib stream --histogram
	assert_equal "$stderr" "sockbox ipc-bench: --histogram goes with 'pingpong', not 'stream' (see 'sockbox ipc-bench --help')"
	run -2 --separate-stderr ib stream --mech pipe --svg "$TMP/x.svg"
	assert_equal "$stderr" "sockbox ipc-bench: --svg goes with 'pingpong', not 'stream' (see 'sockbox ipc-bench --help')"
	run -2 --separate-stderr ib lock --histogram
	assert_equal "$stderr" "sockbox ipc-bench: --histogram goes with 'pingpong', not 'lock' (see 'sockbox ipc-bench --help')"
	run -2 --separate-stderr ib pingpong --mech pipe,shm --svg -
	assert_equal "$stderr" "sockbox ipc-bench: --svg - draws one picture: choose one row (one --mech, --size and --sync) (see 'sockbox ipc-bench --help')"
	assert_equal "$output" ""
	assert_not_exist "$TMP/x.svg"
}

@test "ipc-bench pingpong --svg into a missing directory fails with exit 1 after the first row, leaving nothing" {
	run -1 --separate-stderr ib pingpong --mech pipe,unix -c 50 --warmup 10 --svg "$TMP/no/lat.svg"
	assert_equal "$stderr" "sockbox ipc-bench: write $TMP/no/lat-pipe-64.svg: No such file or directory"
	assert_equal "${#lines[@]}" 2 # the header and pipe's row; unix never ran
	assert_line --index 1 --regexp '^pingpong +pipe '
	assert_not_exist "$TMP/no"
	# one row, on standard output
	run -0 --separate-stderr ib pingpong --mech pipe -c 50 --warmup 10 --json --svg -
	assert_line --index 0 --regexp '^\{"mode":"pingpong"'
	printf '%s\n' "${lines[@]:1}" >"$TMP/out.svg"
	xmllint --noout "$TMP/out.svg"
}
