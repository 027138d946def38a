#!/usr/bin/env bats
# The README's tour works when typed in order on a machine with only
# loopback: this suite runs its commands as the README gives them, in a
# fresh network namespace (nothing but lo, so the tour's fixed ports are
# free and nothing else hears it), and asserts that each exits 0.

load helper

# tour_commands: the tour's shell block, one logical command per line
# (lines that end in a backslash or a pipe joined to the next), comments
# and blank lines dropped. A command that needs the internet must follow
# a comment that says so; it is printed as "INTERNET<TAB>command".
tour_commands() {
	awk '
		/^## A short tour/ { tour = 1; next }
		tour && /^```sh/ { code = 1; next }
		code && /^```/ { exit }
		!code { next }
		/^#/ { if (tolower($0) ~ /needs the internet/) internet = 1; next }
		/^[[:space:]]*$/ { internet = 0; next }
		{
			line = line (line == "" ? "" : " ") $0
			if (line ~ /\\$/) { sub(/[[:space:]]*\\$/, "", line); next }
			if (line ~ /\|$/) next
			print (internet ? "INTERNET\t" : "") line
			line = ""
		}' "$ROOT/README.md"
}

# tour_script FILE: a bash script that runs the tour's commands in order
# in the current directory, stops at the first that exits non-zero and
# says which; waits (at most 10 s) for each background server's
# "listening on"; at the end waits for every background command and checks
# its status; kills what is left if it stops early.
tour_script() {
	{
		cat <<-'EOF'
			exec >tour.log 2>&1
			set -o pipefail # every command of a pipeline must succeed
			bg=()
			trap 'for p in "${bg[@]}"; do kill "$p" 2>/dev/null; done' EXIT
			# listening TOOL N: waits until the log holds N lines of TOOL's
			# "listening on", at most 10 s.
			listening() {
				local i
				for i in $(seq 500); do
					[ "$(grep -c "sockbox $1: listening on" tour.log)" -ge "$2" ] && return 0
					sleep 0.02
				done
				echo "tour: sockbox $1 never said 'listening on'"
				exit 1
			}
		EOF
		local cmd tool
		while IFS= read -r cmd; do
			if [[ $cmd == INTERNET$'\t'* ]]; then
				printf 'echo %q\n' "tour: skipped, needs the internet: ${cmd#*$'\t'}"
			elif [[ $cmd =~ sockbox\ ([a-z-]+).*[^\&]\&(\ [^\&]|$) ]]; then
				# a lone & (not &&): a server started in the background
				tool=${BASH_REMATCH[1]}
				printf 'n=$(grep -c %q tour.log)\n' "sockbox $tool: listening on"
				printf '%s\nbg+=($!)\n' "$cmd"
				printf 'listening %s $((n + 1))\n' "$tool"
			else
				printf '%s\n' "$cmd"
				printf 'rc=$?; [ $rc -eq 0 ] || { echo "tour: exit $rc: "%q; exit 1; }\n' "$cmd"
			fi
		done < <(tour_commands)
		cat <<-'EOF'
			for p in "${bg[@]}"; do
				wait "$p" || { rc=$?; echo "tour: background PID $p exited $rc"; exit 1; }
			done
			bg=()
			echo "tour: done"
		EOF
	} >"$1"
}

@test "the README tour: every command exits 0, typed in order on loopback alone" {
	require_root "sniff captures live and the tour runs in its own network namespace"
	mkdir "$TMP/bin" "$TMP/tour"
	ln -s "$SOCKBOX" "$TMP/bin/sockbox"
	tour_script "$TMP/tour.sh"
	cd "$TMP/tour"
	# timeout stops the whole process group if a command hangs.
	run timeout 60 env PATH="$TMP/bin:$PATH" unshare -n \
		bash -c 'ip link set lo up && exec bash "$1"' tour "$TMP/tour.sh"
	[ "$status" -eq 0 ] || fail "status $status; the tour's log:"$'\n'"$(cat tour.log)"
	run -0 tail -n 1 tour.log
	assert_output "tour: done"
	run -0 grep -c '^tour: skipped, needs the internet: ' tour.log
	assert_output 1
}

@test "the README tour marks its one internet command as such" {
	run -0 tour_commands
	run -0 grep $'^INTERNET\t' <<<"$output"
	assert_output $'INTERNET\tsockbox http-probe --expect 2xx --cert-warn-days 21 https://example.com/'
}

@test "make demo's tour runs every stop to its end and leaves no process behind" {
	require_root "the demo's chat and broadcast stops make network namespaces"
	# TMPDIR puts the demo's scratch directory in $TMP, so its processes
	# can be found by their arguments afterwards.
	run timeout 300 env TMPDIR="$TMP" bash "$ROOT/tests/demo/run.sh" "$SOCKBOX"
	[ "$status" -eq 0 ] || fail "status $status; the demo said:"$'\n'"$(tail -n 30 <<<"$output")"
	assert_line --index -1 "The tour is over: every tool ran. Read sockbox(7) for the concepts behind each stop."
	run pgrep -f -- "$TMP/sockbox-demo"
	assert_failure 1
}
