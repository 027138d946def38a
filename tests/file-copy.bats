#!/usr/bin/env bats
# file-copy: every byte arrives, holes stay holes, DST is replaced in one
# step or not at all, and each failure says what failed on what.

load helper

# Each test works in $W, so that listings show only what the test made
# (bg keeps its output files in $TMP).
setup() {
	common_setup
	W=$TMP/w
	mkdir "$W"
	cd "$W"
	PUB=
}

teardown() {
	common_teardown
	if [ -n "$PUB" ]; then rm -rf "$PUB"; fi
}

# random_file FILE SIZE: SIZE random bytes.
random_file() { head -c "$2" /dev/urandom >"$1"; }

# listing DIR: the names in DIR, hidden ones too, one per line.
listing() { ls -A "${1:-.}"; }

# extents FILE: the data ranges of FILE as "START END" lines, as SEEK_DATA
# and SEEK_HOLE report them.
extents() {
	python3 - "$1" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size, offset = os.fstat(fd).st_size, 0
while offset < size:
    try:
        data = os.lseek(fd, offset, os.SEEK_DATA)
    except OSError:
        break
    offset = os.lseek(fd, data, os.SEEK_HOLE)
    print(data, offset)
EOF
}

# device_inode FILE: "MAJOR:MINOR, inode N", as the same-file message says it.
device_inode() { stat -L -c '%Hd:%Ld, inode %i' "$1"; }

# public_dir: a directory other users can reach ($PUB), removed in teardown,
# with a copy of the binary in it (the build tree may be private).
public_dir() {
	PUB=$(mktemp -d /tmp/sockbox-file-copy.XXXXXX)
	chmod 755 "$PUB"
	cp "$SOCKBOX" "$PUB/sockbox"
}

# unprivileged CMD...: runs CMD as nobody when we are root, as ourselves otherwise.
unprivileged() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

# temporary_file DIR NAME: the path of NAME's temporary file in DIR, if one exists.
temporary_file() { compgen -G "$1/.$2.??????" | head -n 1; }

# temporary_size_is DIR NAME SIZE: the temporary file of NAME holds SIZE bytes.
temporary_size_is() {
	local t
	t=$(temporary_file "$1" "$2") && [ -n "$t" ] && [ "$(stat -c %s "$t")" -eq "$3" ]
}

need_strace() { command -v strace >/dev/null || skip "strace is not installed (make deps installs it)"; }

# traced ARGS...: strace ARGS; LeakSanitizer cannot run under ptrace, so an
# ASan build (make check-asan) is traced with leak detection off.
# SIGINT back at its default for the traced tool: a suite started as a
# background job inherits it ignored, and file-copy keeps an ignored signal
# ignored (sockbox(1)), so the injected SIGINT would do nothing.
traced() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" env --default-signal=INT strace "$@"; }

# ---------------------------------------------------------------- the bytes

@test "file-copy copies 10 MiB of random bytes unchanged and leaves no temporary file" {
	random_file src 10M
	run -0 --separate-stderr sockbox file-copy src dst
	assert_equal "$stderr" ""
	cmp src dst
	assert_equal "$(listing)" $'dst\nsrc'
}

@test "file-copy copies every byte value, and an empty file as an empty file" {
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 64)' >src
	run -0 sockbox file-copy src dst
	cmp src dst
	: >empty
	run -0 sockbox file-copy empty empty.copy
	assert_file_exists empty.copy
	assert_size_zero empty.copy
}

@test "file-copy copies a 5 GiB sparse file: the bytes across the 4 GiB mark arrive, the holes stay holes" {
	random_file chunk 8K
	truncate -s 5G src
	dd if=chunk of=src bs=4096 seek=$(((4 << 30) / 4096 - 1)) conv=notrunc status=none
	for method in auto copy-file-range sendfile read-write; do
		run -0 sockbox file-copy --method "$method" src "dst.$method"
		assert_equal "$(stat -c %s "dst.$method")" 5368709120
		cmp chunk <(dd if="dst.$method" bs=4096 skip=$(((4 << 30) / 4096 - 1)) count=2 status=none)
		assert_equal "$(extents "dst.$method")" "$(extents src)"
		[ "$(du -k "dst.$method" | cut -f1)" -le 64 ] || fail "dst.$method is not sparse: $(du -h "dst.$method")"
	done
}

