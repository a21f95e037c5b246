#!/usr/bin/env bash
# dmpkit benchmark: `dmpkit check` and `dmpkit check --deep` against
# `cat FILE > /dev/null` on multi-GiB synthetic dumps made by dkgen.
#
#   bench/run.sh                  # 2 GiB of pages, fills "tag zero", 3 runs
#   SIZE_GIB=8 bench/run.sh       # bigger
#
# Environment:
#   SIZE_GIB   GiB of physical pages per dump (default 2)
#   FILLS      dkgen --fill modes to measure (default "tag zero"; tag writes
#              real page data, zero makes sparse holes)
#   TYPES      dump types (default "1 5": full and bitmap full)
#   RUNS       timed runs per command (default 3; the median is reported)
#   BUILD_DIR  build with dmpkit and dkgen (default build/; built if missing)
#   BENCH_DIR  scratch directory on the disk to measure (default
#              $BUILD_DIR/bench-tmp); the dumps are deleted at the end
#              unless KEEP=1
# Nothing is dropped from the page cache: each file is read once by `cat`
# before timing, so the numbers are warm-cache numbers when the file fits
# in RAM (the script says whether it does).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE_GIB=${SIZE_GIB:-2}
FILLS=${FILLS:-tag zero}
TYPES=${TYPES:-1 5}
RUNS=${RUNS:-3}
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BENCH_DIR=${BENCH_DIR:-$BUILD_DIR/bench-tmp}
KEEP=${KEEP:-0}

if [ ! -x "$BUILD_DIR/dmpkit" ] || [ ! -x "$BUILD_DIR/dkgen" ]; then
	echo "building dmpkit in $BUILD_DIR"
	cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$BUILD_DIR" -j "$(nproc)" --target dmpkit_cli dkgen >/dev/null
fi
DMPKIT=$BUILD_DIR/dmpkit
DKGEN=$BUILD_DIR/dkgen
mkdir -p "$BENCH_DIR"

# ---- peak RSS: GNU time, else a tiny getrusage wrapper ----
RSS_TOOL=""
if /usr/bin/time -f '%M' true >/dev/null 2>&1; then
	RSS_TOOL=gnu-time
else
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
		/* the command's output is not measured */
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

# peak RSS of a command in KiB (its output goes to /dev/null)
peak_rss() {
	if [ "$RSS_TOOL" = gnu-time ]; then
		/usr/bin/time -f '%M' -o "$BENCH_DIR/rss.txt" "$@" >/dev/null 2>&1 || true
		tail -n1 "$BENCH_DIR/rss.txt"
	else
		"$BENCH_DIR/maxrss" "$@" 2>&1 >/dev/null | tail -n1 || true
	fi
}

# median wall seconds of RUNS runs
wall() {
	local times=() t0 t1
	if command -v hyperfine >/dev/null; then
		local json=$BENCH_DIR/hf.json
		hyperfine -N -i -w 1 -r "$RUNS" --export-json "$json" -- "$(printf '%q ' "$@")" >/dev/null 2>&1
		awk -F: '/"median"/ { gsub(/[ ,]/, "", $2); print $2; exit }' "$json"
		return
	fi
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
	done
	printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

catfile() { cat "$1" >/dev/null; }

pages=$((SIZE_GIB * 262144))
# two runs, like a PC: low memory below 640 KiB, then the rest from 1 MiB
runs="0x1:0x9e,0x100:$((pages - 0x9e))"
mem_kib=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)
avail_kib=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)

echo "dmpkit bench: $SIZE_GIB GiB of pages ($pages pages), runs $runs, median of $RUNS"
echo "host: $(nproc) CPUs, $((mem_kib / 1024)) MiB RAM ($((avail_kib / 1024)) MiB available), $(uname -sr)"
echo "scratch: $BENCH_DIR ($(df -h --output=source,fstype "$BENCH_DIR" 2>/dev/null | tail -n1 | tr -s ' '))"
echo "dmpkit: $DMPKIT ($($DMPKIT --version 2>/dev/null | head -n1 || echo '?'))"
echo "timer: $(command -v hyperfine >/dev/null && echo hyperfine || echo 'date +%s.%N loop')," \
	"peak RSS: $([ "$RSS_TOOL" = gnu-time ] && echo '/usr/bin/time' || echo 'getrusage wrapper')"
echo
printf '%-22s %9s %8s %-18s %9s %9s %9s %10s\n' dump "file MiB" "on disk" command "wall s" "MiB/s" "vs cat" "peak RSS"
printf '%-22s %9s %8s %-18s %9s %9s %9s %10s\n' ---- -------- ------- ------- ------ ----- ------ --------

for fill in $FILLS; do
	for type in $TYPES; do
		f=$BENCH_DIR/bench-t$type-$fill-${SIZE_GIB}g.dmp
		t0=$(date +%s.%N)
		"$DKGEN" "$f" --force --type "$type" --runs "$runs" --fill "$fill" >/dev/null
		t1=$(date +%s.%N)
		gen_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
		size=$(stat -c %s "$f")
		disk_kib=$(du -k "$f" | cut -f1)
		size_mib=$((size / 1048576))
		warm="warm"
		[ $((size / 1024)) -lt "$avail_kib" ] || warm="cold (file > available RAM)"
		catfile "$f" # warm the page cache (nothing is dropped)
		"$DMPKIT" check --deep "$f" >"$BENCH_DIR/deep.txt" 2>&1 || true
		verdict=$(head -n1 "$BENCH_DIR/deep.txt" | sed 's/^[^:]*: //')

		t_cat=$(wall cat "$f")
		t_chk=$(wall "$DMPKIT" check "$f")
		t_deep=$(wall "$DMPKIT" check --deep "$f")
		r_cat=$(peak_rss cat "$f")
		r_chk=$(peak_rss "$DMPKIT" check "$f")
		r_deep=$(peak_rss "$DMPKIT" check --deep "$f")
		name="type $type --fill $fill"
		for row in "cat:$t_cat:$r_cat" "check:$t_chk:$r_chk" "check --deep:$t_deep:$r_deep"; do
			IFS=: read -r cmd t r <<<"$row"
			awk -v name="$name" -v mib="$size_mib" -v disk="$((disk_kib / 1024))" -v cmd="$cmd" \
				-v t="$t" -v r="$r" -v tc="$t_cat" 'BEGIN {
				printf "%-22s %9d %7dM %-18s %9.3f %9.0f %8.2fx %7.1f MiB\n",
				       name, mib, disk, cmd, t, (t > 0 ? mib / t : 0), (tc > 0 ? t / tc : 0), r / 1024 }'
		done
		echo "  (generated in ${gen_s}s; page cache $warm; deep verdict: $verdict)"
		[ "$KEEP" = 1 ] || rm -f "$f"
	done
done
rm -f "$BENCH_DIR/deep.txt" "$BENCH_DIR/hf.json" "$BENCH_DIR/rss.txt"
echo
echo "vs cat = wall time / wall time of cat on the same file (check --deep / cat is the ratio to watch)"
