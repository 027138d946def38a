# tests/demo/log-writer.sh - log-writer's stop in `make demo` (sourced by run.sh).

step "one entry from the arguments: its number, a ctime-style stamp, the message" \
	sockbox log-writer "$DEMO/app.log" deploy started
run_shell "each stdin line is an entry; a second run goes on numbering where the file ends" \
	"printf 'cache warm\nserving\n' | sockbox log-writer '$DEMO/app.log' && cat '$DEMO/app.log'"
step "the classic exercise: a bare timestamp every 0.2 s (--tick), three times (--count), ISO 8601 with ms" \
	sockbox log-writer --iso --tick 0.2 --count 3 -
run_shell "three writers at once: flock + one write(2) per batch keep the numbers unique and contiguous" \
	"for i in 1 2 3; do seq 1000 | sockbox log-writer '$DEMO/shared.log' & done; wait
	 echo \"\$(cut -d. -f1 '$DEMO/shared.log' | sort -un | wc -l) distinct numbers, last line:\"; tail -n 1 '$DEMO/shared.log'"
run_shell "a writer killed inside its write(2) leaves a torn entry: the next one cuts it off (-v)" \
	"printf '4. Mon Nov 2' >>'$DEMO/app.log'; sockbox log-writer -v '$DEMO/app.log' recovered; tail -n 2 '$DEMO/app.log'"
run_shell "--max-size rotates to FILE.1 .. FILE.N under the lock; numbering runs on across the files" \
	"seq 30 | mawk '{ print; fflush() }' | sockbox log-writer --max-size 200 --keep 3 '$DEMO/rot.log'; head -n 1 '$DEMO'/rot.log*"