@test "--sparse auto keeps the holes of SRC where SEEK_DATA finds them" {
	truncate -s 64M src
	for mib in 1 17 40; do
		random_file piece 4K
		dd if=piece of=src bs=1M seek="$mib" conv=notrunc status=none
	done
	run -0 sockbox file-copy src dst
	cmp src dst
	assert_equal "$(extents dst)" "$(extents src)"
	assert_equal "$(stat -c %b dst)" "$(stat -c %b src)"
}

@test "--sparse never writes the holes out as zeros" {
	truncate -s 8M src
	printf 'x' | dd of=src bs=1 seek=4096 conv=notrunc status=none
	run -0 sockbox file-copy --sparse never src dst
	cmp src dst
	[ "$(du -k dst | cut -f1)" -ge 8192 ] || fail "dst still has holes: $(du -h dst)"
}

@test "--sparse always also turns all-zero blocks of a dense file into holes" {
	head -c 1M /dev/zero >src
	random_file piece 4K
	cat piece >>src
	head -c 1M /dev/zero >>src
	run -0 sockbox file-copy -v --sparse always src dst
	cmp src dst
	assert_equal "$(extents dst)" "1048576 1052672"
	assert_line "sockbox file-copy: method read-write"
	assert_line "sockbox file-copy: holes: 2.0 MiB left unwritten in 2 holes"
}

@test "file-copy continues a regular standard input from its current offset" {
	random_file src 100K
	{ dd bs=10 count=1 of=/dev/null status=none; sockbox file-copy - dst; } <src
	cmp <(tail -c +11 src) dst
}

# ----------------------------------------------------------- the paths (-v)

@test "-v says copy_file_range moved the bytes between two files of one file system" {
	random_file src 10M
	run -0 sockbox file-copy -v src dst
	assert_line "sockbox file-copy: method copy_file_range"
	assert_line "sockbox file-copy:   copy_file_range moved 10.0 MiB in 1 system call"
	assert_line --regexp "^sockbox file-copy: rename \.dst\.[A-Za-z0-9]{6} -> dst$"
}

@test "-v from a stdin pipe: copy_file_range and sendfile refuse, read-write runs" {
	random_file src 1M
	run -0 bash -c 'cat src | "$SOCKBOX" file-copy -v - dst'
	cmp src dst
	assert_line "sockbox file-copy: copy - (pipe) to dst"
	assert_line "sockbox file-copy: copy_file_range refused (Invalid argument): falling back to sendfile"
	assert_line "sockbox file-copy: sendfile refused (Invalid argument): falling back to read-write"
	assert_line --regexp "^sockbox file-copy:   read-write moved 1.0 MiB in [0-9]+ system calls$"
}

@test "-v to a stdout pipe: copy_file_range refuses, sendfile runs" {
	random_file src 1M
	run -0 --separate-stderr bash -c '"$SOCKBOX" file-copy -v src - | cat >dst'
	cmp src dst
	grep -qx "sockbox file-copy: copy_file_range refused (Invalid argument): falling back to sendfile" <<<"$stderr"
	grep -qE "^sockbox file-copy:   sendfile moved 1.0 MiB in [0-9]+ system calls$" <<<"$stderr"
}

@test "-v to another file system: copy_file_range refuses with EXDEV, sendfile runs" {
	small_fs "$W/other" 16m
	random_file src 1M
	run -0 sockbox file-copy -v src other/dst
	cmp src other/dst
	assert_line "sockbox file-copy: copy_file_range refused (Invalid cross-device link): falling back to sendfile"
	assert_line "sockbox file-copy:   sendfile moved 1.0 MiB in 1 system call"
}

