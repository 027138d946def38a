# tests/demo/pictures.sh - the pictures stop of `make demo` (sourced by
# run.sh after the tools): the latency histogram of tcp-echo --bench, the
# TCP ladder of sniff --explain --svg, the waterfall of http-probe, each
# also written as an SVG into the scratch directory, whose paths it prints.

"$SOCKBOX" tcp-echo -l -p 0 --port-file "$DEMO/pictures-echo.port" >/dev/null 2>&1 &
DEMO_PIDS+=($!)
pic_echo_port=$(wait_port "$DEMO/pictures-echo.port")

run_shell "Latency of 5000 round trips as a log-scale histogram: the tall rows are the usual, the long tail is what p99 measures" \
	"sockbox tcp-echo --bench --count 5000 --histogram --svg '$DEMO/histogram.svg' $pic_echo_port"

# the capture the sniff stop saved (as root), else a hand-made one with a
# retransmission and a reset
pic_pcap=$DEMO/echo.pcap
if [ ! -s "$pic_pcap" ]; then
	pic_pcap=$DEMO/rexmit-rst.pcap
	python3 "$(dirname "${BASH_SOURCE[0]}")/../pictures/craft.py" rexmit-rst "$pic_pcap"
fi
run_shell "A TCP connection as a ladder diagram: one arrow per segment, the handshake and teardown steps numbered" \
	"sockbox sniff --explain -r '$pic_pcap' --svg '$DEMO/ladder.svg' | tail -n 3"

"$SOCKBOX" epoll-server --handler http -p 0 --port-file "$DEMO/pictures-http.port" >/dev/null 2>&1 &
DEMO_PIDS+=($!)
pic_http_port=$(wait_port "$DEMO/pictures-http.port")

# script(1) gives http-probe a terminal, where it draws its waterfall bars
run_shell "Where each request's time went: a waterfall bar per request (on a terminal), the later ones on the kept connection" \
	"script -qec \"sockbox http-probe -n 3 --interval 0.1 --svg '$DEMO/waterfall.svg' http://127.0.0.1:$pic_http_port/\" /dev/null | sed -n 1,8p"

printf '\n\033[1m# %s\033[0m\n' "the three pictures, to open in a browser (the scratch directory goes when the tour ends)"
for pic in histogram ladder waterfall; do
	[ -s "$DEMO/$pic.svg" ] || { echo "demo: $DEMO/$pic.svg was not written" >&2; return 1; }
	echo "$DEMO/$pic.svg"
done
