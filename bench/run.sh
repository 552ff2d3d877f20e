#!/usr/bin/env bash
# make bench: the benchmarks the issues ask for. Prints the figures to
# record in bench/README.md (with the date and the machine).
#   bench/run.sh BUILD_DIR [list]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
what=${2:-all}
CERTCTL="$PWD/$B/certctl"
work=$(mktemp -d "${TMPDIR:-/tmp}/certctl-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"

if [ "$what" = all ] || [ "$what" = list ]; then
	N=${BENCH_LIST_N:-100000}
	echo
	echo "== cert list over $N certificates =="
	t0=$(date +%s.%N)
	"$B/bench/fill" "$work/repo" "$N"
	t1=$(date +%s.%N)
	echo "fill: $(echo "$t1 - $t0" | bc 2>/dev/null || python3 -c "print(round($t1-$t0,1))") s"
	export CERTCTL_REPO="$work/repo"
	printf 'list --expiring 30d: '
	bench/measure.py --runs 5 -- "$CERTCTL" cert list --expiring 30d
	printf 'list --json:         '
	bench/measure.py --runs 5 -- "$CERTCTL" --json cert list
	printf 'list (table, all):   '
	bench/measure.py --runs 5 -- "$CERTCTL" cert list
	unset CERTCTL_REPO
fi

if { [ "$what" = all ] || [ "$what" = acme ]; } && [ -x bench/acme.sh ]; then
	bench/acme.sh "$B"
fi