@test "-v on an empty file: read(2) confirms the end of file copy_file_range reported" {
	: >src
	run -0 sockbox file-copy -v src dst
	assert_line "sockbox file-copy: copy_file_range copied nothing at the start: asking read(2) to confirm the end of file"
}

@test "--method read-write --buffer-size 1K makes one read and one write per KiB" {
	random_file src 1M
	run -0 sockbox file-copy -v --method read-write --buffer-size 1K src dst
	cmp src dst
	# 1024 reads and 1024 writes: the data range is 1 MiB long, so no read
	# is needed to find the end of file.
	assert_line "sockbox file-copy:   read-write moved 1.0 MiB in 2048 system calls"
}

@test "--method sendfile and --method copy-file-range copy a file with that call alone" {
	random_file src 3M
	for method in sendfile copy-file-range; do
		run -0 sockbox file-copy -v --method "$method" src "dst.$method"
		cmp src "dst.$method"
		refute_line --partial "falling back"
		assert_line --regexp "^sockbox file-copy:   (sendfile|copy_file_range) moved 3.0 MiB in 1 system call$"
	done
}

@test "a named --method never falls back: copy_file_range from a pipe exits 1" {
	run -1 --separate-stderr bash -c 'echo hi | "$SOCKBOX" file-copy --method copy-file-range - dst'
	assert_equal "$stderr" "sockbox file-copy: copy - to dst: copy_file_range: Invalid argument"
	assert_equal "$(listing)" ""
}

@test "-vv lists the data ranges copied and the holes skipped" {
	truncate -s 2M src
	printf 'x' | dd of=src bs=1 seek=1048576 conv=notrunc status=none
	run -0 sockbox file-copy -vv src dst
	assert_line "sockbox file-copy: hole 0..1048576 (1.0 MiB): skipped, nothing written"
	assert_line "sockbox file-copy: data 1048576..1052672 (4.0 KiB)"
	assert_line "sockbox file-copy: hole 1052672..2097152 (1020.0 KiB): skipped, nothing written"
}

# --------------------------------------------------------- operands and -

@test "- as SRC reads standard input and - as DST writes standard output" {
	random_file src 300K
	sockbox file-copy - dst <src
	cmp src dst
	sockbox file-copy src - >out
	cmp src out
	sockbox file-copy - - <src >out2
	cmp src out2
}

@test "DST an existing directory: the copy goes inside it, under SRC's name" {
	random_file src 10K
	mkdir dir
	run -0 sockbox file-copy src dir
	cmp src dir/src
	run -0 sockbox file-copy "$W/src" dir/
	assert_equal "$(listing dir)" src
}

@test "DST a directory with standard input as SRC exits 1: there is no name to give the copy" {
	mkdir dir
	run -1 --separate-stderr sockbox file-copy - dir </dev/null
	assert_equal "$stderr" "sockbox file-copy: create dir: is a directory, and standard input has no name to copy under"
}

@test "DST a symbolic link to a file: the target is replaced, the link stays" {
	random_file src 10K
	echo old >target
	ln -s target link
	run -0 sockbox file-copy src link
	assert_link_exists link
	assert_equal "$(readlink link)" target
	cmp src target
}

@test "DST a dangling symbolic link exits 1 and creates nothing" {
	random_file src 10K
	ln -s nowhere link
	run -1 --separate-stderr sockbox file-copy src link
	assert_equal "$stderr" "sockbox file-copy: create link: not writing through a dangling symbolic link"
	assert_file_not_exists nowhere
}

@test "DST a character device is written into in place, never replaced by a file" {
	random_file src 10K
	run -0 --separate-stderr sockbox file-copy src /dev/null
	assert_character_exists /dev/null
	run -1 --separate-stderr sockbox file-copy src /dev/full
	assert_equal "$stderr" "sockbox file-copy: write /dev/full: No space left on device"
	assert_character_exists /dev/full
}

@test "DST a FIFO is written into, its reader gets every byte" {
	random_file src 200K
	mkfifo fifo
	cat fifo >out &
	reader=$!
	track_pid "$reader"
	run -0 sockbox file-copy src fifo
	wait "$reader"
	cmp src out
	assert_fifo_exists fifo
}

