#!/usr/bin/env bats
# ftp-client against real servers on loopback: vsftpd (plain and explicit
# TLS) and pyftpdlib (tests/ftp/client-pyftpd.py), each started by the test
# in the foreground with its configuration in the test's directory; our own
# ftp-server once it is merged (HASH); and tests/ftp/client-fake.py for the
# hostile replies no real server sends on purpose.

load helper

FAKE=$BATS_TEST_DIRNAME/ftp/client-fake.py
PYFTPD=$BATS_TEST_DIRNAME/ftp/client-pyftpd.py
# Debian's python3 has pyftpdlib; another python3 first on PATH may not
PY=/usr/bin/python3

setup() {
	common_setup
	# vsftpd serves as the ftp user: the path to its root must be searchable
	chmod 755 "$TMP"
	mkdir -p "$TMP/root" "$TMP/work"
	cd "$TMP/work"
}

# A certificate for localhost and 127.0.0.1, for the whole file.
setup_file() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$BATS_FILE_TMPDIR/key.pem" -out "$BATS_FILE_TMPDIR/cert.pem" -subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
}

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# random FILE BYTES: FILE in the served root, random bytes, world-readable.
random() {
	head -c "$2" /dev/urandom >"$TMP/root/$1"
	chmod 644 "$TMP/root/$1"
}

# start_vsftpd [CONF-LINE...]: vsftpd in the foreground serving $TMP/root
# to anonymous on $VSFTPD_PORT (vsftpd cannot publish a port 0 of its own:
# a free port is taken, and another on a clash).  Ready once it accepts.
start_vsftpd() {
	local d=$TMP/vsftpd try
	mkdir -p "$d/empty"
	for try in 1 2 3 4 5; do
		VSFTPD_PORT=$(free_port)
		{
			printf '%s\n' listen=YES background=NO listen_address=127.0.0.1 "listen_port=$VSFTPD_PORT" \
				anonymous_enable=YES local_enable=NO "anon_root=$TMP/root" ftp_username=ftp \
				seccomp_sandbox=NO "secure_chroot_dir=$d/empty" xferlog_enable=NO \
				"vsftpd_log_file=$d/log" "$@"
		} >"$d/vsftpd.conf"
		vsftpd "$d/vsftpd.conf" >"$d/out" 2>&1 3>&- &
		VSFTPD_PID=$!
		track_pid "$VSFTPD_PID"
		wait_until 10 eval "$PY -c 'import socket; socket.create_connection((\"127.0.0.1\", $VSFTPD_PORT), 1)' 2>/dev/null || ! kill -0 $VSFTPD_PID 2>/dev/null"
		kill -0 "$VSFTPD_PID" 2>/dev/null && return 0
		wait "$VSFTPD_PID" 2>/dev/null || true
	done
	cat "$d/out" >&2
	fail "vsftpd did not start"
}

# start_pyftpd [ARGS...]: pyftpdlib serving $TMP/root, PORT and SERVER_PID set.
start_pyftpd() {
	serve $PY "$PYFTPD" "$TMP/root" "$@"
}

# The summary line, with the figures that change from run to run wildcarded.
SUMMARY='[0-9.]+ s, [0-9.]+ MB/s \(connect [0-9.]+ ms, login [0-9.]+ ms, first byte [0-9.]+ ms, transfer [0-9.]+ ms\)'

# ---- get, ls, put against real servers ----

@test "ftp-client get fetches a random binary from vsftpd byte for byte, atomically, with the phase summary" {
	random big.bin 3000000
	start_vsftpd
	run -0 --separate-stderr sockbox ftp-client get "ftp://127.0.0.1:$VSFTPD_PORT/big.bin"
	[[ "$stderr" =~ ^"sockbox ftp-client: get ftp://127.0.0.1:$VSFTPD_PORT/big.bin: 3000000 bytes in "$SUMMARY$ ]]
	cmp big.bin "$TMP/root/big.bin"
	[ "$(ls -A)" = big.bin ] # no temporary left beside it
}

@test "ftp-client get fetches from pyftpdlib byte for byte, a file holding ## and CRLFs unchanged" {
	random big.bin 2000000
	printf 'line\r\n##\r\nmore\n##' >"$TMP/root/sentinel.txt"
	start_pyftpd
	run -0 sockbox ftp-client get -o got.bin "ftp://127.0.0.1:$PORT/big.bin"
	cmp got.bin "$TMP/root/big.bin"
	run -0 sockbox ftp-client get -o - "ftp://127.0.0.1:$PORT/sentinel.txt"
	sockbox ftp-client get -o - "ftp://127.0.0.1:$PORT/sentinel.txt" 2>/dev/null | cmp - "$TMP/root/sentinel.txt"
}

