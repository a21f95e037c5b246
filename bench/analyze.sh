#!/usr/bin/env bash
# dmpkit analyze benchmark: wall time (median of RUNS) and peak RSS of
# `dmpkit analyze FILE` and `dmpkit analyze --json FILE` on every real
# minidump of the corpus, including the 100 MB full-memory Wine dump
# (decompressed from wine-x64-av-full.dmp.xz into BENCH_DIR first).
# When a peer stack walker is on PATH (rust-minidump's minidump-stackwalk
# or breakpad's minidump_stackwalk) it is timed on the same files.
#
#   bench/analyze.sh
#   RUNS=9 CORPUS_DIR=/path/to/corpus bench/analyze.sh
#
# Environment:
#   CORPUS_DIR  corpus root with user/*.dmp and user/wine/ (default
#               ../shared/corpus next to the checkout)
#   RUNS        timed runs per command (default 5; the median is reported)
#   BUILD_DIR   build with dmpkit (default build/; built if missing)
#   BENCH_DIR   scratch directory (default $BUILD_DIR/bench-tmp); the
#               decompressed full dump is deleted at the end unless KEEP=1
# Nothing is dropped from the page cache: every file is read once before
# timing, so these are warm-cache numbers.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS_DIR=${CORPUS_DIR:-$ROOT/../shared/corpus}
RUNS=${RUNS:-5}
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BENCH_DIR=${BENCH_DIR:-$BUILD_DIR/bench-tmp}
KEEP=${KEEP:-0}
U=$CORPUS_DIR/user

if [ ! -d "$U" ]; then
	echo "bench/analyze.sh: $U not found (set CORPUS_DIR)" >&2
	exit 2
fi
if [ ! -x "$BUILD_DIR/dmpkit" ]; then
	echo "building dmpkit in $BUILD_DIR"
	cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$BUILD_DIR" -j "$(nproc)" --target dmpkit_cli >/dev/null
fi
DMPKIT=$BUILD_DIR/dmpkit
mkdir -p "$BENCH_DIR"

# ---- peak RSS: GNU time, else a tiny getrusage wrapper ----
RSS_TOOL=gnu-time
if ! /usr/bin/time -f '%M' true >/dev/null 2>&1; then
	RSS_TOOL=wrapper
	cat >"$BENCH_DIR/maxrss.c" <<'EOF'
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
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0)
		return 2;
	fprintf(stderr, "%ld\n", ru.ru_maxrss); /* KiB on Linux */
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
EOF
	cc -O2 -o "$BENCH_DIR/maxrss" "$BENCH_DIR/maxrss.c"
fi

peak_rss() { # KiB
	if [ "$RSS_TOOL" = gnu-time ]; then
		/usr/bin/time -f '%M' -o "$BENCH_DIR/rss.txt" "$@" >/dev/null 2>&1 || true
		tail -n1 "$BENCH_DIR/rss.txt"
	else
		"$BENCH_DIR/maxrss" "$@" 2>&1 >/dev/null | tail -n1 || true
	fi
}

wall() { # median seconds of RUNS runs
	local times=() t0 t1
	if command -v hyperfine >/dev/null; then
		local json=$BENCH_DIR/hf.json
		hyperfine -N -i -w 1 -r "$RUNS" --export-json "$json" -- "$(printf '%q ' "$@")" >/dev/null 2>&1
		awk -F: '/"median"/ { gsub(/[ ,]/, "", $2); print $2; exit }' "$json"
		return
	fi
	"$@" >/dev/null 2>&1 || true # warm-up
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
	done
	printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# ---- files ----
files=()
for f in "$U"/*.dmp "$U"/wine/*.dmp; do
	[ -f "$f" ] && files+=("$f")
done
if [ -f "$U/wine/wine-x64-av-full.dmp.xz" ] && command -v xz >/dev/null; then
	full=$BENCH_DIR/wine-x64-av-full.dmp
	[ -f "$full" ] || xz -dc "$U/wine/wine-x64-av-full.dmp.xz" >"$full"
	files+=("$full")
fi

# ---- peer ----
PEER=""
for p in minidump-stackwalk minidump_stackwalk; do
	if command -v "$p" >/dev/null; then
		PEER=$(command -v "$p")
		break
	fi
done

echo "dmpkit analyze bench: ${#files[@]} minidumps from $U, median of $RUNS, page cache warm"
echo "host: $(nproc) CPUs, $(($(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024)) MiB RAM, $(uname -sr)"
echo "dmpkit: $DMPKIT ($($DMPKIT --version 2>/dev/null | head -n1 || echo '?'))"
echo "timer: $(command -v hyperfine >/dev/null && echo hyperfine || echo 'date +%s.%N loop, 1 warm-up run')," \
	"peak RSS: $([ "$RSS_TOOL" = gnu-time ] && echo '/usr/bin/time' || echo 'getrusage wrapper')"
echo "peer: ${PEER:-none found on PATH (minidump-stackwalk, minidump_stackwalk)}"
echo
hdr() { printf '%-42s %9s %-14s %9s %10s %7s %8s\n' "$@"; }
hdr file "size KiB" command "wall ms" "peak RSS" threads frames
hdr ---- -------- ------- ------- -------- ------- ------

for f in "${files[@]}"; do
	cat "$f" >/dev/null
	name=${f#"$U"/}
	name=${name#"$BENCH_DIR"/}
	size_kib=$(($(stat -c %s "$f") / 1024))
	"$DMPKIT" analyze --json "$f" >"$BENCH_DIR/out.json" 2>/dev/null || true
	read -r nthr nfr < <(tr ',' '\n' <"$BENCH_DIR/out.json" |
		awk '/"thread_count":/ { split($0, a, ":"); t = a[2] } /"frame_count":/ { split($0, a, ":"); s += a[2] } END { print t + 0, s + 0 }')
	rows=("analyze" "analyze --json")
	[ -n "$PEER" ] && rows+=("peer" "peer --json")
	for cmd in "${rows[@]}"; do
		case $cmd in
		analyze) argv=("$DMPKIT" analyze "$f") ;;
		"analyze --json") argv=("$DMPKIT" analyze --json "$f") ;;
		peer) argv=("$PEER" "$f") ;;
		"peer --json") argv=("$PEER" --json "$f") ;;
		esac
		t=$(wall "${argv[@]}")
		r=$(peak_rss "${argv[@]}")
		awk -v n="$name" -v s="$size_kib" -v c="$cmd" -v t="$t" -v r="$r" -v th="$nthr" -v fr="$nfr" 'BEGIN {
			printf "%-42s %9s %-14s %9.1f %6.1f MiB %7s %8s\n", n, s, c, t * 1000, r / 1024, th, fr }'
		name="" size_kib="" nthr="" nfr=""
	done
done
rm -f "$BENCH_DIR/out.json" "$BENCH_DIR/hf.json" "$BENCH_DIR/rss.txt"
[ "$KEEP" = 1 ] || rm -f "$BENCH_DIR/wine-x64-av-full.dmp"
echo
echo "threads and frames: thread_count and the sum of frame_count over all threads in the --json output"
