#!/bin/sh
# EWF/E01 images written by ewf-tools' ewfacquirestream (libewf's own
# writer, not ours) from the QEMU pmemsave raw sample: read back through
# the ewf reader, every page compared with the raw file; one and several
# segment files; converted to a dump and verified; damaged segments give an
# error and no output.
# usage: ewf_test.sh DMPKIT SAMPLES_DIR WORKDIR
set -u
DMPKIT=$1 S=$2 W=$3
RAW=$S/qemu-pmemsave-linux-96M.raw
if [ ! -s "$RAW" ]; then echo "SKIP: $RAW is absent (no ../shared corpus)"; exit 0; fi
if ! command -v ewfacquirestream >/dev/null 2>&1; then
	echo "SKIP: ewfacquirestream (Debian ewf-tools) is not installed"; exit 0
fi
rm -rf "$W" && mkdir -p "$W"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

ewfacquirestream -q -c deflate:fast -m memory -t "$W/one" <"$RAW" >/dev/null 2>&1 || bad "ewfacquirestream"
ewfacquirestream -q -c none -m memory -S 10485760 -t "$W/many" <"$RAW" >/dev/null 2>&1 || bad "ewfacquirestream -S"
nseg=$(ls "$W"/many.E* | wc -l)
[ "$nseg" -ge 5 ] || bad "expected several segment files, got $nseg"

for img in one many; do
	"$DMPKIT" image "$W/$img.E01" >"$W/$img.info" 2>&1 || { bad "$img: image"; cat "$W/$img.info"; }
	grep -q "^format *ewf" "$W/$img.info" || bad "$img: not read as ewf"
	grep -q "24576 pages" "$W/$img.info" || bad "$img: page count"
	"$DMPKIT" verify "$W/$img.E01" "$RAW" >"$W/$img.verify" 2>&1 ||
		{ bad "$img: pages differ from the raw image"; cat "$W/$img.verify"; }
	"$DMPKIT" convert "$W/$img.E01" "$W/$img.dmp" --verify --quiet >"$W/$img.convert" 2>&1 ||
		{ bad "$img: convert --verify"; cat "$W/$img.convert"; }
	"$DMPKIT" verify "$RAW" "$W/$img.dmp" >/dev/null 2>&1 || bad "$img: dump differs from the raw image"
done
grep -q "$nseg segment files" "$W/many.info" || bad "many: segment count not in the description"

# a lost segment and a cut segment: an error naming the file, no output
rm -f "$W/many.E03"
"$DMPKIT" convert "$W/many.E01" "$W/lost.dmp" --quiet >"$W/lost.log" 2>&1
rc=$?
[ $rc -eq 1 ] || { bad "lost segment: exit $rc, expected 1"; cat "$W/lost.log"; }
[ -e "$W/lost.dmp" ] && bad "lost segment: an output was left"
head -c 5000000 "$W/one.E01" >"$W/cut.E01"
"$DMPKIT" convert "$W/cut.E01" "$W/cut.dmp" --quiet >"$W/cut.log" 2>&1
rc=$?
[ $rc -ne 0 ] || bad "cut segment: converted"
[ -e "$W/cut.dmp" ] && bad "cut segment: an output was left"
grep -q "cut.E01" "$W/cut.log" || bad "cut segment: the error does not name the file: $(cat "$W/cut.log")"

# a damaged chunk in the middle: its checksum fails, nothing is invented
cp "$W/one.E01" "$W/flip.E01"
printf '\377\377\377\377\377\377\377\377' | dd of="$W/flip.E01" bs=1 seek=15000000 conv=notrunc 2>/dev/null
"$DMPKIT" convert "$W/flip.E01" "$W/flip.dmp" --quiet >"$W/flip.log" 2>&1
rc=$?
[ $rc -eq 1 ] || { bad "damaged chunk: exit $rc, expected 1"; tail -3 "$W/flip.log"; }
[ -e "$W/flip.dmp" ] && bad "damaged chunk: an output was left"

if [ $fail -ne 0 ]; then exit 1; fi
echo "ewf: all passed"
