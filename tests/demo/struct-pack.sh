# tests/demo/struct-pack.sh - the struct-pack stop of `make demo`
# (sourced by tests/demo/run.sh: $SOCKBOX, $DEMO, step, run_shell, wait_port).

echo "Binary records, written and read with Python's struct format language."
run_shell "The same number, 7, in little-endian and in big-endian (network) byte order" \
	"sockbox struct-pack pack '<i' 7 | od -An -tx1; sockbox struct-pack pack '>i' 7 | od -An -tx1"
step "A C compiler pads before fields to align them: why calcsize('bhiq') is 16" \
	sockbox struct-pack explain 'bhiq'
run_shell "The classic record (id, 16-byte name, age, score) packed in network order: 28 bytes" \
	"sockbox struct-pack pack '!i16sif' 7 'Ada Lovelace' 36 94.5 | tee '$DEMO/ada.bin' | od -An -tx1"
run_shell "Lines of text in, records out, records back to lines (tab-separated, floats as Python prints them)" \
	"printf '1\\tGrace Hopper\\t85\\t99.5\\n2\\tAlan Turing\\t41\\t0.1\\n' | sockbox struct-pack pack '!i16sif' >>'$DEMO/ada.bin'; sockbox struct-pack unpack '!i16sif' '$DEMO/ada.bin'"
run_shell "The same records as JSON Lines" \
	"sockbox struct-pack unpack --json '!i16sif' '$DEMO/ada.bin'"
run_shell "A record cut short: every whole record first, then the offset of the partial one (exit 1)" \
	"head -c 40 '$DEMO/ada.bin' | sockbox struct-pack unpack '!i16sif' || echo \"(exit \$?)\""
run_shell "Python agrees, byte for byte" \
	"python3 -c 'import struct,sys; sys.stdout.write(struct.pack(\"!i16sif\", 7, b\"Ada Lovelace\", 36, 94.5).hex()+\"\\n\")'; sockbox struct-pack pack '!i16sif' 7 'Ada Lovelace' 36 94.5 | od -An -tx1 | tr -d ' \\n'; echo"