@test "ftp-client gets names with spaces and UTF-8 from vsftpd and pyftpdlib" {
	random 'two words é ü.bin' 1000
	start_vsftpd
	start_pyftpd
	run -0 sockbox ftp-client get -o v.bin "ftp://127.0.0.1:$VSFTPD_PORT/two words é ü.bin"
	run -0 sockbox ftp-client get -o p.bin "ftp://127.0.0.1:$PORT/two%20words%20%C3%A9%20%C3%BC.bin"
	cmp v.bin "$TMP/root/two words é ü.bin"
	cmp p.bin "$TMP/root/two words é ü.bin"
}

@test "ftp-client ls parses vsftpd's LIST and pyftpdlib's MLSD into the same entries" {
	random 'a b.bin' 1234
	mkdir "$TMP/root/sub"
	chmod 755 "$TMP/root/sub"
	start_vsftpd
	start_pyftpd
	run -0 sockbox ftp-client ls "ftp://127.0.0.1:$VSFTPD_PORT/"
	[[ "${lines[0]}" =~ ^"file         1234  "[A-Z][a-z]{2}\ [0-9]{2}\ [0-9:]{4,5}\ +"a b.bin"$ ]]
	[[ "${lines[1]}" =~ ^"dir  "\ +[0-9]+\ +.*\ sub$ ]]
	[ "${#lines[@]}" -eq 2 ]
	run -0 sockbox ftp-client ls --json "ftp://127.0.0.1:$PORT/"
	[[ "${lines[0]}" =~ ^'{"name":"a b.bin","type":"file","size":1234,"modified":"'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z'"}'$ ]]
	[[ "${lines[1]}" =~ ^'{"name":"sub","type":"dir",' ]]
	[ "${#lines[@]}" -eq 2 ]
}

@test "ftp-client get --active (EPRT) works with vsftpd and pyftpdlib" {
	random big.bin 1500000
	start_vsftpd
	start_pyftpd
	run -0 --separate-stderr sockbox ftp-client get -v --active -o v.bin "ftp://127.0.0.1:$VSFTPD_PORT/big.bin"
	[[ "$stderr" == *"<- EPRT |1|127.0.0.1|"* ]]
	[[ "$stderr" == *"data: accepted 127.0.0.1:"* ]]
	run -0 sockbox ftp-client get --active -o p.bin "ftp://127.0.0.1:$PORT/big.bin"
	cmp v.bin "$TMP/root/big.bin"
	cmp p.bin "$TMP/root/big.bin"
}

@test "ftp-client get -C resumes a partial file with REST from vsftpd" {
	random big.bin 2000000
	head -c 700000 "$TMP/root/big.bin" >big.bin
	start_vsftpd
	run -0 --separate-stderr sockbox ftp-client get -v -C "ftp://127.0.0.1:$VSFTPD_PORT/big.bin"
	[[ "$stderr" == *"<- REST 700000"* ]]
	[[ "$stderr" == *"get ftp://127.0.0.1:$VSFTPD_PORT/big.bin: 1300000 bytes in "* ]]
	cmp big.bin "$TMP/root/big.bin"
	run -0 --separate-stderr sockbox ftp-client get -C "ftp://127.0.0.1:$VSFTPD_PORT/big.bin"
	[ "$stderr" = "sockbox ftp-client: big.bin: already complete (2000000 bytes)" ]
}

@test "ftp-client put uploads byte for byte and -C resumes with SIZE + APPE (pyftpdlib, a user)" {
	head -c 2500000 /dev/urandom >up.bin
	head -c 1000000 up.bin >"$TMP/root/up.bin"
	start_pyftpd --user "alice:secret pw"
	SOCKBOX_FTP_PASSWORD="secret pw" run -0 --separate-stderr \
		sockbox ftp-client put -v -C up.bin "ftp://alice@127.0.0.1:$PORT/"
	[[ "$stderr" == *"<- SIZE up.bin"* ]]
	[[ "$stderr" == *"<- APPE up.bin"* ]]
	[[ "$stderr" != *"secret"* ]] # the password is never narrated
	cmp up.bin "$TMP/root/up.bin"
	SOCKBOX_FTP_PASSWORD="secret pw" run -0 sockbox ftp-client put up.bin "ftp://alice@127.0.0.1:$PORT/copy.bin"
	cmp up.bin "$TMP/root/copy.bin"
}

