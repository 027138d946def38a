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

# man_bats_examples DIR: writes each bats example of the man pages (a
# `.Bd -literal` block holding a @test, roff escapes undone) to
# DIR/PAGE-LINE.bats, after the two lines of a file that loads only
# bats-support and bats-assert.
man_bats_examples() {
	awk -v dir="$1" '
		FNR == 1 { n = split(FILENAME, p, "/"); page = p[n] }
		/^\.Bd -literal/ { lit = 1; start = FNR; body = ""; next }
		/^\.Ed/ && lit {
			lit = 0
			if (body !~ /@test/) next
			out = dir "/" page "-" start ".bats"
			printf "bats_load_library bats-support\nbats_load_library bats-assert\n\n%s", body > out
			close(out)
			next
		}
		lit {
			line = $0
			gsub(/\\&/, "", line)
			gsub(/\\e/, "\\", line)
			body = body line "\n"
		}' "$ROOT"/man/*.1 "$ROOT"/man/*.7
}

@test "every bats example in the man pages runs with only bats-support and bats-assert" {
	mkdir "$TMP/bin" "$TMP/examples"
	ln -s "$SOCKBOX" "$TMP/bin/sockbox"
	man_bats_examples "$TMP/examples"
	# One bats run over them all: each file keeps its own setup and
	# teardown, and the TAP output names the example that failed. An
	# example that hangs fails here: timeout stops its whole process group.
	run --separate-stderr timeout 60 env PATH="$TMP/bin:$PATH" \
		bats --tap "$TMP/examples"
	# bats prints its warnings (BW02: run -N without
	# bats_require_minimum_version) after the TAP lines.
	[ "$status" -eq 0 ] && [ -z "$stderr" ] && [[ $output != *BW0* ]] ||
		fail "status $status:"$'\n'"$output"$'\n'"$stderr"
	local n
	n=$(grep -c '^ok ' <<<"$output")
	[ "$n" -ge 10 ] || fail "found $n bats examples in the man pages"
}

# Issue 11, defect 6: what each shell offers after an option, before a
# subcommand, and after -i/--interface.  comp_bash runs the bash completion
# on the words given (the last is the word being completed) and leaves the
# offer in $offer; comp_fish does the same through fish's complete -C.
comp_bash() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_sockbox || true # compgen fails when nothing matches
	offer="${COMPREPLY[*]}"
}

comp_fish() {
	offer=$(fish -c "source '$ROOT/completions/sockbox.fish'; complete -C '$1'" | cut -f1 | tr '\n' ' ')
	offer=${offer% }
}

comp_need_fish() { command -v fish >/dev/null || skip "fish is not installed (make deps)"; }

sys_ifaces() { ls /sys/class/net | sort | tr '\n' ' ' | sed 's/ $//'; }

@test "bash completion offers a choice's words, never its placeholders" {
	source "$ROOT/completions/sockbox.bash"
	comp_bash sockbox log-writer --sync ""
	[ "$offer" = "never entry" ] || fail "log-writer --sync offers '$offer'"
	comp_bash log-writer -s ""
	[ "$offer" = "never entry" ] || fail "log-writer -s offers '$offer'"
	comp_bash log-writer --sync = ""
	[ "$offer" = "never entry" ] || fail "log-writer --sync= offers '$offer'"
	cd "$TMP" # no file named like a placeholder
	for t in $(sockbox --list); do
		while IFS=$'\037' read -r short long arg help; do
			[[ $arg == *[A-Z]* ]] || continue # lowercase choices hold no placeholder
			comp_bash sockbox "$t" "$long" ""
			[[ ! " $offer " =~ \ [A-Z][A-Z0-9_]*\  ]] || fail "$t $long offers the placeholder in '$offer'"
		done < <(sockbox "$t" --list-options | tr '\t' '\037')
	done
}

@test "bash completion offers a tool's subcommands alone until one is given" {
	source "$ROOT/completions/sockbox.bash"
	cd "$TMP"
	touch data.bin
	comp_bash sockbox struct-pack ""
	[ "$offer" = "pack unpack size explain" ] || fail "struct-pack offers '$offer'"
	comp_bash struct-pack -d , ""
	[ "$offer" = "pack unpack size explain" ] || fail "struct-pack -d , offers '$offer'"
	comp_bash sockbox udp-broadcast ""
	[ "$offer" = "send listen" ] || fail "udp-broadcast offers '$offer'"
	comp_bash udp-broadcast -p 9 ""
	[ "$offer" = "send listen" ] || fail "udp-broadcast -p 9 offers '$offer'"
	comp_bash sockbox struct-pack unpack '<i' ""
	[ "$offer" = "data.bin" ] || fail "struct-pack unpack FORMAT offers '$offer'"
	comp_bash sockbox log-writer ""
	[ "$offer" = "data.bin" ] || fail "log-writer offers '$offer'"
}

