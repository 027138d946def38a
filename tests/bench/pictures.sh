#!/usr/bin/env bash
# tests/bench/pictures.sh - what drawing costs: one TCP connection of
# 100,000 segments (tests/pictures/craft.py long) read by
#   sockbox sniff --explain                          (the words, no picture)
#   sockbox sniff --explain --svg F --max-arrows N   (the words and the ladder, N = 2000 and all)
#   tshark -r -q -z flow,tcp,standard                (Wireshark's flow graph, as text)
# and the SVG's size per arrow.  The ladder's promise is bounded time and
# size: the default 2,000 arrows should cost about nothing over following.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

pcap=$BENCH_TMP/pictures-long.pcap
python3 "$here/../pictures/craft.py" long "$pcap"

follow=$(best_of 3 "$SOCKBOX" sniff --explain -r "$pcap")
ladder=$(best_of 3 "$SOCKBOX" sniff --explain -r "$pcap" --svg "$BENCH_TMP/l.svg")
all=$(best_of 1 "$SOCKBOX" sniff --explain -r "$pcap" --svg "$BENCH_TMP/all.svg" --max-arrows 100000)
tshark=$(best_of 1 tshark -r "$pcap" -q -z flow,tcp,standard)
size=$(stat -c %s "$BENCH_TMP/l.svg")
size_all=$(stat -c %s "$BENCH_TMP/all.svg")

printf '%-44s %8s s\n' "explain 100,000 segments" "$follow"
printf '%-44s %8s s  (%sx explain; SVG %s bytes, %s per arrow)\n' "ladder, 2,000 arrows (default)" "$ladder" \
	"$(ratio "$ladder" "$follow")" "$size" "$(rate "$size" 2000)"
printf '%-44s %8s s  (%sx explain; SVG %s bytes, %s per arrow)\n' "ladder, all 100,000 arrows" "$all" \
	"$(ratio "$all" "$follow")" "$size_all" "$(rate "$size_all" 100000)"
printf '%-44s %8s s  (the ladder of all: %sx tshark)\n' "tshark -z flow,tcp,standard (text)" "$tshark" \
	"$(ratio "$all" "$tshark")"