@test "ftp-client put uploads anonymously to vsftpd's incoming directory" {
	mkdir "$TMP/root/incoming"
	chown ftp "$TMP/root/incoming"
	head -c 800000 /dev/urandom >up.bin
	start_vsftpd write_enable=YES anon_upload_enable=YES anon_umask=022
	run -0 sockbox ftp-client put up.bin "ftp://127.0.0.1:$VSFTPD_PORT/incoming/"
	cmp up.bin "$TMP/root/incoming/up.bin"
}

# ---- credentials ----

@test "ftp-client warns when the password is on the command line, not when it comes from the environment" {
	printf 'x' >"$TMP/root/x"
	start_pyftpd --user "bob:pw"
	run -0 --separate-stderr sockbox ftp-client get -o - "ftp://bob:pw@127.0.0.1:$PORT/x"
	[ "${stderr_lines[0]}" = "sockbox ftp-client: warning: a password on the command line is visible to every user (ps); prefer SOCKBOX_FTP_PASSWORD or --netrc" ]
	run -0 --separate-stderr sockbox ftp-client get -u bob:pw -o - "ftp://127.0.0.1:$PORT/x"
	[[ "${stderr_lines[0]}" == *"warning: a password on the command line"* ]]
	SOCKBOX_FTP_PASSWORD=pw run -0 --separate-stderr sockbox ftp-client get -u bob -o - "ftp://127.0.0.1:$PORT/x"
	[ "$output" = x ]
	[[ "$stderr" != *warning* ]]
}

@test "ftp-client --netrc takes the login and password from ~/.netrc" {
	printf 'x' >"$TMP/root/x"
	start_pyftpd --user "carol:from netrc"
	printf 'machine other login nobody password no\nmachine 127.0.0.1\n  login carol\n  password "from netrc"\n' >"$TMP/.netrc"
	HOME=$TMP run -0 --separate-stderr sockbox ftp-client get --netrc -v -o - "ftp://127.0.0.1:$PORT/x"
	[ "$output" = x ]
	[[ "$stderr" == *"<- USER carol"* ]]
}

@test "ftp-client exits 3 and prints the server's reply when the login is refused" {
	start_pyftpd --user "dave:right"
	SOCKBOX_FTP_PASSWORD=wrong run -3 --separate-stderr sockbox ftp-client ls -u dave "ftp://127.0.0.1:$PORT/"
	[ "$stderr" = "sockbox ftp-client: ftp://127.0.0.1:$PORT/: refused: 530 Authentication failed." ]
}

@test "ftp-client exits 3 on a missing file and leaves nothing behind" {
	start_vsftpd
	run -3 --separate-stderr sockbox ftp-client get "ftp://127.0.0.1:$VSFTPD_PORT/nope.bin"
	[ "$stderr" = "sockbox ftp-client: ftp://127.0.0.1:$VSFTPD_PORT/nope.bin: refused: 550 Failed to open file." ]
	[ -z "$(ls -A)" ]
}

# ---- failures ----

@test "ftp-client exits 1 when the server is unreachable" {
	port=$(free_port)
	run -1 --separate-stderr sockbox ftp-client get "ftp://127.0.0.1:$port/x"
	[ "$stderr" = "sockbox ftp-client: ftp://127.0.0.1:$port/x: connect 127.0.0.1:$port: Connection refused" ]
}

@test "ftp-client exits 2 on usage errors" {
	run -2 --separate-stderr sockbox ftp-client
	[ "$stderr" = "sockbox ftp-client: missing command: ls, get, put or hash (see 'sockbox ftp-client --help')" ]
	run -2 --separate-stderr sockbox ftp-client fetch ftp://h/x
	[ "$stderr" = "sockbox ftp-client: unknown command 'fetch': expected ls, get, put or hash (see 'sockbox ftp-client --help')" ]
	run -2 --separate-stderr sockbox ftp-client get http://h/x
	[ "$stderr" = "sockbox ftp-client: invalid URL 'http://h/x': not an ftp:// URL (see 'sockbox ftp-client --help')" ]
	run -2 --separate-stderr sockbox ftp-client get --segments 0 ftp://h/x
	[ "$stderr" = "sockbox ftp-client: invalid --segments '0': expected a whole number from 1 to 64 (see 'sockbox ftp-client --help')" ]
	run -2 --separate-stderr sockbox ftp-client get --segments 2 -o - ftp://h/x
	[ "$stderr" = "sockbox ftp-client: --segments and mirrors write at offsets: not with -o - (see 'sockbox ftp-client --help')" ]
	run -2 --separate-stderr sockbox ftp-client get --sha256 abc ftp://h/x
	[ "$stderr" = "sockbox ftp-client: invalid --sha256 'abc': expected 64 hex digits (see 'sockbox ftp-client --help')" ]
	run -2 --separate-stderr sockbox ftp-client ls -o x ftp://h/
	[ "$stderr" = "sockbox ftp-client: --output goes with 'get', not 'ls' (see 'sockbox ftp-client --help')" ]
	run -2 --separate-stderr sockbox ftp-client put onlyfile
	[ "$stderr" = "sockbox ftp-client: put takes FILE and one URL (see 'sockbox ftp-client --help')" ]
}

