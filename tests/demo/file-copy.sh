# tests/demo/file-copy.sh - file-copy's stop in `make demo` (sourced by run.sh).
# Zero-copy against the 1 KiB loop, the fall backs, holes, verification,
# and the refusals that keep a file safe.

cd "$DEMO"
head -c 64M /dev/urandom >big.img

step "zero-copy: -v says the kernel moved the bytes with copy_file_range, in how many calls" \
	sockbox file-copy -v big.img copy.img

step "the classic 1 KiB read/write loop on the same file: count the system calls" \
	sockbox file-copy -v --method read-write --buffer-size 1K big.img loop.img

run_shell "from a pipe: copy_file_range and sendfile refuse (EINVAL), read/write runs" \
	"cat big.img | sockbox file-copy -v - piped.img"

truncate -s 5G sparse.img
printf 'data past 4 GiB' | dd of=sparse.img bs=1 seek=$((4 << 30)) conv=notrunc status=none
step "a 5 GiB sparse file: -vv shows the data ranges copied and the holes skipped" \
	sockbox file-copy -vv sparse.img sparse.copy
run_shell "both are 5 GiB long and take almost no disk space" \
	"du -h --apparent-size sparse.copy; du -h sparse.copy"

step "--fsync --verify: flush, drop the copy from the page cache, re-read it from the disk, compare" \
	sockbox file-copy -v --fsync --verify big.img safe.img

run_shell "a copy onto itself is refused, even through a hard link" \
	"ln big.img hard.img; sockbox file-copy big.img hard.img || echo \"exit status \$?\""

run_shell "-n refuses to replace an existing file, and says so with exit 1" \
	"sockbox file-copy -n big.img copy.img || echo \"exit status \$?\""

run_shell "SIGTERM in the middle of a copy: the temporary file goes, copy.img stays as it was" 'mkfifo stalled
sockbox file-copy stalled copy.img & pid=$!
exec 9>stalled; head -c 1M big.img >&9    # 1 MiB arrives, then the source stalls
until ls -A | grep -q "^\.copy\.img\."; do sleep 0.05; done
kill -TERM $pid; wait $pid; echo "exit status $? (128 + SIGTERM)"; ls -A; cmp big.img copy.img && echo "copy.img unchanged"'

rm -f big.img copy.img loop.img piped.img sparse.img sparse.copy safe.img hard.img stalled
cd - >/dev/null
