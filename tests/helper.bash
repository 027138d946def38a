# tests/helper.bash - what every bats suite loads.
#
#   load helper           (at the top of a suite)
#
# Gives: the bats-support/assert/file libraries; `sockbox` (the binary under
# test: $SOCKBOX, the ASan build under `make check-asan`); $TMP, a fresh
# directory per test; `serve`, which starts a server on port 0 and waits for
# its --port-file; `stop_pid`, which stops a process by PID; bounded waits.
# setup() and teardown() are defined here; a suite that needs its own calls
# common_setup / common_teardown from them.

bats_require_minimum_version 1.5.0

export BATS_LIB_PATH=${BATS_LIB_PATH:-/usr/lib/bats}
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

SOCKBOX=${SOCKBOX:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)/sockbox}
export SOCKBOX
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

sockbox() { "$SOCKBOX" "$@"; }

common_setup() {
	TMP=$BATS_TEST_TMPDIR
	TRACKED_PIDS=()
	MOUNTS=()
}

common_teardown() {
	local pid
	for pid in "${TRACKED_PIDS[@]}"; do
		stop_pid "$pid" || true
	done
	local m
	for m in "${MOUNTS[@]}"; do
		umount -l "$m" 2>/dev/null || true
	done
}

setup() { common_setup; }
teardown() { common_teardown; }

# track_pid PID: stop PID in teardown if the test did not.
track_pid() { TRACKED_PIDS+=("$1"); }

# wait_until SECS CMD...: polls CMD every 20 ms for at most SECS seconds.
wait_until() {
	local limit=$1; shift
	local tries=$((limit * 50))
	while ((tries-- > 0)); do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}

# wait_for_file FILE [SECS]: waits (default 10 s) until FILE exists and is not empty.
wait_for_file() { wait_until "${2:-10}" test -s "$1"; }

# wait_exit PID [SECS]: waits for PID to end (default 10 s); 1 if it did not.
wait_exit() { wait_until "${2:-10}" eval "! kill -0 $1 2>/dev/null"; }

# stop_pid PID [SIGNAL]: sends SIGNAL (TERM), waits 5 s, then KILLs.
# Sets STOP_STATUS to the exit status when PID was our child.
stop_pid() {
	local pid=$1 sig=${2:-TERM}
	STOP_STATUS=0
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null || STOP_STATUS=$?
		return 0
	fi
	kill -s "$sig" "$pid" 2>/dev/null || true
	if ! wait_exit "$pid" 5; then
		kill -KILL "$pid" 2>/dev/null || true
		wait_exit "$pid" 5 || true
	fi
	wait "$pid" 2>/dev/null || STOP_STATUS=$?
	return 0
}

# serve CMD ARGS...: runs `CMD ARGS --port-file F` in the background with
# stdout in $SERVER_OUT and stderr in $SERVER_ERR, waits at most 10 s for F,
# and sets SERVER_PID and PORT.  Fails the test when no port appears.
serve() {
	local n=${#TRACKED_PIDS[@]}
	local pf=$TMP/port.$n.$RANDOM
	SERVER_OUT=$TMP/server.$n.out
	SERVER_ERR=$TMP/server.$n.err
	# The sockbox function would run in a background subshell whose PID is
	# not the server's: run the binary itself so SERVER_PID is the server.
	[ "$1" = sockbox ] && set -- "$SOCKBOX" "${@:2}"
	# A background job of a script starts with SIGINT ignored, and sockbox
	# keeps an inherited SIG_IGN (sockbox(1)): env gives the default back,
	# as an interactive shell would, so a test can send SIGINT (a shell
	# function such as in_ns runs as it is).
	if [ "$(type -t "$1")" = file ]; then set -- env --default-signal=INT "$@"; fi
	"$@" --port-file "$pf" >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- &
	SERVER_PID=$!
	track_pid "$SERVER_PID"
	if ! wait_for_file "$pf" 10; then
		cat "$SERVER_ERR" >&2
		fail "server '$*' did not publish its port"
	fi
	PORT=$(cat "$pf")
}

# bg CMD ARGS...: runs CMD in the background (stdio to files, SIGINT not
# ignored), sets BG_PID.
bg() {
	local n=${#TRACKED_PIDS[@]}
	BG_OUT=$TMP/bg.$n.out
	BG_ERR=$TMP/bg.$n.err
	[ "$1" = sockbox ] && set -- "$SOCKBOX" "${@:2}" # BG_PID must be the process itself
	if [ "$(type -t "$1")" = file ]; then set -- env --default-signal=INT "$@"; fi # as in serve
	"$@" >"$BG_OUT" 2>"$BG_ERR" 3>&- &
	BG_PID=$!
	track_pid "$BG_PID"
}

# require_root REASON: skips the test (saying why) unless we are root.
require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root: $1"
}

# small_fs DIR SIZE: mounts a tmpfs of SIZE on DIR (root), unmounted in teardown.
small_fs() {
	require_root "mounting a small tmpfs"
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2" tmpfs "$1" || fail "mount tmpfs on $1"
	MOUNTS+=("$1")
}

# fd_count PID: how many descriptors PID holds.
fd_count() { ls "/proc/$1/fd" | wc -l; }
