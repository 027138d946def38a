# tests/demo/ftp-client.sh - the ftp-client stop of `make demo` (sourced by
# tests/demo/run.sh).  It talks to sockbox ftp-server when this build has
# it, else to pyftpdlib (Debian's python3-pyftpdlib), started here on
# loopback, port 0, serving a scratch directory.

mkdir -p "$DEMO/ftp"
head -c 64M /dev/urandom >"$DEMO/ftp/big.bin"
printf 'a file with ## and\r\nCRLFs in it\n' >"$DEMO/ftp/notes.txt"
if sockbox --list | grep -qx ftp-server; then
	sockbox ftp-server -p 0 --root "$DEMO/ftp" --port-file "$DEMO/ftp-client.port" 2>"$DEMO/ftp.err" &
else
	/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/../ftp/client-pyftpd.py" "$DEMO/ftp" \
		--port-file "$DEMO/ftp-client.port" 2>"$DEMO/ftp.err" &
fi
ftp_pid=$!
DEMO_PIDS+=("$ftp_pid")
ftp_port=$(wait_port "$DEMO/ftp-client.port")
url=ftp://127.0.0.1:$ftp_port

step "ls: MLSD when the server offers it, LIST otherwise; one line per entry" \
	sockbox ftp-client ls "$url/"
step "-v: every command ('<-') and reply ('->') on the control connection, the data connection beside it" \
	sockbox ftp-client get -v -o "$DEMO/notes.got" "$url/notes.txt"
step "A 64 MiB file in 4 segments: 4 sessions, each REST at its offset, each block written with pwrite" \
	sockbox ftp-client get --segments 4 --progress -o "$DEMO/big.got" "$url/big.bin"
run_shell "Resume: a partial file is completed with REST from its size" \
	"head -c 10M $DEMO/ftp/big.bin >$DEMO/part.bin && sockbox ftp-client get -C -o $DEMO/part.bin $url/big.bin && cmp $DEMO/part.bin $DEMO/ftp/big.bin && echo identical"
run_shell "A wrong --sha256 exits 4 and leaves no file under the name" \
	"sockbox ftp-client get --sha256 $(printf '%064d' 0) -o $DEMO/bad.bin $url/notes.txt; echo \"exit status \$?\"; ls $DEMO/bad.bin 2>&1 || true"
kill "$ftp_pid" 2>/dev/null || true
wait "$ftp_pid" 2>/dev/null || true
