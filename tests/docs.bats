#!/usr/bin/env bats
# Documentation and completions stay in step with the code: what the option
# tables say must appear in the man pages and completion scripts.

load helper

@test "every man page is mandoc -Tlint -Wwarning clean" {
	run -0 mandoc -Tlint -Wwarning "$ROOT"/man/*.1 "$ROOT"/man/*.7
	assert_output ""
}

@test "every tool has a man page with the required sections" {
	for t in $(sockbox --list); do
		page=$ROOT/man/sockbox-$t.1
		assert_file_exists "$page"
		for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "HOW IT WORKS" "SEE ALSO"; do
			grep -qx "\.Sh $section" "$page" || fail "$page lacks the section $section"
		done
	done
}

@test "every option of every tool is documented in its man page" {
	for t in $(sockbox --list); do
		page=$ROOT/man/sockbox-$t.1
		while IFS=$'\037' read -r short long arg help; do
			grep -qE "Fl -${long#--}( |$)" "$page" || fail "$page does not document $long"
			if [ -n "$short" ]; then
				grep -qE "Fl ${short#-}( |$)" "$page" || fail "$page does not document $short"
			fi
		done < <(sockbox "$t" --list-options | tr '\t' '\037')
	done
}

@test "every tool is listed in sockbox(1) and has a section pointer in sockbox(7)" {
	for t in $(sockbox --list); do
		grep -q "Xr sockbox-$t 1" "$ROOT/man/sockbox.1" || fail "sockbox.1 does not list $t"
		grep -q "$t" "$ROOT/man/sockbox.7" || fail "sockbox.7 never mentions $t"
	done
}

@test "the committed completion scripts are what completions/generate makes now" {
	run -0 bash "$ROOT/completions/generate" "$SOCKBOX" "$TMP/completions"
	for f in sockbox.bash _sockbox sockbox.fish; do
		run diff -u "$ROOT/completions/$f" "$TMP/completions/$f"
		[ "$status" -eq 0 ] || fail "completions/$f is stale: run 'make completions'"$'\n'"$output"
	done
}

@test "every option of every tool appears in the bash, zsh and fish completions" {
	for t in $(sockbox --list); do
		while IFS=$'\037' read -r short long arg help; do
			grep -q -- "$long" "$ROOT/completions/sockbox.bash" || fail "bash completion lacks $t $long"
			grep -q -- "$long" "$ROOT/completions/_sockbox" || fail "zsh completion lacks $t $long"
			grep -q -- "-l ${long#--}" "$ROOT/completions/sockbox.fish" || fail "fish completion lacks $t $long"
		done < <(sockbox "$t" --list-options | tr '\t' '\037')
	done
}

@test "bash completion offers the tools and a tool's options" {
	source "$ROOT/completions/sockbox.bash"
	COMP_WORDS=(sockbox "")
	COMP_CWORD=1
	_sockbox
	for t in $(sockbox --list); do
		[[ " ${COMPREPLY[*]} " == *" $t "* ]] || fail "no completion for tool $t"
		COMP_WORDS=(sockbox "$t" --)
		COMP_CWORD=2
		_sockbox
		[[ " ${COMPREPLY[*]} " == *" --help "* ]] || fail "no --help completion for $t"
		COMP_WORDS=(sockbox "")
		COMP_CWORD=1
		_sockbox
	done
}

@test "the README keeps the two quick-start commands" {
	grep -qF 'make deps && make demo' "$ROOT/README.md"
	grep -qF 'make test' "$ROOT/README.md"
}

@test "every man page example line (.Dl, .Bd ... .Ed) fits in 78 columns" {
	# Wider lines wrap mid-command in an 80-column terminal; a long
	# command breaks with a trailing backslash, a long output line wraps
	# with an indent and the text says so.
	run -0 awk 'FNR == 1 { lit = 0 }
		/^\.Bd/ { lit = 1; next }
		/^\.Ed/ { lit = 0; next }
		/^\.Dl / { if (length($0) - 4 > 78) print FILENAME ":" FNR ": " $0; next }
		lit && length($0) > 78 { print FILENAME ":" FNR ": " $0 }' "$ROOT"/man/*.1 "$ROOT"/man/*.7
	assert_output ""
}
