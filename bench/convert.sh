#!/bin/sh
# bench/convert.sh — how fast a memory image becomes a .dmp, next to cp.
#
# Makes a SIZE_GIB raw image of non-zero data (a random 64 MiB block
# repeated: nothing sparse to flatter the writer) and an ELF core of the
# same bytes (bench/mkelf.py: a 4 KiB header with 3 PT_LOADs, then the raw
# bytes), then times, per image: `cp IMAGE copy`, `cp` + `sync copy` (the
# writer fsyncs its output, cp does not), the conversion, the conversion
# through the pread path (--no-copy-range), and `dmpkit verify IMAGE out`.
# The conversion is `dmpkit convert IMAGE out.dmp --force --quiet` when that
# works, else bench/dkwrite.c (dk_image_open + dk_dump_write only), which
# is also timed on its own.  Median wall time of RUNS runs; peak RSS.
# Nothing is dropped from the page cache (warm-cache numbers).
#
#   bench/convert.sh                     # 4 GiB
#   SIZE_GIB=2 RUNS=3 BUILD_DIR=build bench/convert.sh
set -eu
SIZE_GIB=${SIZE_GIB:-4}
RUNS=${RUNS:-3}
BUILD_DIR=${BUILD_DIR:-build}
BENCH_DIR=${BENCH_DIR:-$BUILD_DIR/bench-convert}
KEEP=${KEEP:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)

[ -x "$BUILD_DIR/dmpkit" ] || cmake --build "$BUILD_DIR" --target dmpkit_cli dmpkit_static
[ -f "$BUILD_DIR/libdmpkit.a" ] || cmake --build "$BUILD_DIR" --target dmpkit_static
DMPKIT=$(cd "$BUILD_DIR" && pwd)/dmpkit
mkdir -p "$BENCH_DIR"
B=$(cd "$BENCH_DIR" && pwd)

# the writer-only driver
cc -std=c17 -O2 -I"$SRC/include" -o "$B/dkwrite" "$HERE/dkwrite.c" "$BUILD_DIR/libdmpkit.a" \
	$(pkg-config --libs zlib lzo2 snappy libzstd)

# peak RSS (KiB) and wall seconds of one run: "SECONDS KIB"
if /usr/bin/time -f '%M' true >/dev/null 2>&1; then
	measure() {
		s=$(date +%s.%N)
		/usr/bin/time -f '%M' -o "$B/rss.txt" "$@" >"$B/out.txt" 2>"$B/err.txt" || {
			echo "FAILED: $*" >&2; cat "$B/err.txt" >&2; return 1; }
		e=$(date +%s.%N)
		echo "$(echo "$e - $s" | bc) $(tail -n1 "$B/rss.txt")"
	}
else
	cat >"$B/maxrss.c" <<'EOF'
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	(void)argc;
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0)
		return 127;
	fprintf(stderr, "%ld\n", ru.ru_maxrss);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
EOF
	cc -O2 -o "$B/maxrss" "$B/maxrss.c"
	measure() {
		s=$(date +%s.%N)
		"$B/maxrss" "$@" >"$B/out.txt" 2>"$B/err.txt" || {
			echo "FAILED: $*" >&2; cat "$B/err.txt" >&2; return 1; }
		e=$(date +%s.%N)
		echo "$(echo "$e - $s" | bc) $(tail -n1 "$B/err.txt")"
	}
fi

# median of RUNS runs of "$@" (removing $OUT before each): "SECONDS KIB"
median() {
	i=0
	: >"$B/times.txt"
	while [ $i -lt "$RUNS" ]; do
		rm -f "$OUT"
		measure "$@" >>"$B/times.txt"
		i=$((i + 1))
	done
	sort -n "$B/times.txt" | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { t = $1 } { if ($2 > m) m = $2 } END { print t, m }'
}

RAW=$B/image.raw
ELF=$B/image.elf
BYTES=$((SIZE_GIB * 1024 * 1024 * 1024))
t0=$(date +%s.%N)
if [ ! -f "$RAW" ] || [ "$(stat -c %s "$RAW")" -ne "$BYTES" ]; then
	dd if=/dev/urandom of="$B/block" bs=1M count=64 status=none
	: >"$RAW"
	i=0
	while [ $i -lt $((SIZE_GIB * 16)) ]; do
		cat "$B/block" >>"$RAW"
		i=$((i + 1))
	done
	rm -f "$B/block"