@test "ftp-client refuses a malformed 227 reply (exit 1)" {
	serve $PY "$FAKE" bad227
	run -1 --separate-stderr sockbox ftp-client get -o - "ftp://127.0.0.1:$PORT/f"
	[ "$stderr" = "sockbox ftp-client: ftp://127.0.0.1:$PORT/f: malformed PASV reply from 127.0.0.1:$PORT: '227 Entering Passive Mode (no address here)'" ]
}

@test "ftp-client cuts off an endless multi-line reply (exit 1)" {
	serve $PY "$FAKE" endless
	run -1 --separate-stderr sockbox ftp-client ls "ftp://127.0.0.1:$PORT/"
	[ "$stderr" = "sockbox ftp-client: ftp://127.0.0.1:$PORT/: reply from 127.0.0.1:$PORT: more than 1000 lines" ]
}

@test "ftp-client connects to the control connection's address when PASV names another, and says so with -v" {
	serve $PY "$FAKE" pasv-other
	run -0 --separate-stderr sockbox ftp-client get -v -o got "ftp://127.0.0.1:$PORT/f"
	[[ "$stderr" == *"data: PASV names 127.0.0.2, connecting to the control connection's address instead"* ]]
	[ "$(cat got)" = "$(printf 'payload from the fake server\r\n##\r')" ]
}

@test "ftp-client gives up on a silent server after --timeout (exit 1)" {
	serve $PY "$FAKE" silent
	run -1 --separate-stderr sockbox ftp-client ls --timeout 0.3 "ftp://127.0.0.1:$PORT/"
	[ "$stderr" = "sockbox ftp-client: ftp://127.0.0.1:$PORT/: read reply from 127.0.0.1:$PORT: timed out" ]
}

# ---- segments and mirrors ----

@test "ftp-client --segments 4 fetches four ranges at once from vsftpd, byte for byte" {
	random big.bin 4000003
	start_vsftpd
	run -0 --separate-stderr sockbox ftp-client get -v --segments 4 "ftp://127.0.0.1:$VSFTPD_PORT/big.bin"
	cmp big.bin "$TMP/root/big.bin"
	[ "$(grep -c '<- REST ' <<<"$stderr")" -eq 3 ]
	[[ "$stderr" == *", mirror 1: range 3000000-4000002"* ]]
}

@test "ftp-client gets one file from three mirrors at once, one killed midway, byte for byte" {
	random big.bin 6000000
	start_vsftpd
	start_pyftpd
	fast=$PORT
	# the third mirror sends 200 KB/s: it is still busy when it is killed
	start_pyftpd --rate 200000
	slow=$PORT slow_pid=$SERVER_PID
	bg sockbox ftp-client get -v --segments 6 -o got.bin "ftp://127.0.0.1:$VSFTPD_PORT/big.bin" \
		"ftp://127.0.0.1:$fast/big.bin" "ftp://127.0.0.1:$slow/big.bin"
	wait_until 10 grep -Eq "mirror 3: -> 1(25|50) " "$BG_ERR" || { cat "$BG_ERR" >&2; false; }
	kill -KILL "$slow_pid"
	wait_exit "$BG_PID" 30
	wait "$BG_PID"
	cmp got.bin "$TMP/root/big.bin"
	grep -q "mirror 3: failed: " "$BG_ERR"
	grep -q "its ranges go to the others" "$BG_ERR"
	[ "$(ls -A)" = got.bin ]
}

