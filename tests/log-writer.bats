#!/usr/bin/env bats
# log-writer: the entry format, the sources (arguments, stdin, ticks), resume
# after restarts and crashes, concurrent writers, fsync, rotation, and the
# failures (full disk, no permission, bad options).

load helper

export LC_ALL=C
DAYS='(Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
MONTHS='(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
STAMP_RE="$DAYS $MONTHS [ 123][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] [0-9]{4}"
ENTRY_RE="^[0-9]+\. $STAMP_RE( .*)?\$"

teardown() {
	common_teardown
	if [ -n "${PERM_DIR:-}" ]; then rm -rf "$PERM_DIR"; fi
}

# check_log FILE [FIRST]: FILE ends with a newline, every line is a whole
# entry, and the numbers run FIRST (default 1), FIRST+1, ... without a gap.
check_log() {
	local f=$1 first=${2:-1} bad
	[ -s "$f" ] || fail "$f is empty"
	[ "$(tail -c 1 "$f" | wc -l)" -eq 1 ] || fail "$f does not end with a newline"
	bad=$(grep -Evn "$ENTRY_RE" "$f" | head -n 3)
	[ -z "$bad" ] || fail "$f holds lines that are not whole entries: $bad"
	awk -v first="$first" '$1 + 0 != first + NR - 1 {
		print "line " NR ": number " $1 + 0 ", expected " first + NR - 1; exit 1 }' "$f" \
		|| fail "numbers in $f are not contiguous"
}

# from_fifo FIFO CMD...: runs CMD in the background reading FIFO, which
# fd 4 keeps open for writing (close it for EOF); sets PID, stderr in $TMP/err.
from_fifo() {
	local fifo=$1; shift
	mkfifo "$fifo"
	exec 4<>"$fifo"
	"$@" <"$fifo" 2>"$TMP/err" 3>&- 4>&- &
	PID=$!
	track_pid "$PID"
}

# trickle: copies stdin to stdout one line per write, so a reader gets
# many small reads (and concurrent writers really interleave).
trickle() { mawk '{ print; fflush() }'; }

# ---- the entry format ---------------------------------------------------

@test "the default entry is exactly 'N. Www Mmm dd hh:mm:ss yyyy MESSAGE', ctime style, in TZ's local time" {
	export TZ=EST5
	before=$(date '+%a %b %e %H:%M:%S %Y')
	run -0 --separate-stderr sockbox log-writer "$TMP/log" hello world
	after=$(date '+%a %b %e %H:%M:%S %Y')
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	line=$(cat "$TMP/log")
	[[ "$line" =~ ^1\.\ $STAMP_RE\ hello\ world$ ]] || fail "bad entry: '$line'"
	[ "$line" = "1. $before hello world" ] || [ "$line" = "1. $after hello world" ] ||
		fail "'$line' is not the time of the run ('$before' .. '$after')"
}

@test "--utc stamps UTC whatever TZ says" {
	export TZ=EST5
	before=$(date -u '+%a %b %e %H:%M:%S %Y')
	run -0 sockbox log-writer --utc "$TMP/log" up
	after=$(date -u '+%a %b %e %H:%M:%S %Y')
	line=$(cat "$TMP/log")
	[ "$line" = "1. $before up" ] || [ "$line" = "1. $after up" ] || fail "'$line' is not UTC"
}

@test "--iso gives ISO 8601 with milliseconds and the UTC offset, -u makes it +00:00" {
	TZ=EST5 run -0 sockbox log-writer --iso "$TMP/log" local
	TZ=EST5 run -0 sockbox log-writer -i -u "$TMP/log" utc
	run -0 cat "$TMP/log"
	assert_line --index 0 --regexp '^1\. [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}-05:00 local$'
	assert_line --index 1 --regexp '^2\. [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+00:00 utc$'
}

@test "--format STRFTIME stamps with strftime(3)" {
	before=$(date +%s)
	run -0 sockbox log-writer --format '%s' "$TMP/log" epoch
	after=$(date +%s)
	read -r n stamp msg <"$TMP/log"
	assert_equal "$n" "1."
	assert_equal "$msg" "epoch"
	((stamp >= before && stamp <= after)) || fail "$stamp is not in $before..$after"
	run -0 sockbox log-writer -u -f '[%Y]' --tick 1 --count 1 "$TMP/log"
	assert_equal "$(sed -n 2p "$TMP/log")" "2. [$(date -u +%Y)]"
}

