#!/usr/bin/env bats
# pictures.bats - the pictures sockbox draws (lib/draw): tcp-echo --bench's
# latency histogram, sniff --explain --svg's TCP ladder, http-probe's
# waterfall.  Every SVG is checked well-formed (xmllint) and
# self-contained (tests/pictures/check.py); one test renders them all in
# headless Chromium and keeps the PNGs under build/artifacts/.

load helper

CHECK=$BATS_TEST_DIRNAME/pictures/check.py

# svg_ok FILE: well-formed XML and a self-contained SVG 1.1 document.
svg_ok() {
	xmllint --noout "$1" || fail "$1 is not well-formed"
	python3 "$CHECK" svg "$1" >/dev/null || fail "$1 is not a self-contained SVG"
}

# on_tty CMD...: runs CMD with stdout on a pseudo-terminal (script(1)); its output in $output.
on_tty() {
	local cmd
	printf -v cmd '%q ' "$@"
	run timeout 60 script -qec "$cmd" /dev/null
}

# ---- tcp-echo --bench: the latency histogram ------------------------------

@test "tcp-echo --bench --histogram under LC_ALL=C NO_COLOR=1 prints a plain ASCII log-scale histogram" {
	serve sockbox tcp-echo -l -p 0
	LC_ALL=C NO_COLOR=1 run -0 --separate-stderr timeout 60 "$SOCKBOX" tcp-echo --bench --count 500 --histogram "$PORT"
	assert_equal "$stderr" ""
	assert_line --index 5 --regexp '^latency of 500 round trips \(log scale: [124] rows? per doubling, each from the time shown\)$'
	assert_line --regexp '^ *[0-9.]+ (ns|us|ms|s) \|#*  *\| +[0-9]+ +[0-9.]+%( p50)?( p99)?( p99\.9)?$'
	assert_line --regexp '^p50 [0-9.]+ (ns|us|ms), p99 [0-9.]+ (ns|us|ms), p99\.9 [0-9.]+ (ns|us|ms), max [0-9.]+ (ns|us|ms|s), mean [0-9.]+ (ns|us|ms)$'
	# the rows' counts add up to the round trips, and each mark is on one row
	total=$(printf '%s\n' "$output" | awk -F'|' 'NF == 3 { split($3, f, " "); n += f[1] } END { print n }')
	assert_equal "$total" 500
	assert_equal "$(printf '%s\n' "$output" | grep -cE '%( p[0-9.]+)* p50( |$)')" 1
	assert_equal "$(printf '%s\n' "$output" | grep -cE '%( p[0-9.]+)* p99( |$)')" 1
	# nothing but printable ASCII and newlines
	run bash -c 'LC_ALL=C grep -c "[^ -~]" <<<"$1"' _ "$output"
	assert_output 0
}

@test "tcp-echo --bench prints no histogram unless asked, on a pipe and on a terminal" {
	serve sockbox tcp-echo -l -p 0
	run -0 timeout 60 "$SOCKBOX" tcp-echo --bench --count 50 "$PORT"
	refute_output --partial "latency of"
	assert_equal "${#lines[@]}" 5
	on_tty "$SOCKBOX" tcp-echo --bench --count 50 "$PORT"
	assert_success
	refute_output --partial "latency of"
}

@test "tcp-echo --bench --histogram on a UTF-8 terminal draws block bars, in colour unless NO_COLOR" {
	serve sockbox tcp-echo -l -p 0
	LC_ALL=C.UTF-8 on_tty "$SOCKBOX" tcp-echo --bench --count 200 --histogram "$PORT"
	assert_success
	assert_output --partial "█"
	assert_output --partial $'\e[1mp50\e[0m'
	LC_ALL=C.UTF-8 NO_COLOR=1 on_tty "$SOCKBOX" tcp-echo --bench --count 200 --histogram "$PORT"
	assert_success
	assert_output --partial "█"
	refute_output --partial $'\e['
	LC_ALL=C TERM=xterm on_tty "$SOCKBOX" tcp-echo --bench --count 200 --histogram "$PORT"
	assert_success
	refute_output --partial "█"
	assert_output --partial "|#"
}

@test "tcp-echo --bench --svg FILE draws the histogram as a well-formed SVG with the percentiles marked" {
	serve sockbox tcp-echo -l -p 0
	run -0 --separate-stderr timeout 60 "$SOCKBOX" tcp-echo --bench --count 300 --json --svg "$TMP/h.svg" "$PORT"
	assert_equal "${#lines[@]}" 1 # the JSON alone on stdout
	svg_ok "$TMP/h.svg"
	run -0 python3 "$CHECK" svg "$TMP/h.svg"
	assert_output "760 380"
	run -0 grep -c '<rect ' "$TMP/h.svg"
	[ "$output" -ge 2 ]
	run -0 grep -o '>p[0-9.]* [0-9.]* [mun]*s<' "$TMP/h.svg"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^>p50 '
	assert_line --index 1 --regexp '^>p99 '
	assert_line --index 2 --regexp '^>p99\.9 '
}

@test "tcp-echo --histogram and --svg are refused where they draw nothing" {
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --histogram 127.0.0.1:9
	assert_equal "$stderr" "sockbox tcp-echo: --histogram needs --bench (see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --bench --stream --svg x.svg 127.0.0.1:9
	assert_equal "$stderr" "sockbox tcp-echo: --stream measures no round trip: --svg has no latency to draw (see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo --bench --json --histogram 127.0.0.1:9
	assert_equal "$stderr" "sockbox tcp-echo: choose --json or --histogram (--svg draws it beside the JSON) (see 'sockbox tcp-echo --help')"
	run -2 --separate-stderr "$SOCKBOX" tcp-echo -l --svg x.svg
	assert_equal "$stderr" "sockbox tcp-echo: --svg is for the client, not the server (-l) (see 'sockbox tcp-echo --help')"
}

@test "tcp-echo --bench --svg into a missing directory fails with exit 1 and leaves nothing" {
	serve sockbox tcp-echo -l -p 0
	run -1 --separate-stderr timeout 60 "$SOCKBOX" tcp-echo --bench --count 10 --svg "$TMP/no/h.svg" "$PORT"
	assert_equal "$stderr" "sockbox tcp-echo: write $TMP/no/h.svg: No such file or directory"
	assert_not_exist "$TMP/no"
}