@test "ftp-client refuses mirrors whose SIZEs differ before writing anything (exit 4)" {
	random big.bin 1000
	start_vsftpd
	mkdir "$TMP/other"
	head -c 999 /dev/urandom >"$TMP/other/big.bin"
	serve $PY "$PYFTPD" "$TMP/other"
	run -4 --separate-stderr sockbox ftp-client get "ftp://127.0.0.1:$VSFTPD_PORT/big.bin" "ftp://127.0.0.1:$PORT/big.bin"
	[ "$stderr" = "sockbox ftp-client: the mirrors disagree: ftp://127.0.0.1:$VSFTPD_PORT/big.bin has 1000 bytes, ftp://127.0.0.1:$PORT/big.bin has 999; nothing written" ]
	[ -z "$(ls -A)" ]
}

# ---- verification ----

@test "ftp-client --sha256 keeps a matching file and exits 4 without leaving a mismatched one" {
	random big.bin 300000
	sum=$(sha256sum "$TMP/root/big.bin" | cut -d' ' -f1)
	start_pyftpd
	run -0 --separate-stderr sockbox ftp-client get --sha256 "$sum" "ftp://127.0.0.1:$PORT/big.bin"
	[[ "$stderr" == *", SHA-256 verified" ]]
	cmp big.bin "$TMP/root/big.bin"
	rm big.bin
	bad=$(printf '%064d' 0)
	run -4 --separate-stderr sockbox ftp-client get --sha256 "$bad" "ftp://127.0.0.1:$PORT/big.bin"
	[ "$stderr" = "sockbox ftp-client: big.bin: SHA-256 mismatch: got $sum, expected $bad; the file is not kept" ]
	[ -z "$(ls -A)" ]
	run -4 sockbox ftp-client get --segments 2 --sha256 "$bad" "ftp://127.0.0.1:$PORT/big.bin"
	[ -z "$(ls -A)" ]
}

@test "ftp-client --verify refuses a server without HASH before transferring (vsftpd)" {
	random big.bin 1000
	start_vsftpd
	run -1 --separate-stderr sockbox ftp-client get --verify "ftp://127.0.0.1:$VSFTPD_PORT/big.bin"
	[ "$stderr" = "sockbox ftp-client: --verify: the server offers no SHA-256 HASH (FEAT); try --sha256" ]
	[ -z "$(ls -A)" ]
}

@test "ftp-client --verify checks the file against our ftp-server's HASH" {
	sockbox --list | grep -qx ftp-server || skip "needs ftp-server"
	random big.bin 500000
	sum=$(sha256sum "$TMP/root/big.bin" | cut -d' ' -f1)
	serve sockbox ftp-server -p 0 --root "$TMP/root"
	run -0 --separate-stderr sockbox ftp-client get --verify "ftp://127.0.0.1:$PORT/big.bin"
	[[ "$stderr" == *", SHA-256 verified" ]]
	cmp big.bin "$TMP/root/big.bin"
	run -0 sockbox ftp-client hash "ftp://127.0.0.1:$PORT/big.bin"
	[ "$output" = "$sum  big.bin" ]
}

# ---- TLS ----

@test "ftp-client --tls fetches from vsftpd over AUTH TLS + PROT P, reusing the session on the data connection" {
	random big.bin 1000000
	start_vsftpd ssl_enable=YES allow_anon_ssl=YES force_anon_logins_ssl=YES force_anon_data_ssl=YES \
		"rsa_cert_file=$BATS_FILE_TMPDIR/cert.pem" "rsa_private_key_file=$BATS_FILE_TMPDIR/key.pem"
	run -0 --separate-stderr sockbox ftp-client get -v --tls --cacert "$BATS_FILE_TMPDIR/cert.pem" \
		"ftp://127.0.0.1:$VSFTPD_PORT/big.bin"
	[[ "$stderr" == *"<- AUTH TLS"* ]]
	[[ "$stderr" == *"<- PROT P"* ]]
	[[ "$stderr" == *"TLS on the data connection: TLSv1."*", session reused"* ]]
	cmp big.bin "$TMP/root/big.bin"
	run -0 sockbox ftp-client get --tls --segments 3 -k -o seg.bin "ftp://127.0.0.1:$VSFTPD_PORT/big.bin"
	cmp seg.bin "$TMP/root/big.bin"
	# verification is on by default: a self-signed certificate is refused
	run -1 --separate-stderr sockbox ftp-client ls --tls "ftp://127.0.0.1:$VSFTPD_PORT/"
	[ "$stderr" = "sockbox ftp-client: ftp://127.0.0.1:$VSFTPD_PORT/: TLS handshake on the control connection to 127.0.0.1:$VSFTPD_PORT: certificate verify failed: self-signed certificate" ]
	# and without --tls the server refuses the login
	run -3 --separate-stderr sockbox ftp-client ls "ftp://127.0.0.1:$VSFTPD_PORT/"
	[ "$stderr" = "sockbox ftp-client: ftp://127.0.0.1:$VSFTPD_PORT/: refused: 530 Anonymous sessions must use encryption." ]
}