@test "a full standard output exits 1 with 'write -: No space left on device'" {
	random_file src 10K
	run -1 --separate-stderr bash -c '"$SOCKBOX" file-copy src - >/dev/full'
	assert_equal "$stderr" "sockbox file-copy: write -: No space left on device"
}

@test "a reader that goes away ends the copy to standard output quietly, exit 0" {
	random_file src 4M
	run -0 --separate-stderr bash -c 'trap "" PIPE; "$SOCKBOX" file-copy src - | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_output 0
	assert_equal "$stderr" ""
}

# ------------------------------------------------------------------ errors

@test "a missing SRC exits 1 with 'open SRC: No such file or directory'" {
	run -1 --separate-stderr sockbox file-copy nothing dst
	assert_equal "$stderr" "sockbox file-copy: open nothing: No such file or directory"
	assert_equal "$(listing)" ""
}

@test "SRC a directory exits 1 with 'open SRC: Is a directory'" {
	mkdir dir
	run -1 --separate-stderr sockbox file-copy dir dst
	assert_equal "$stderr" "sockbox file-copy: open dir: Is a directory"
	assert_equal "$(listing)" dir
}

@test "a missing DST directory exits 1 with 'create DST: No such file or directory'" {
	echo x >src
	run -1 --separate-stderr sockbox file-copy src no/such/dir/dst
	assert_equal "$stderr" "sockbox file-copy: create no/such/dir/dst: No such file or directory"
	run -1 --separate-stderr sockbox file-copy src nodir/
	assert_equal "$stderr" "sockbox file-copy: create nodir/: Not a directory"
	assert_equal "$(listing)" src
}

@test "DST naming a directory inside the target directory exits 1 with 'Is a directory'" {
	echo x >src
	mkdir -p dir/src
	run -1 --separate-stderr sockbox file-copy src dir
	assert_equal "$stderr" "sockbox file-copy: replace dir/src: Is a directory"
}

@test "an unreadable SRC exits 1 with 'open SRC: Permission denied'" {
	public_dir
	echo secret >"$PUB/src"
	chmod 000 "$PUB/src"
	mkdir "$PUB/out"
	chmod 777 "$PUB/out"
	run -1 --separate-stderr unprivileged "$PUB/sockbox" file-copy "$PUB/src" "$PUB/out/dst"
	assert_equal "$stderr" "sockbox file-copy: open $PUB/src: Permission denied"
	assert_equal "$(listing "$PUB/out")" ""
}

@test "a DST directory without write permission exits 1 with 'create DST: Permission denied'" {
	public_dir
	echo data >"$PUB/src"
	chmod 644 "$PUB/src"
	mkdir "$PUB/locked"
	echo old >"$PUB/locked/dst"
	chmod 555 "$PUB/locked"
	run -1 --separate-stderr unprivileged "$PUB/sockbox" file-copy "$PUB/src" "$PUB/locked/dst"
	assert_equal "$stderr" "sockbox file-copy: create $PUB/locked/dst: Permission denied"
	assert_equal "$(cat "$PUB/locked/dst")" old
}

@test "a read-only DST in a writable directory is replaced, as mv would, and keeps its mode" {
	public_dir
	mkdir "$PUB/out"
	echo new >"$PUB/src"
	echo old >"$PUB/out/dst"
	chmod 444 "$PUB/out/dst"
	if [ "$(id -u)" -eq 0 ]; then chown -R 65534:65534 "$PUB/out"; fi
	run -0 unprivileged "$PUB/sockbox" file-copy "$PUB/src" "$PUB/out/dst"
	assert_equal "$(cat "$PUB/out/dst")" new
	assert_equal "$(stat -c %a "$PUB/out/dst")" 444
}

