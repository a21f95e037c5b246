#!/usr/bin/env bash
# dmpkit kernel lists benchmark: wall time (median of RUNS) and peak RSS of
# `dmpkit lm`, `dmpkit ps` and `dmpkit threads` on the largest image kgen
# (tests/gen/kgen.c) can write: 64 processes x 16 threads, 32 modules, for
# each profile.
#
#   bench/lists.sh
#   RUNS=9 bench/lists.sh
#
# Environment:
#   RUNS       timed runs per command (default 5; the median is reported)
#   BUILD_DIR  build with dmpkit (default build/; built if missing)
#   BENCH_DIR  scratch directory (default $BUILD_DIR/bench-tmp)
#   KGEN       the kgen binary (default: $BUILD_DIR/kgen, else compiled
#              from tests/gen/kgen.c into BENCH_DIR)
#
# Then the same for x64 images padded to SIZE_GIB GiB of physical memory
# (kgen --pad-mib: zero pages, sparse on disk), the multi-GiB case the issue
# asks for; `cat` of the file is timed beside it as the baseline.
#   SIZE_GIB   size of the padded images (default 4)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BENCH_DIR=${BENCH_DIR:-$BUILD_DIR/bench-tmp}
mkdir -p "$BENCH_DIR"

if [ ! -x "$BUILD_DIR/dmpkit" ]; then
	echo "building dmpkit in $BUILD_DIR"
	cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$BUILD_DIR" -j "$(nproc)" --target dmpkit_cli >/dev/null
fi
DMPKIT=$BUILD_DIR/dmpkit
KGEN=${KGEN:-}
if [ -z "$KGEN" ]; then
	if [ -x "$BUILD_DIR/kgen" ]; then
		KGEN=$BUILD_DIR/kgen
	elif [ -f "$ROOT/tests/gen/kgen.c" ]; then
		KGEN=$BENCH_DIR/kgen
		cc -std=c17 -O2 -o "$KGEN" "$ROOT/tests/gen/kgen.c"
	else
		echo "bench/lists.sh: kgen is not available (tests/gen/kgen.c): skipped"
		exit 0
	fi
fi

have_time=0
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then have_time=1; fi

# median wall time in ms of RUNS runs of "$@", and peak RSS in KiB
measure() {
	local times=() i t0 t1 rss=-
	"$@" >/dev/null 2>&1 || true
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000)))
	done
	if [ $have_time = 1 ]; then
		rss=$( (/usr/bin/time -f %M "$@" >/dev/null) 2>&1 | tail -1)
	fi
	local med
	med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
	printf '%8s ms  %8s KiB' "$(awk -v u="$med" 'BEGIN { printf "%.2f", u / 1000 }')" "$rss"
}

printf '%-12s %-8s %-12s %s\n' profile command image "median / peak RSS"
for p in w2003_x86 w7_x86_pae w7_x64 w10_x64; do
	img=$BENCH_DIR/lists-$p.dmp
	"$KGEN" "$img" --profile "$p" --processes 64 --threads-per-process 16 --modules 32 \
		--cpus 4 --force >/dev/null
	size=$(du -h "$img" | cut -f1)
	for c in lm ps threads; do
		printf '%-12s %-8s %-12s %s\n' "$p" "$c" "$size" "$(measure "$DMPKIT" $c "$img")"
	done
	rm -f "$img"
done
SIZE_GIB=${SIZE_GIB:-4}
for p in w7_x64 w10_x64; do
	img=$BENCH_DIR/lists-big-$p.dmp
	"$KGEN" "$img" --profile "$p" --processes 64 --threads-per-process 16 --modules 32 \
		--cpus 4 --pad-mib $((SIZE_GIB * 1024)) --force >/dev/null
	size=$(ls -lh "$img" | awk '{print $5}')
	for c in lm ps threads; do
		printf '%-12s %-8s %-12s %s\n' "$p" "$c" "$size" "$(measure "$DMPKIT" $c "$img")"
	done
	printf '%-12s %-8s %-12s %s\n' "$p" "cat" "$size" "$(measure sh -c "cat '$img' >/dev/null")"
	rm -f "$img"
done