@test "MESSAGE arguments make one entry, joined by spaces, a newline inside made a space" {
	run -0 sockbox log-writer "$TMP/log" one "two  three" $'four\nfive' -v --not-an-option
	run -0 cat "$TMP/log"
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^1\. $STAMP_RE one two  three four five -v --not-an-option\$"
}

@test "each stdin line is one entry; an empty line gives a bare stamp; a last line without newline counts" {
	printf 'alpha\n\nbeta gamma\nlast' | sockbox log-writer "$TMP/log"
	check_log "$TMP/log"
	run -0 cat "$TMP/log"
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --regexp "^1\. $STAMP_RE alpha\$"
	assert_line --index 1 --regexp "^2\. $STAMP_RE\$"
	assert_line --index 2 --regexp "^3\. $STAMP_RE beta gamma\$"
	assert_line --index 3 --regexp "^4\. $STAMP_RE last\$"
}

@test "each stdin line reaches the file as soon as it is read, before more input comes" {
	from_fifo "$TMP/in" "$SOCKBOX" log-writer "$TMP/log"
	echo first >&4
	wait_until 10 grep -q ' first$' "$TMP/log" || fail "the first line never reached the file"
	echo second >&4
	wait_until 10 grep -q ' second$' "$TMP/log" || fail "the second line never reached the file"
	exec 4>&-
	wait_exit "$PID" 10
	check_log "$TMP/log"
}

@test "a line longer than 64 KiB becomes several entries, none longer than the limit" {
	head -c 150000 /dev/zero | tr '\0' x >"$TMP/long"
	echo >>"$TMP/long"
	sockbox log-writer "$TMP/log" <"$TMP/long"
	check_log "$TMP/log"
	run -0 awk '{ print length($NF) }' "$TMP/log"
	assert_output $'65536\n65536\n18928'
}

# ---- ticks and signals --------------------------------------------------

@test "--tick 0.1 --count 3 writes exactly three bare timestamp entries and exits 0" {
	run -0 timeout 20 "$SOCKBOX" log-writer --tick 0.1 --count 3 "$TMP/log"
	check_log "$TMP/log"
	run -0 grep -Ec "^[123]\. $STAMP_RE\$" "$TMP/log"
	assert_output 3
}

@test "--tick repeats MESSAGE in every entry and ends cleanly on SIGTERM" {
	bg "$SOCKBOX" log-writer -t 0.05 "$TMP/log" heartbeat
	wait_until 10 eval '[ "$(wc -l <"$TMP/log")" -ge 2 ]' || fail "no ticks"
	stop_pid "$BG_PID" TERM
	assert_equal "$STOP_STATUS" 0
	check_log "$TMP/log"
	run -1 grep -v ' heartbeat$' "$TMP/log"
}

@test "SIGTERM while reading stdin ends with exit 0 after the entries already read" {
	from_fifo "$TMP/in" "$SOCKBOX" log-writer "$TMP/log"
	printf 'one\ntwo\n' >&4
	wait_until 10 grep -q ' two$' "$TMP/log" || fail "no entries"
	stop_pid "$PID" TERM
	exec 4>&-
	assert_equal "$STOP_STATUS" 0
	check_log "$TMP/log"
}

# ---- resume -------------------------------------------------------------

@test "numbering resumes from the last entry of an existing file" {
	sockbox log-writer "$TMP/log" first
	sockbox log-writer "$TMP/log" second
	printf 'x\ny\n' | sockbox log-writer "$TMP/log"
	check_log "$TMP/log"
	assert_equal "$(wc -l <"$TMP/log")" 4
}

@test "lines without a number are tolerated: numbering goes on after the last numbered one" {
	printf '41. Fri Aug 30 17:57:45 2019 old\nplain text\n3.14 is not a number\n\n' >"$TMP/log"
	run -0 sockbox log-writer "$TMP/log" next
	run -0 tail -n 1 "$TMP/log"
	assert_output --regexp "^42\. $STAMP_RE next\$"
	assert_equal "$(head -n 4 "$TMP/log" | tail -n 1)" ""
}

@test "a torn last line of text is completed with a newline before the next entry" {
	printf '7. Fri Aug 30 17:57:45 2019 old\nhalf a line' >"$TMP/log"
	run -0 --separate-stderr sockbox log-writer -v "$TMP/log" next
	run -0 sed -n 2,3p "$TMP/log"
	assert_line --index 0 "half a line"
	assert_line --index 1 --regexp "^8\. $STAMP_RE next\$"
}