@test "a full disk: exit 1 with 'write DST: No space left on device', DST untouched, no temporary file" {
	small_fs "$W/small" 1m
	random_file src 4M
	echo previous >small/dst
	for method in auto read-write; do
		run -1 --separate-stderr sockbox file-copy --method "$method" src small/dst
		assert_equal "$stderr" "sockbox file-copy: write small/dst: No space left on device"
		assert_equal "$(cat small/dst)" previous
		assert_equal "$(listing small)" dst
		run -1 --separate-stderr sockbox file-copy --method "$method" src small/new
		assert_equal "$stderr" "sockbox file-copy: write small/new: No space left on device"
		assert_equal "$(listing small)" dst
	done
}

# ---------------------------------------------------------- onto itself

@test "copying a file onto itself is refused: same name, hard link, symbolic link, directory" {
	random_file a 10K
	cp a a.orig
	ln a hard
	ln -s a sym
	mkdir dir
	ln a dir/a
	expected="same file (device $(device_inode a))"
	run -1 --separate-stderr sockbox file-copy a a
	assert_equal "$stderr" "sockbox file-copy: copy a to a: $expected"
	run -1 --separate-stderr sockbox file-copy a hard
	assert_equal "$stderr" "sockbox file-copy: copy a to hard: $expected"
	run -1 --separate-stderr sockbox file-copy a sym
	assert_equal "$stderr" "sockbox file-copy: copy a to $W/a: $expected"
	run -1 --separate-stderr sockbox file-copy sym a
	assert_equal "$stderr" "sockbox file-copy: copy sym to a: $expected"
	run -1 --separate-stderr sockbox file-copy dir/a dir
	assert_equal "$stderr" "sockbox file-copy: copy dir/a to dir/a: $expected"
	cmp a a.orig
	assert_equal "$(listing)" $'a\na.orig\ndir\nhard\nsym'
}

@test "copying standard input or output onto the file it comes from or goes to is refused" {
	random_file a 10K
	cp a a.orig
	run -1 --separate-stderr sockbox file-copy - a <a
	assert_equal "$stderr" "sockbox file-copy: copy - to a: same file (device $(device_inode a))"
	run -1 --separate-stderr bash -c '"$SOCKBOX" file-copy a - >>a'
	assert_equal "$stderr" "sockbox file-copy: copy a to -: same file (device $(device_inode a))"
	cmp a a.orig
}

# ------------------------------------------------- replace, clobber, keep

@test "--no-clobber refuses an existing DST with exit 1 and a message, and copies to a new one" {
	random_file src 10K
	echo old >dst
	run -1 --separate-stderr sockbox file-copy --no-clobber src dst
	assert_equal "$stderr" "sockbox file-copy: create dst: File exists (--no-clobber)"
	assert_equal "$(cat dst)" old
	ln -s nowhere dangling
	run -1 --separate-stderr sockbox file-copy -n src dangling
	assert_equal "$stderr" "sockbox file-copy: create dangling: File exists (--no-clobber)"
	run -0 sockbox file-copy -n src new
	cmp src new
	assert_equal "$(listing)" $'dangling\ndst\nnew\nsrc'
}

@test "replacing DST gives it a new inode: an open reader and other hard links keep the old content" {
	echo old >dst
	ln dst other-name
	random_file src 10K
	exec 8<dst
	run -0 sockbox file-copy src dst
	cmp src dst
	assert_equal "$(cat <&8)" old
	exec 8<&-
	assert_equal "$(cat other-name)" old
}

@test "without --preserve a new DST gets SRC's permissions less the umask, an existing DST keeps its mode" {
	random_file src 10K
	chmod 0755 src
	(umask 027 && sockbox file-copy src new)
	assert_equal "$(stat -c %a new)" 750
	echo old >existing
	chmod 0600 existing
	run -0 sockbox file-copy src existing
	assert_equal "$(stat -c %a existing)" 600
}

@test "--preserve keeps mode, owner and nanosecond timestamps (stat agrees)" {
	require_root "giving a file away with chown"
	random_file src 10K
	chown 65534:65534 src
	chmod 2750 src
	touch -d '2001-02-03 04:05:06.123456789' src
	run -0 sockbox file-copy -p src dst
	assert_equal "$(stat -c '%a %u:%g %x %y' dst)" "$(stat -c '%a %u:%g' src) 2001-02-03 04:05:06.123456789 +0000 2001-02-03 04:05:06.123456789 +0000"
}