@test "bash completion offers the system's interfaces after -i and --interface" {
	source "$ROOT/completions/sockbox.bash"
	want=$(sys_ifaces)
	[[ " $want " == *" lo "* ]] || fail "no lo in /sys/class/net: '$want'"
	for words in "sockbox sniff -i" "sniff --interface" "sockbox udp-broadcast send -i" \
		"udp-broadcast listen --interface"; do
		comp_bash $words ""
		got=$(printf '%s\n' $offer | sort | tr '\n' ' ' | sed 's/ $//')
		[ "$got" = "$want" ] || fail "$words offers '$got', not '$want'"
	done
	comp_bash sniff -i l
	[[ " $offer " == *" lo "* ]] || fail "sniff -i l offers '$offer'"
}

@test "fish completion offers choices, subcommands first and interfaces as bash does" {
	comp_need_fish
	cd "$TMP"
	touch data.bin
	comp_fish "sockbox log-writer --sync "
	[ "$offer" = "entry never" ] || fail "fish: log-writer --sync offers '$offer'"
	comp_fish "log-writer -s "
	[ "$offer" = "entry never" ] || fail "fish: log-writer -s offers '$offer'"
	comp_fish "sockbox struct-pack "
	[ "$offer" = "explain pack size unpack" ] || fail "fish: struct-pack offers '$offer'"
	comp_fish "udp-broadcast "
	[ "$offer" = "listen send" ] || fail "fish: udp-broadcast offers '$offer'"
	comp_fish "struct-pack unpack x "
	[ "$offer" = "data.bin" ] || fail "fish: struct-pack unpack FORMAT offers '$offer'"
	comp_fish "sockbox "
	[ "$offer" = "$(sockbox --list | sort | tr '\n' ' ' | sed 's/ $//')" ] || fail "fish: sockbox offers '$offer'"
	for line in "sockbox sniff -i " "udp-broadcast --interface "; do
		comp_fish "$line"
		[ "$offer" = "$(sys_ifaces)" ] || fail "fish: '$line' offers '$offer'"
	done
}

# comp_zsh completes each line given in one interactive zsh on a
# pseudo-terminal (zpty) with compinit and completions/_sockbox, and prints
# per line the words the completion added; timeout bounds a zsh that never
# prompts.
comp_zsh() {
	mkdir -p "$TMP/zfunc"
	cp "$ROOT/completions/_sockbox" "$TMP/zfunc/"
	cat >"$TMP/capture.zsh" <<'ZSH'
zmodload zsh/zpty || exit 1
zpty z TERM=dumb zsh -f -i
zpty -w z "fpath=($1 \$fpath); autoload -U compinit; compinit -u -D; PS1='%% '"
zpty -w z 'comppostfuncs=(_cap_post); _cap_post() { compstate[insert]=; compstate[list]=; }'
zpty -w z 'compadd() { local -a h; builtin compadd -O h "$@"; (( $#h )) && print -r -- "<hits>${(j: :)h}</hits>" >/dev/tty; builtin compadd "$@"; }'
zpty -w z 'print -r -- "<ready>"'
zpty -r z line '*<ready>*'
zpty -r z line '*<ready>*'
shift
integer n=0
for l in "$@"; do
	(( n++ ))
	zpty -w -n z "$l"$'\t'
	zpty -w -n z $'\C-u'
	zpty -w z "print -r -- '<done$n>'"
	zpty -r z out "*<done$n>*<done$n>*"
	print -r -- "${${(M)${(f)out}:#*<hits>*}//(*<hits>|<\/hits>*)/}" | tr -d '\r'
done
zpty -d z
ZSH
	timeout 30 zsh -f "$TMP/capture.zsh" "$TMP/zfunc" "$@"
}

@test "zsh completion offers choices, subcommands first and interfaces as bash does" {
	command -v zsh >/dev/null || skip "zsh is not installed (make deps)"
	mkdir "$TMP/cwd"
	cd "$TMP/cwd"
	touch data.bin
	ifaces=$(sys_ifaces)
	run -0 comp_zsh "sockbox log-writer --sync " "log-writer -s " "sockbox struct-pack " \
		"udp-broadcast " "struct-pack unpack x " "sockbox sniff -i " "udp-broadcast --interface "
	assert_output "never entry
never entry
pack unpack size explain
send listen
data.bin
$ifaces
$ifaces"
}
