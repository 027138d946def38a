#!/usr/bin/env bats
# The dispatch contract: every tool in the table, every link, every message.

load helper

@test "sockbox --list prints the tools one per line, sorted" {
	run -0 sockbox --list
	sorted=$(printf '%s\n' "${lines[@]}" | LC_ALL=C sort)
	[ "$output" = "$sorted" ]
	for t in "${lines[@]}"; do
		[[ "$t" =~ ^[a-z][a-z0-9-]*$ ]] || fail "bad tool name '$t'"
	done
}

@test "sockbox --list names exactly the tools of tools/*.c (file tcp_echo.c is tool tcp-echo)" {
	files=$(cd "$ROOT/tools" && ls *.c | grep -vx sockbox.c | sed 's/\.c$//; s/_/-/g' | LC_ALL=C sort)
	run -0 sockbox --list
	assert_equal "$output" "$files"
}

@test "a tool's summary under its usage is its line in sockbox --help" {
	for t in $(sockbox --list); do
		summary=$(sockbox "$t" --help | sed -n '/^\(Usage:\|      \) sockbox /!{p;q}')
		run -0 sockbox --help
		assert_line "$(printf '  %-16s%s' "$t" "$summary")"
	done
}

@test "no tool has two options with one long name or one short letter" {
	for t in $(sockbox --list); do
		# opt_init refuses a clash of keys, names or letters: every run would fail
		run -0 --separate-stderr sockbox "$t" --list-options
		assert_equal "$stderr" ""
		dup=$(cut -f2 <<<"$output" | sort | uniq -d)
		[ -z "$dup" ] || fail "$t has the long option $dup twice"
		dup=$(cut -f1 <<<"$output" | grep . | sort | uniq -d)
		[ -z "$dup" ] || fail "$t has the short option $dup twice"
	done
}

@test "sockbox --version and every tool's --version print 'sockbox VERSION'" {
	run -0 sockbox --version
	[[ "$output" =~ ^sockbox\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	version=$output
	for t in $(sockbox --list); do
		run -0 sockbox "$t" --version
		assert_output "$version"
	done
}

@test "sockbox --help lists every tool and exits 0" {
	run -0 sockbox --help
	assert_line --index 0 "Usage: sockbox TOOL [OPTIONS] [ARGS]"
	for t in $(sockbox --list); do
		assert_line --regexp "^  $t +"
	done
}

@test "sockbox with no arguments prints usage on stderr and exits 2" {
	run -2 --separate-stderr sockbox
	assert_equal "$output" ""
	[[ "${stderr_lines[0]}" == "Usage: sockbox TOOL [OPTIONS] [ARGS]" ]]
}

@test "an unknown tool exits 2 and points at --list" {
	run -2 --separate-stderr sockbox no-such-tool
	assert_equal "$stderr" "sockbox: unknown tool 'no-such-tool' (see 'sockbox --list')"
}

@test "tools are matched by exact name, never by prefix" {
	first=$(sockbox --list | head -n 1)
	[ -n "$first" ] || skip "no tool yet"
	run -2 --separate-stderr sockbox "${first%?}"
	assert_equal "$stderr" "sockbox: unknown tool '${first%?}' (see 'sockbox --list')"
}

@test "an unknown top-level option exits 2" {
	run -2 --separate-stderr sockbox --frobnicate
	assert_equal "$stderr" "sockbox: unknown option '--frobnicate' (see 'sockbox --help')"
}

@test "every tool answers --help on stdout with exit 0 and a Usage line" {
	for t in $(sockbox --list); do
		run -0 --separate-stderr sockbox "$t" --help
		assert_equal "$stderr" ""
		assert_line --index 0 --regexp "^Usage: sockbox $t "
		assert_line "See sockbox-$t(1) for the whole story."
	done
}

@test "every tool rejects an unknown option with exit 2 and its own prefix" {
	for t in $(sockbox --list); do
		run -2 --separate-stderr sockbox "$t" --no-such-option
		assert_equal "$stderr" "sockbox $t: unknown option '--no-such-option' (see 'sockbox $t --help')"
		assert_equal "$output" ""
	done
}

@test "every tool rejects an unknown short option with exit 2" {
	for t in $(sockbox --list); do
		run -2 --separate-stderr sockbox "$t" -Z
		assert_equal "$stderr" "sockbox $t: unknown option '-Z' (see 'sockbox $t --help')"
	done
}

@test "every option that takes an argument complains when it is missing" {
	for t in $(sockbox --list); do
		while IFS=$'\037' read -r short long arg help; do
			[ -n "$arg" ] || continue
			run -2 --separate-stderr sockbox "$t" "$long"
			assert_equal "$stderr" "sockbox $t: option '$long' needs an argument (see 'sockbox $t --help')"
		done < <(sockbox "$t" --list-options | tr '\t' '\037')
	done
}

@test "a link named after a tool runs that tool" {
	for t in $(sockbox --list); do
		ln -s "$SOCKBOX" "$TMP/$t"
		run -0 "$TMP/$t" --help
		assert_line --index 0 --regexp "^Usage: sockbox $t "
	done
}

@test "make install-links makes one link per tool" {
	run -0 make -s -C "$ROOT" install-links DESTDIR="$TMP/dest" PREFIX=/usr
	for t in $(sockbox --list); do
		assert_link_exists "$TMP/dest/usr/bin/$t"
		assert_equal "$(readlink "$TMP/dest/usr/bin/$t")" "sockbox"
	done
}

@test "make install honours DESTDIR and PREFIX and uninstall removes it all" {
	run -0 make -s -C "$ROOT" install DESTDIR="$TMP/dest" PREFIX=/opt/sb
	assert_file_executable "$TMP/dest/opt/sb/bin/sockbox"
	assert_file_exists "$TMP/dest/opt/sb/share/man/man1/sockbox.1"
	assert_file_exists "$TMP/dest/opt/sb/share/man/man7/sockbox.7"
	assert_file_exists "$TMP/dest/opt/sb/share/bash-completion/completions/sockbox"
	assert_file_exists "$TMP/dest/opt/sb/share/zsh/site-functions/_sockbox"
	assert_file_exists "$TMP/dest/opt/sb/share/fish/vendor_completions.d/sockbox.fish"
	for t in $(sockbox --list); do
		assert_file_exists "$TMP/dest/opt/sb/share/man/man1/sockbox-$t.1"
	done
	run -0 make -s -C "$ROOT" uninstall DESTDIR="$TMP/dest" PREFIX=/opt/sb
	run -0 find "$TMP/dest" -type f
	assert_output ""
}

@test "a failed write to stdout is reported and exits 1" {
	run -1 --separate-stderr sh -c '"$SOCKBOX" --help >/dev/full'
	assert_equal "$stderr" "sockbox: write stdout: No space left on device"
}

@test "a link named after no tool says unknown tool and exits 2, as 'sockbox NAME' does" {
	ln -s "$SOCKBOX" "$TMP/frob"
	run -2 --separate-stderr "$TMP/frob" --help
	assert_output ""
	assert_equal "$stderr" "sockbox: unknown tool 'frob' (see 'sockbox --list')"
	ln -s "$SOCKBOX" "$TMP/sockbox-asan"
	run -0 --separate-stderr "$TMP/sockbox-asan" --list
	assert_line "tcp-echo"
	assert_equal "$stderr" ""
}