@test "--preserve as an unprivileged user keeps mode and timestamps, not an owner it cannot give" {
	require_root "switching to the nobody user with setpriv"
	public_dir
	echo data >"$PUB/src"
	chmod 0640 "$PUB/src"
	chgrp 65534 "$PUB/src"
	touch -d '2001-02-03 04:05:06.5' "$PUB/src"
	mkdir "$PUB/out"
	chown 65534:65534 "$PUB/out"
	run -0 unprivileged "$PUB/sockbox" file-copy -v -p "$PUB/src" "$PUB/out/dst"
	assert_line "sockbox file-copy: owner 0:65534 not kept (Operation not permitted)"
	assert_equal "$(stat -c '%a %u:%g %y' "$PUB/out/dst")" "640 65534:65534 2001-02-03 04:05:06.500000000 +0000"
}

# ---------------------------------------------------------- verify, fsync

@test "--verify re-reads the copy and says it is identical" {
	random_file src 5M
	run -0 sockbox file-copy -v --verify src dst
	cmp src dst
	assert_line "sockbox file-copy: verify: posix_fadvise DONTNEED dropped the copy from the page cache; re-reading it from the disk"
	assert_line "sockbox file-copy: verify: 5.0 MiB identical"
}

@test "--verify reads the copy back from the disk, not the page cache (read_bytes of /proc/PID/io)" {
	[ -r /proc/self/io ] || skip "this kernel keeps no per-process IO accounting"
	[ "$(stat -f -c %T .)" != tmpfs ] || skip "a tmpfs has no disk to re-read from"
	random_file src 8M
	# read_bytes counts what a process (and its reaped children) made the
	# storage layer fetch: page cache hits do not count.
	disk_reads() {
		bash -c 'io() { awk "/^read_bytes/ { print \$2 }" /proc/$$/io; }
			before=$(io); "$SOCKBOX" file-copy "$@" src dst; after=$(io)
			echo $((after - before))' bash "$@"
	}
	without=$(disk_reads)
	with=$(disk_reads --verify)
	[ "$with" -ge 8388608 ] || fail "--verify read only $with bytes from the disk"
	[ "$without" -lt 4194304 ] || fail "a copy from the page cache read $without bytes from the disk"
}

@test "--verify names the first differing byte and exits 1 when SRC changed under the copy; DST untouched" {
	# A disk that returns wrong bytes cannot be staged here (no dm-flakey in
	# this kernel), but a source that changes between the copy and the
	# re-read takes the same path: every read of this file is a new UUID.
	echo old >u
	run -1 --separate-stderr sockbox file-copy --verify /proc/sys/kernel/random/uuid u
	[[ "$stderr" =~ ^"sockbox file-copy: verify u: differs from /proc/sys/kernel/random/uuid at byte "[0-9]+$ ]] ||
		fail "unexpected: $stderr"
	assert_equal "$(cat u)" old
	assert_equal "$(listing)" u
}

@test "--verify of a file that does not change copies it (a /proc file of size 0 too)" {
	run -0 sockbox file-copy --verify /proc/sys/kernel/random/boot_id id
	assert_equal "$(cat id)" "$(cat /proc/sys/kernel/random/boot_id)"
}

@test "--fsync: fsync of the file, then the rename, then fsync of the directory (strace)" {
	need_strace
	random_file src 1M
	run -0 traced -f -o "$TMP/trace" -e trace=fsync,rename,renameat,renameat2 "$SOCKBOX" file-copy --fsync src dst
	cmp src dst
	calls=$(grep -oE '^([0-9]+ +)?[a-z0-9]+\(' "$TMP/trace" | sed -E 's/^[0-9]+ +//; s/\($//; s/^rename.*/rename/')
	assert_equal "$(echo $calls)" "fsync rename fsync"
	run -0 sockbox file-copy -v --fsync src dst2
	assert_line --regexp "^sockbox file-copy: fsync \.dst2\.[A-Za-z0-9]{6}: [0-9.]+ ms$"
	assert_line "sockbox file-copy: fsync of the directory of dst2: the new name is durable too"
}