@test "a torn entry (a writer died inside its write) is cut off and its number reused" {
	printf '7. Fri Aug 30 17:57:45 2019 old\n8. Fri Aug 3' >"$TMP/log"
	run -0 --separate-stderr sockbox log-writer -v "$TMP/log" next
	assert_equal "${stderr_lines[1]}" "sockbox log-writer: repair $TMP/log: removed an unfinished entry of 12 bytes"
	check_log "$TMP/log" 7
	assert_equal "$(wc -l <"$TMP/log")" 2
}

@test "resume reads backward a few KiB whatever the size (a 20 GiB sparse file)" {
	truncate -s 20G "$TMP/log"
	printf '\n99. Fri Aug 30 17:57:45 2019 before\n' >>"$TMP/log"
	run -0 --separate-stderr sockbox log-writer -v "$TMP/log" next
	[[ "$stderr" =~ "resume $TMP/log: last number 99, found reading 4096 bytes backward" ]] ||
		fail "unexpected narration: $stderr"
	run -0 tail -n 1 "$TMP/log"
	assert_output --regexp "^100\. $STAMP_RE next\$"
}

@test "resume looks back at most 1 MiB: beyond it numbering starts again at 1" {
	echo '5. Fri Aug 30 17:57:45 2019 old' >"$TMP/log"
	head -c 1100000 /dev/zero | tr '\0' '\n' >>"$TMP/log"
	run -0 --separate-stderr sockbox log-writer -v "$TMP/log" next
	assert_equal "${stderr_lines[1]}" "sockbox log-writer: resume $TMP/log: no numbered entry in the last 1048576 bytes"
	run -0 tail -n 1 "$TMP/log"
	assert_output --regexp "^1\. $STAMP_RE next\$"
}

@test "an empty FILE continues the numbering of FILE.1 (after a rotation)" {
	echo '9. Fri Aug 30 17:57:45 2019 rotated' >"$TMP/log.1"
	: >"$TMP/log"
	run -0 sockbox log-writer "$TMP/log" next
	run -0 cat "$TMP/log"
	assert_output --regexp "^10\. $STAMP_RE next\$"
}

# ---- concurrency and crashes --------------------------------------------

@test "4 writers x 2000 lines at once: numbers unique and contiguous 1..8000, no line split or mixed" {
	local pids=()
	for w in 1 2 3 4; do
		seq -f "writer$w line %.0f" 2000 | trickle | "$SOCKBOX" log-writer "$TMP/log" 3>&- &
		pids+=($!)
		track_pid $!
	done
	for p in "${pids[@]}"; do
		wait_exit "$p" 60 || fail "writer $p did not finish"
		wait "$p" || fail "writer $p failed"
	done
	check_log "$TMP/log"
	assert_equal "$(wc -l <"$TMP/log")" 8000
	for w in 1 2 3 4; do
		run -0 bash -c "grep -o 'writer$w line [0-9]*\$' '$TMP/log' | awk '{ print \$3 }' | cmp - <(seq 2000)"
	done
}

@test "kill -9 of writers mid-stream, then a restart: numbering goes on and no partial entry stays" {
	line=$(head -c 900 /dev/zero | tr '\0' x)
	for round in 1 2 3 4 5; do
		before=$(stat -c %s "$TMP/log" 2>/dev/null || echo 0)
		yes "$line" | "$SOCKBOX" log-writer "$TMP/log" 3>&- &
		pid=$!
		track_pid "$pid"
		wait_until 10 eval '[ "$(stat -c %s "$TMP/log")" -gt $((before + 4000000)) ]' || fail "no progress"
		kill -KILL "$pid"
		wait_exit "$pid" 10
	done
	run -0 sockbox log-writer "$TMP/log" after the crashes
	check_log "$TMP/log"
	run -0 tail -n 1 "$TMP/log"
	assert_output --regexp " after the crashes\$"
}

# ---- fsync --------------------------------------------------------------

@test "--sync entry fdatasyncs after every write, --sync never (the default) never does" {
	printf 'a\nb\n' | sockbox log-writer -vv --sync entry "$TMP/log" 2>"$TMP/err"
	run -0 grep -c "^sockbox log-writer: fdatasync $TMP/log\$" "$TMP/err"
	assert_equal "$output" "$(grep -c '^sockbox log-writer: write ' "$TMP/err")"
	printf 'a\nb\n' | sockbox log-writer -vv --sync never "$TMP/log" 2>"$TMP/err"
	run -1 grep -c fdatasync "$TMP/err"
	printf 'a\n' | sockbox log-writer -vv "$TMP/log" 2>"$TMP/err"
	run -1 grep -c fdatasync "$TMP/err"
}

