#!/usr/bin/env bash
# dmpkit analyze on kernel dumps and analyze --summary throughput: median
# wall time of RUNS runs and peak RSS, each next to `cat FILE > /dev/null`
# (the time to read every byte once) as the baseline.
#
#   bench/analyze-kernel.sh
#   RUNS=5 PAD_MIB=4096 NCOPIES=200 bench/analyze-kernel.sh
#
# Rows:
#   * the real ARM64 triage dump (CORPUS_DIR/kernel/triage-arm64-22000.dmp;
#     skipped when absent);
#   * kgen w10_x64 images: default size, and with --pad-mib PAD_MIB (default
#     4096 = 4 GiB of extra physical memory);
#   * `analyze --summary` over a directory of NCOPIES copies (default 200)
#     of the corpus/test minidumps with DMPKIT_SUMMARY_JOBS=1 and =2; the
#     baseline is `cat` of every file of the directory.
# Environment: RUNS (default 5), BUILD_DIR (default build/, built if
# missing), BENCH_DIR (default $BUILD_DIR/bench-tmp; images are deleted at
# the end unless KEEP=1), CORPUS_DIR (default ../shared/corpus).
# Warm page cache: every file is read once before timing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS_DIR=${CORPUS_DIR:-$ROOT/../shared/corpus}
RUNS=${RUNS:-5}
PAD_MIB=${PAD_MIB:-4096}
NCOPIES=${NCOPIES:-200}
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BENCH_DIR=${BENCH_DIR:-$BUILD_DIR/bench-tmp}/analyze-kernel
KEEP=${KEEP:-0}

if [ ! -x "$BUILD_DIR/dmpkit" ] || [ ! -x "$BUILD_DIR/kgen" ]; then
	echo "building dmpkit and kgen in $BUILD_DIR"
	cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$BUILD_DIR" -j "$(nproc)" --target dmpkit_cli kgen >/dev/null
fi
DMPKIT=$BUILD_DIR/dmpkit
KGEN=$BUILD_DIR/kgen
mkdir -p "$BENCH_DIR"
cleanup() { [ "$KEEP" = 1 ] || rm -rf "$BENCH_DIR"; }
trap cleanup EXIT

# peak RSS in KiB: GNU time, else a getrusage(RUSAGE_CHILDREN) wrapper
if /usr/bin/time -f '%M' true >/dev/null 2>&1; then
	peak_rss() { /usr/bin/time -f '%M' -o "$BENCH_DIR/rss.txt" "$@" >/dev/null 2>&1 || true
		tail -n1 "$BENCH_DIR/rss.txt"; }
else
	cat >"$BENCH_DIR/maxrss.c" <<'C'
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return 2;
	struct rusage ru; /* the largest child (or grandchild: a summary worker) */
	getrusage(RUSAGE_CHILDREN, &ru);
	fprintf(stderr, "%ld\n", ru.ru_maxrss);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
C
	cc -O2 -o "$BENCH_DIR/maxrss" "$BENCH_DIR/maxrss.c"
	peak_rss() { "$BENCH_DIR/maxrss" "$@" 2>&1 >/dev/null | tail -n1 || true; }
fi

wall() { # median seconds of RUNS runs (after one warm-up run)
	local ts=() t0 t1
	"$@" >/dev/null 2>&1 || true
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		ts+=("$(echo "$t1 - $t0" | bc -l)")
	done
	printf '%s\n' "${ts[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.4f\n", a[int((NR + 1) / 2)] }'
}
cat_files() { cat "$@" >/dev/null; }

printf '%-34s %-26s %10s %9s %10s\n' "input" "command" "median s" "x cat" "peak RSS"
row() { # row INPUT LABEL BASE_SECONDS CMD...
	local input=$1 label=$2 base=$3
	shift 3
	local t r ratio
	t=$(wall "$@")
	r=$(peak_rss "$@")
	ratio=$(awk -v t="$t" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f", t / b; else print "-" }')
	printf '%-34s %-26s %10s %9s %7s KiB\n' "$input" "$label" "$t" "$ratio" "$r"
}
bench_file() { # bench_file LABEL FILE
	local base
	base=$(wall cat_files "$2")
	printf '%-34s %-26s %10s %9s %7s KiB\n' "$1 ($(du -h --apparent-size "$2" | cut -f1))" \
		"cat FILE > /dev/null" "$base" "1.00" "$(peak_rss cat "$2")"
	row "" "analyze FILE" "$base" "$DMPKIT" analyze "$2"
	row "" "analyze --json FILE" "$base" "$DMPKIT" analyze --json "$2"
	row "" "analyze --summary FILE" "$base" "$DMPKIT" analyze --summary "$2"
}

T=$CORPUS_DIR/kernel/triage-arm64-22000.dmp
if [ -f "$T" ]; then
	bench_file "triage-arm64-22000.dmp" "$T"
else
	echo "skip: $T not found (set CORPUS_DIR)"
fi
"$KGEN" "$BENCH_DIR/kgen-w10.dmp" --profile w10_x64 --force >/dev/null
bench_file "kgen w10_x64" "$BENCH_DIR/kgen-w10.dmp"
if [ "$PAD_MIB" -gt 0 ]; then
	"$KGEN" "$BENCH_DIR/kgen-w10-pad.dmp" --profile w10_x64 --pad-mib "$PAD_MIB" --force >/dev/null
	bench_file "kgen w10_x64 --pad-mib $PAD_MIB" "$BENCH_DIR/kgen-w10-pad.dmp"
	rm -f "$BENCH_DIR/kgen-w10-pad.dmp"
fi

# --summary over NCOPIES minidumps, 1 and 2 workers
src=()
for f in "$CORPUS_DIR"/user/*.dmp "$ROOT"/tests/data/*.dmp; do
	[ -f "$f" ] && src+=("$f")
done
D=$BENCH_DIR/minidumps
mkdir -p "$D"
for i in $(seq "$NCOPIES"); do
	f=${src[$(((i - 1) % ${#src[@]}))]}
	cp "$f" "$D/$(printf '%04d' "$i")-$(basename "$f")"
done
files=("$D"/*)
base=$(wall cat_files "${files[@]}")
printf '%-34s %-26s %10s %9s %7s KiB\n' "$NCOPIES minidumps ($(du -sh --apparent-size "$D" | cut -f1))" \
	"cat FILES > /dev/null" "$base" "1.00" "-"
for j in 1 2; do
	row "" "analyze --summary, $j job(s)" "$base" env DMPKIT_SUMMARY_JOBS=$j "$DMPKIT" analyze --summary "$D"
done
echo "host: $(nproc) CPUs; median of $RUNS; peak RSS of the largest process (a worker for --summary)"
