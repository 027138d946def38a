#!/usr/bin/env bash
# tests/bench/run.sh SOCKBOX [NAME...] - `make bench`: runs tests/bench/NAME.sh
# (all of them by default).  Each benchmark measures sockbox and its peer in
# the same run and prints the ratio; figures drift 20-50 % between runs on
# shared machines, so only same-run ratios mean anything.
set -euo pipefail
SOCKBOX=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
BENCH_TMP=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/sockbox-bench.XXXXXX")
trap 'rm -rf "$BENCH_TMP"' EXIT
export SOCKBOX BENCH_TMP
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$here"/*.sh; do
		n=$(basename "$f" .sh)
		[ "$n" = run ] || [ "$n" = lib ] || names+=("$n")
	done
fi
echo "sockbox bench: $("$SOCKBOX" --version), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
for n in "${names[@]}"; do
	echo
	echo "== $n =="
	bash "$here/$n.sh"
done