@test "--sync SECS fdatasyncs once the interval is over even while stdin stays idle" {
	from_fifo "$TMP/in" "$SOCKBOX" log-writer -vv --sync 0.05 "$TMP/log"
	echo one >&4
	wait_until 10 grep -q fdatasync "$TMP/err" || fail "no fdatasync while idle"
	exec 4>&-
	wait_exit "$PID" 10
	check_log "$TMP/log"
}

# ---- rotation -----------------------------------------------------------

@test "--max-size 200 --keep 3 rotates to FILE.1..FILE.3, numbering continuing in the new FILE" {
	seq 20 | trickle | sockbox log-writer -m 200 -k 3 "$TMP/log"
	assert_file_exists "$TMP/log.3"
	assert_file_not_exists "$TMP/log.4"
	for f in "$TMP/log" "$TMP/log.1" "$TMP/log.2" "$TMP/log.3"; do
		[ "$(stat -c %s "$f")" -le 200 ] || fail "$f is past 200 bytes"
	done
	cat "$TMP/log.3" "$TMP/log.2" "$TMP/log.1" "$TMP/log" >"$TMP/all"
	first=$(head -n 1 "$TMP/all" | cut -d. -f1)
	check_log "$TMP/all" "$first"
	run -0 tail -n 1 "$TMP/log"
	assert_output --regexp "^20\. $STAMP_RE 20\$"
}

@test "rotation is safe with 4 concurrent writers: the rotated files hold 1..8000 in order" {
	local pids=()
	for w in 1 2 3 4; do
		seq -f "w$w %.0f" 2000 | trickle | "$SOCKBOX" log-writer --max-size 16K --keep 100 "$TMP/log" 3>&- &
		pids+=($!)
		track_pid $!
	done
	for p in "${pids[@]}"; do
		wait_exit "$p" 60 || fail "writer $p did not finish"
		wait "$p" || fail "writer $p failed"
	done
	files=()
	for n in $(seq 100 -1 1); do [ -f "$TMP/log.$n" ] && files+=("$TMP/log.$n"); done
	[ "${#files[@]}" -gt 5 ] || fail "only ${#files[@]} rotations"
	cat "${files[@]}" "$TMP/log" >"$TMP/all"
	check_log "$TMP/all"
	assert_equal "$(wc -l <"$TMP/all")" 8000
}

# ---- failures -----------------------------------------------------------

@test "a full disk: clear message, exit 1, whole entries only" {
	small_fs "$TMP/fs" 64k
	seq 10 | sockbox log-writer "$TMP/fs/log" # entries that fit, whatever the batches below
	run -1 --separate-stderr bash -c 'seq -f "line %.0f of a disk filling run" 100000 | mawk "{ print; fflush() }" | "$SOCKBOX" log-writer "$1"' _ "$TMP/fs/log"
	assert_equal "$stderr" "sockbox log-writer: write $TMP/fs/log: No space left on device"
	check_log "$TMP/fs/log"
}

@test "a full disk: an entry that does not fit leaves the file exactly as it was" {
	small_fs "$TMP/fs" 64k
	seq 3 | sockbox log-writer "$TMP/fs/log"
	cp "$TMP/fs/log" "$TMP/before"
	big=$(head -c 60000 /dev/zero | tr '\0' x)
	head -c 20000 /dev/zero >"$TMP/fs/filler"
	run -1 --separate-stderr sockbox log-writer "$TMP/fs/log" "$big"
	assert_equal "$stderr" "sockbox log-writer: write $TMP/fs/log: No space left on device"
	cmp "$TMP/before" "$TMP/fs/log"
}

@test "an unwritable FILE or directory: clear message, exit 1" {
	require_root "switching to the user nobody"
	PERM_DIR=$(mktemp -d /tmp/sockbox-log-writer.XXXXXX)
	chmod 755 "$PERM_DIR"
	echo '1. Fri Aug 30 17:57:45 2019 root' >"$PERM_DIR/log"
	run -1 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups "$SOCKBOX" log-writer "$PERM_DIR/log" hi
	assert_equal "$stderr" "sockbox log-writer: open $PERM_DIR/log: Permission denied"
	run -1 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups "$SOCKBOX" log-writer "$PERM_DIR/new" hi
	assert_equal "$stderr" "sockbox log-writer: open $PERM_DIR/new: Permission denied"
	assert_file_not_exists "$PERM_DIR/new"
	assert_equal "$(cat "$PERM_DIR/log")" '1. Fri Aug 30 17:57:45 2019 root'
}