fi
if [ ! -f "$ELF" ] || [ "$(stat -c %s "$ELF")" -ne $((BYTES + 4096)) ]; then
	python3 "$HERE/mkelf.py" "$BYTES" "$B/elf.hdr"
	cat "$B/elf.hdr" "$RAW" >"$ELF"
fi
# a Windows image: kgen's x64 kernel (encoded KDBG) in the first 14 MiB,
# then the random bytes: convert finds the kernel in its first search
# window and synthesizes the header (the RAW and ELF images hold no
# Windows, so convert reads them once in full looking for one)
WIN=$B/windows.raw
if [ ! -f "$WIN" ] || [ "$(stat -c %s "$WIN")" -ne "$BYTES" ]; then
	[ -x "$BUILD_DIR/kgen" ] || cmake --build "$BUILD_DIR" --target kgen
	"$BUILD_DIR/kgen" "$B/kgen.raw" --profile w10_x64 --format raw --encoded-kdbg --force >/dev/null
	kb=$(stat -c %s "$B/kgen.raw")
	{ cat "$B/kgen.raw"; tail -c +$((kb + 1)) "$RAW"; } >"$WIN"
	rm -f "$B/kgen.raw"
fi
sync
t1=$(date +%s.%N)
echo "images ready in $(echo "$t1 - $t0" | bc) s: $RAW, $ELF, $WIN ($SIZE_GIB GiB each)"

# does `dmpkit convert` work here?
CONVERT=dkwrite
if "$DMPKIT" convert "$RAW" "$B/probe.dmp" --force --quiet >/dev/null 2>&1; then
	CONVERT=dmpkit
fi
rm -f "$B/probe.dmp"
echo "conversion timed with: $CONVERT"

row() { # image command seconds kib cp_seconds
	awk -v i="$1" -v l="$2" -v t="$3" -v k="$4" -v c="$5" -v g="$BYTES" 'BEGIN {
		printf "| %s | %s | %.3f | %.0f | %.2fx | %.1f MiB |\n", i, l, t, g / 1048576 / t, t / c, k / 1024 }'
}

echo
echo "| image | command | wall s | MiB/s | vs cp | peak RSS |"
echo "|---|---|---|---|---|---|"
for IMG in "$WIN" "$RAW" "$ELF"; do
	name=$(basename "$IMG")
	OUT=$B/copy
	set -- $(median cp "$IMG" "$B/copy"); cpt=$1
	row "$name" cp "$1" "$2" "$cpt"
	set -- $(median sh -c 'cp "$1" "$2" && sync "$2"' sh "$IMG" "$B/copy")
	row "" "cp + sync" "$1" "$2" "$cpt"
	rm -f "$B/copy"
	OUT=$B/out.dmp
	if [ "$CONVERT" = dmpkit ]; then
		set -- $(median "$DMPKIT" convert "$IMG" "$OUT" --force --quiet)
		row "" "dmpkit convert" "$1" "$2" "$cpt"
	fi
	set -- $(median "$B/dkwrite" "$IMG" "$OUT" --format runs --force)
	row "" "dkwrite (writer only, copy_file_range)" "$1" "$2" "$cpt"
	set -- $(median "$B/dkwrite" "$IMG" "$OUT" --format runs --force --no-copy-range)
	row "" "dkwrite --no-copy-range (pread/pwrite)" "$1" "$2" "$cpt"
	set -- $(median "$B/dkwrite" "$IMG" "$OUT" --format bitmap --force)
	row "" "dkwrite --format bitmap" "$1" "$2" "$cpt"
	"$B/dkwrite" "$IMG" "$OUT" --format runs --force >/dev/null
	OUT=$B/none
	set -- $(median "$DMPKIT" verify "$IMG" "$B/out.dmp")
	row "" "dmpkit verify IMAGE out.dmp" "$1" "$2" "$cpt"
	rm -f "$B/out.dmp"
done

if [ "$KEEP" != 1 ]; then
	rm -f "$RAW" "$ELF" "$WIN" "$B/elf.hdr" "$B/copy" "$B/out.dmp"
fi