# ---------------------------------------------------------------- progress

@test "--progress draws a bar that reaches 100% and erases it; --no-progress and a pipe draw nothing" {
	random_file src 10M
	run -0 --separate-stderr sockbox file-copy --progress src dst
	[[ "$stderr" == $'\r['"####################] 100%  10.0 MiB / 10.0 MiB  "* ]] || fail "no bar: $(printf %q "$stderr")"
	[[ "$stderr" == *$'\r\033[K' ]] || fail "the bar is not erased: $(printf %q "$stderr")"
	run -0 --separate-stderr sockbox file-copy --no-progress src dst
	assert_equal "$stderr" ""
	run -0 --separate-stderr sockbox file-copy src dst
	assert_equal "$stderr" ""
}

@test "on a terminal the bar shows by default for a large file (1 GiB) and not for a small one" {
	command -v script >/dev/null || skip "script(1) is not installed"
	truncate -s 1G big
	echo small >small
	run -0 script -qec "\"$SOCKBOX\" file-copy big big.copy" /dev/null
	assert_output --partial "100%  1.0 GiB / 1.0 GiB"
	run -0 script -qec "\"$SOCKBOX\" file-copy small small.copy" /dev/null
	assert_output ""
	run -0 script -qec "\"$SOCKBOX\" file-copy --no-progress big big.copy2" /dev/null
	assert_output ""
}

# ----------------------------------------------------------------- signals

@test "SIGTERM while the copy waits on its source: temporary file removed, DST as it was, death by SIGTERM (143)" {
	mkfifo fifo
	echo old >dst
	random_file first 1M
	bg "$SOCKBOX" file-copy fifo dst
	exec 8>fifo # after the start: the copy must not hold a writer itself
	cat first >&8
	wait_until 10 temporary_size_is . dst 1048576
	stop_pid "$BG_PID" TERM || true
	exec 8>&-
	assert_equal "$STOP_STATUS" 143
	assert_equal "$(cat "$BG_ERR")" "sockbox file-copy: copy fifo to dst: interrupted by SIGTERM (dst left untouched)"
	assert_equal "$(cat dst)" old
	assert_equal "$(listing)" $'dst\nfifo\nfirst'
}

@test "SIGINT and SIGHUP during a copy end it the same way (130, 129)" {
	mkfifo fifo
	for sig in INT HUP; do
		echo old >dst
		# A background job of a script starts with SIGINT ignored: env resets it.
		bg env --default-signal=INT "$SOCKBOX" file-copy fifo dst
		exec 8>fifo
		echo partial >&8
		wait_until 10 temporary_size_is . dst 8
		stop_pid "$BG_PID" "$sig" || true
		exec 8>&-
		assert_equal "$STOP_STATUS" "$((128 + $(kill -l "$sig")))"
		assert_equal "$(cat "$BG_ERR")" "sockbox file-copy: copy fifo to dst: interrupted by SIG$sig (dst left untouched)"
		assert_equal "$(cat dst)" old
		[ -z "$(temporary_file . dst)" ] || fail "temporary file left after SIG$sig"
	done
}

@test "a signal in the middle of a 5 GiB sparse file (copy_file_range) or a 1K read-write loop cleans up (strace injects it)" {
	need_strace
	truncate -s 5G src
	for gib in 1 2 3 4; do printf 'data%d' "$gib" | dd of=src bs=1 seek=$((gib << 30)) conv=notrunc status=none; done
	echo old >dst
	run -143 --separate-stderr traced -o /dev/null -e trace=copy_file_range \
		-e inject=copy_file_range:signal=SIGTERM:when=3 "$SOCKBOX" file-copy src dst
	assert_equal "$stderr" "sockbox file-copy: copy src to dst: interrupted by SIGTERM (dst left untouched)"
	assert_equal "$(cat dst)" old
	random_file dense 4M
	run -130 --separate-stderr traced -o /dev/null -e trace=write \
		-e inject=write:signal=SIGINT:when=100 "$SOCKBOX" file-copy --method read-write --buffer-size 1K dense dst
	assert_equal "$stderr" "sockbox file-copy: copy dense to dst: interrupted by SIGINT (dst left untouched)"
	assert_equal "$(cat dst)" old
	assert_equal "$(listing)" $'dense\ndst\nsrc'
}