@test "a FILE in a missing directory: clear message, exit 1" {
	run -1 --separate-stderr sockbox log-writer "$TMP/nope/log" hi
	assert_equal "$stderr" "sockbox log-writer: open $TMP/nope/log: No such file or directory"
}

@test "a closed stdin or stdout is refused before any descriptor could take its number" {
	run -1 --separate-stderr sh -c '"$SOCKBOX" log-writer "$1" <&-' _ "$TMP/log"
	assert_equal "$stderr" "sockbox log-writer: read stdin: Bad file descriptor"
	run -1 --separate-stderr sh -c '"$SOCKBOX" log-writer - hello >&-'
	assert_equal "$stderr" "sockbox log-writer: write stdout: Bad file descriptor"
	assert_file_not_exists "$TMP/log"
}

@test "FILE '-' writes to stdout, numbering from 1 every time" {
	run -0 sockbox log-writer - hello
	assert_output --regexp "^1\. $STAMP_RE hello\$"
	run -0 bash -c 'printf "a\nb\n" | "$SOCKBOX" log-writer -'
	assert_line --index 1 --regexp "^2\. $STAMP_RE b\$"
}

@test "a failed write to stdout is reported and exits 1" {
	run -1 --separate-stderr sh -c '"$SOCKBOX" log-writer - hello >/dev/full'
	assert_equal "$stderr" "sockbox log-writer: write stdout: No space left on device"
}

@test "bad options and operands exit 2 with an exact message" {
	local help="(see 'sockbox log-writer --help')"
	check() {
		local want=$1; shift
		run -2 --separate-stderr sockbox log-writer "$@"
		assert_equal "$stderr" "sockbox log-writer: $want $help"
		assert_equal "$output" ""
	}
	check "missing FILE operand"
	check "invalid --tick 'soon': expected seconds, e.g. 1 or 0.5" --tick soon "$TMP/log"
	check "invalid --tick '0': expected seconds, e.g. 1 or 0.5" --tick 0 "$TMP/log"
	check "invalid --count '0': expected a whole number from 1" --tick 1 --count 0 "$TMP/log"
	check "--count needs --tick" --count 3 "$TMP/log"
	check "invalid --sync 'sometimes': expected never, entry or SECS" --sync sometimes "$TMP/log"
	check "invalid --max-size '1X': expected a size like 64K or 1M" --max-size 1X "$TMP/log"
	check "invalid --keep '0': expected a whole number from 1 to 1000" -m 1M --keep 0 "$TMP/log"
	check "--keep needs --max-size" --keep 2 "$TMP/log"
	check "--max-size needs a FILE, not '-'" --max-size 1M -
	check "--iso and --format exclude each other" --iso --format %s "$TMP/log"
	check "invalid --format '': empty or longer than 255 bytes" --format '' "$TMP/log"
	check "invalid --format '%n': a timestamp must stay on one line" --format '%n' "$TMP/log"
	assert_file_not_exists "$TMP/log"
}

@test "-v narrates the open, the resume and the summary on stderr, never on stdout" {
	sockbox log-writer "$TMP/log" first
	run -0 --separate-stderr sockbox log-writer -v "$TMP/log" second
	assert_equal "$output" ""
	[[ "${stderr_lines[0]}" =~ ^sockbox\ log-writer:\ open\ $TMP/log:\ O_APPEND,\ [0-9]+\ bytes,\ inode\ [0-9]+$ ]] || fail "${stderr_lines[0]}"
	[[ "${stderr_lines[1]}" =~ ^sockbox\ log-writer:\ resume\ $TMP/log:\ last\ number\ 1,\ found\ reading\ [0-9]+\ bytes\ backward\ in\ [0-9]+\ us$ ]] || fail "${stderr_lines[1]}"
	assert_equal "${stderr_lines[2]}" "sockbox log-writer: wrote 1 entry in 1 write, last number 2"
}

@test "log-writer - under set -o pipefail | head -1: exit 0, no message, entry 1 printed" {
	seq 100000 >"$TMP/lines"
	run -0 --separate-stderr bash -c 'set -o pipefail; "$SOCKBOX" log-writer - <"$1" | head -n 1' sh "$TMP/lines"
	assert_output --regexp '^1\. .* 1$'
	assert_equal "$stderr" ""
}

@test "-v on a new file says it is empty, not that 0 bytes held no entry" {
	run -0 --separate-stderr sockbox log-writer -v "$TMP/new" first
	assert_equal "${stderr_lines[1]}" "sockbox log-writer: resume $TMP/new: the file is empty (new), no entry to resume from"
}