# ---- output ----

@test "ftp-client get --json writes one object with the bytes and the phases" {
	random big.bin 100000
	start_pyftpd
	run -0 --separate-stderr sockbox ftp-client get --json "ftp://127.0.0.1:$PORT/big.bin"
	[ -z "$stderr" ]
	jq -e '.command == "get" and .bytes == 100000 and .offset == 0 and .segments == 1 and .verified == false
		and (.connect_ms | type) == "number" and (.first_byte_ms | type) == "number"' <<<"$output"
}

@test "ftp-client ls reports a failed write to stdout (exit 1)" {
	random a.bin 10
	start_pyftpd
	run -1 --separate-stderr sh -c "\"\$SOCKBOX\" ftp-client ls ftp://127.0.0.1:$PORT/ >/dev/full"
	[ "$stderr" = "sockbox ftp-client: write stdout: No space left on device" ]
}

@test "ftp-client put --tls uploads to vsftpd over PROT P, byte for byte" {
	mkdir "$TMP/root/incoming"
	chown ftp "$TMP/root/incoming"
	head -c 700000 /dev/urandom >up.bin
	start_vsftpd write_enable=YES anon_upload_enable=YES anon_umask=022 ssl_enable=YES allow_anon_ssl=YES \
		force_anon_logins_ssl=YES force_anon_data_ssl=YES \
		"rsa_cert_file=$BATS_FILE_TMPDIR/cert.pem" "rsa_private_key_file=$BATS_FILE_TMPDIR/key.pem"
	run -0 sockbox ftp-client put --tls --cacert "$BATS_FILE_TMPDIR/cert.pem" up.bin \
		"ftp://127.0.0.1:$VSFTPD_PORT/incoming/"
	cmp up.bin "$TMP/root/incoming/up.bin"
}

@test "ftp-client fetches an empty file, plain and in segments" {
	: >"$TMP/root/empty"
	chmod 644 "$TMP/root/empty"
	start_vsftpd
	run -0 sockbox ftp-client get -o e1 "ftp://127.0.0.1:$VSFTPD_PORT/empty"
	run -0 sockbox ftp-client get --segments 3 -o e2 "ftp://127.0.0.1:$VSFTPD_PORT/empty"
	[ -f e1 ] && [ ! -s e1 ] && [ -f e2 ] && [ ! -s e2 ]
}

@test "ftp-client stopped by SIGINT mid-download leaves no file, plain and segmented, and dies of the signal" {
	random big.bin 3000000
	start_pyftpd --rate 300000
	for seg in 1 3; do
		bg sockbox ftp-client get -v --segments "$seg" "ftp://127.0.0.1:$PORT/big.bin"
		wait_until 10 grep -Eq -- "-> 1(25|50) " "$BG_ERR"
		kill -INT "$BG_PID"
		wait_exit "$BG_PID" 10
		status=0
		wait "$BG_PID" || status=$?
		[ "$status" -eq 130 ]
		[ -z "$(ls -A)" ]
	done
}

@test "ftp-client gives up on a data connection that stalls after --timeout, leaving no file (exit 1)" {
	serve $PY "$FAKE" stall
	run -1 --separate-stderr sockbox ftp-client get --timeout 0.5 "ftp://127.0.0.1:$PORT/f"
	[ "$stderr" = "sockbox ftp-client: ftp://127.0.0.1:$PORT/f: data: read: timed out" ]
	[ -z "$(ls -A)" ]
}

@test "ftp-client ls parses a DOS-shaped LIST (IIS) and skips a line of no known shape, saying so with -v" {
	serve $PY "$FAKE" dos
	run -0 --separate-stderr sockbox ftp-client ls -v "ftp://127.0.0.1:$PORT/"
	[ "${lines[0]}" = "dir             -  12-07-26 12:43AM      sub dir" ]
	[ "${lines[1]}" = "file         1234  12-07-26 01:05PM      a b.txt" ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "$stderr" == *"listing: skipped 1 line of no known shape"* ]]
}