@test "SIGTERM while opening a FIFO that has no writer yet ends it with one message (143)" {
	mkfifo fifo
	echo old >dst
	bg "$SOCKBOX" file-copy fifo dst
	# the kernel parks an open(2) of a FIFO without a writer in wait_for_partner
	wait_until 10 grep -q wait_for_partner "/proc/$BG_PID/wchan"
	stop_pid "$BG_PID" TERM || true
	assert_equal "$STOP_STATUS" 143
	assert_equal "$(cat "$BG_ERR")" "sockbox file-copy: copy fifo to dst: interrupted by SIGTERM (dst left untouched)"
	assert_equal "$(listing)" $'dst\nfifo'
}

@test "a SIGINT ignored when file-copy starts (nohup, a background job) stays ignored" {
	mkfifo fifo
	random_file src 64K
	bg bash -c 'trap "" INT; exec "$SOCKBOX" file-copy fifo dst'
	exec 8>fifo
	head -c 1000 src >&8
	wait_until 10 temporary_size_is . dst 1000
	kill -INT "$BG_PID"
	tail -c +1001 src >&8
	exec 8>&-
	wait "$BG_PID"
	cmp src dst
}

# ------------------------------------------------------------ usage errors

@test "usage errors exit 2 with a message: operands, values, combinations" {
	check() {
		local expected=$1; shift
		run -2 --separate-stderr sockbox file-copy "$@"
		assert_equal "$stderr" "sockbox file-copy: $expected (see 'sockbox file-copy --help')"
	}
	check "missing SRC and DST"
	check "missing DST after 'a'" a
	check "extra operand 'c'" a b c
	check "invalid --method 'fast': expected auto, copy-file-range, sendfile or read-write" --method fast a b
	check "invalid --sparse 'some': expected auto, always or never" --sparse some a b
	check "invalid --buffer-size '0': expected a size from 1 to 1G, like 1K or 128K" --buffer-size 0 a b
	check "invalid --buffer-size '2G': expected a size from 1 to 1G, like 1K or 128K" --buffer-size 2G a b
	check "--sparse always looks at every byte: it needs --method read-write or auto" --sparse always --method sendfile a b
	check "--verify re-reads SRC, which standard input cannot do" --verify - b
	check "--verify needs a DST file, not standard output" --verify a -
	check "--preserve needs a DST file, not standard output" -p a -
	check "--no-clobber needs a DST file, not standard output" -n a -
	check "--verify needs a regular file DST, and /dev/null is a character device" --verify /etc/hostname /dev/null
	check "--verify re-reads SRC, and /dev/null is a character device" --verify /dev/null out
}

@test "file-copy to - under set -o pipefail | head -c 1K: exit 0, no message, head got the first 1K" {
	random_file src 4M
	run -0 --separate-stderr bash -c 'set -o pipefail; "$SOCKBOX" file-copy src - | head -c 1K >head.out'
	assert_equal "$stderr" ""
	cmp head.out <(head -c 1K src)
}

@test "a copy interrupted before a new DST exists says it was not created" {
	mkfifo fifo
	bg "$SOCKBOX" file-copy fifo dst
	wait_until 10 grep -q wait_for_partner "/proc/$BG_PID/wchan"
	stop_pid "$BG_PID" TERM || true
	assert_equal "$STOP_STATUS" 143
	assert_equal "$(cat "$BG_ERR")" "sockbox file-copy: copy fifo to dst: interrupted by SIGTERM (dst not created)"
	assert_equal "$(listing)" fifo
}
