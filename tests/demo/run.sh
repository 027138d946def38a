#!/usr/bin/env bash
# tests/demo/run.sh SOCKBOX - `make demo`: a tour of every tool, in the order
# of `sockbox --list`, on loopback and temporary files.  Each tool's stop is
# tests/demo/TOOL.sh, sourced with $SOCKBOX, $DEMO (a scratch directory) and
# the `step` helper; a stop that fails stops the tour with its message.
set -euo pipefail
SOCKBOX=$1
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/sockbox-demo.XXXXXX")
DEMO_PIDS=()
cleanup() {
	local pid
	for pid in "${DEMO_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	rm -rf "$DEMO"
}
trap cleanup EXIT

# step "WHAT IT SHOWS" CMD...: prints the explanation and the command, runs it.
step() {
	local what=$1; shift
	printf '\n\033[1m# %s\033[0m\n$ %s\n' "$what" "$*"
	"$@"
}

# run_shell "WHAT IT SHOWS" 'pipeline': the same for a shell pipeline.
run_shell() {
	printf '\n\033[1m# %s\033[0m\n$ %s\n' "$1" "$2"
	bash -o pipefail -c "$2"
}

# wait_port FILE: waits (at most 10 s) for a server's --port-file.
wait_port() {
	local tries=500
	while [ ! -s "$1" ] && ((tries-- > 0)); do sleep 0.02; done
	[ -s "$1" ] || { echo "demo: no port in $1" >&2; return 1; }
	cat "$1"
}

export SOCKBOX DEMO
# `sockbox` is the binary itself, found on PATH (a shell function would put
# a subshell between a backgrounded server and the PID a stop records).
export PATH="$(dirname "$SOCKBOX"):$PATH"
echo "sockbox demo: $("$SOCKBOX" --version), scratch directory $DEMO"
for tool in $("$SOCKBOX" --list); do
	stop="$(dirname "$0")/$tool.sh"
	if [ -f "$stop" ]; then
		printf '\n\033[1;34m== %s ==\033[0m\n' "$tool"
		# shellcheck source=/dev/null
		source "$stop"
	else
		echo "demo: no stop for $tool ($stop)" >&2
		exit 1
	fi
done
# stops that belong to no one tool
for stop in pictures; do
	printf '\n\033[1;34m== %s ==\033[0m\n' "$stop"
	# shellcheck source=/dev/null
	source "$(dirname "$0")/$stop.sh"
done
printf '\nThe tour is over: every tool ran. Read sockbox(7) for the concepts behind each stop.\n'
