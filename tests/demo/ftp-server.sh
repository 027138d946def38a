# tests/demo/ftp-server.sh - the ftp-server stop of `make demo` (sourced by
# run.sh).  A writable server narrating its commands and data connections;
# curl lists it, downloads a file holding the course's '##' sentinel byte
# for byte, uploads one, and checks it with HASH.

mkdir -p "$DEMO/ftp-root"
printf 'line one##\r\n##\r\nthe end\n' >"$DEMO/ftp-root/sentinel.txt"
head -c 4M /dev/urandom >"$DEMO/ftp-root/random.bin"
# "$SOCKBOX" itself, not the sockbox function: $! must be the server's PID
"$SOCKBOX" ftp-server -p 0 -v --writable --root "$DEMO/ftp-root" --port-file "$DEMO/ftp.port" \
	>/dev/null 2>"$DEMO/ftp-server.log" &
DEMO_PIDS+=($!)
ftp_port=$(wait_port "$DEMO/ftp.port")

run_shell "curl lists the server's root: the ls -l shape every FTP client parses" \
	"curl -sS ftp://127.0.0.1:$ftp_port/"

run_shell "A file holding '##' and CRLFs arrives whole: the end of a file is the close of its data connection" \
	"curl -sS ftp://127.0.0.1:$ftp_port/sentinel.txt | cmp - '$DEMO/ftp-root/sentinel.txt' && echo identical"

run_shell "Upload (atomic: a temporary file renamed at the clean end), then the server's SHA-256 of it" \
	"curl -sS -T '$DEMO/ftp-root/random.bin' ftp://127.0.0.1:$ftp_port/copy.bin && curl -sSv -Q 'HASH copy.bin' ftp://127.0.0.1:$ftp_port/ -o /dev/null 2>&1 | grep '^< 213' && sha256sum < '$DEMO/ftp-root/random.bin'"

run_shell "Four connections at once, each REST at its own offset (lftp pget -n 4): a segmented download" \
	"lftp -c 'open -p $ftp_port 127.0.0.1; pget -n 4 random.bin -o $DEMO/pget.bin' && cmp '$DEMO/pget.bin' '$DEMO/ftp-root/random.bin' && echo identical"

run_shell "What -v narrated: commands, replies, the passive data connections, sendfile" \
	"grep -m 10 -E '<- (EPSV|RETR|STOR)|data: |sendfile' '$DEMO/ftp-server.log'"
