#!/bin/sh
# dmpkit convert on images written by real tools (../shared/corpus/images,
# unpacked by the image_samples fixture): every page of the input is in the
# output at the same physical address (dmpkit verify), `check --deep` calls
# the output good, and the independent reader tools/probe.py (stdlib Python,
# when python3 exists) sees the same page bytes in input and output.
# usage: convert_samples.sh DMPKIT SAMPLES_DIR CORPUS_IMAGES_DIR WORKDIR
set -u
DMPKIT=$1 S=$2 CORPUS=$3 W=$4
rm -rf "$W"
mkdir -p "$W"
fail=0
skipped=0
PROBE=$CORPUS/tools/probe.py
have_py=0
if command -v python3 >/dev/null 2>&1 && [ -f "$PROBE" ]; then have_py=1; fi

bad() { echo "FAIL: $*"; fail=1; }
need() {
	if [ ! -s "$S/$1" ]; then
		echo "SKIP: $S/$1 is absent (no ../shared corpus)"
		skipped=$((skipped + 1))
		return 1
	fi
	return 0
}

# SHA-1 of the page at physical address PA as probe.py reads FILE
probe_page() {
	python3 "$PROBE" "$1" --page "$2" 2>/dev/null | sed -n 's/.*sha1[ =:]*\([0-9a-f]\{40\}\).*/\1/p' | head -1
}

# convert IN -> OUT with extra args; verify every page; check --deep.
# ALLOWED: check finding ids that may be errors (images without a Windows
# kernel keep what the guest gave, or have no page-table base at all:
# "dtb.zero"); empty: the output must be good.
roundtrip() {
	name=$1 in=$2 allowed=$3
	shift 3
	out=$W/$name.dmp
	if ! "$DMPKIT" convert "$in" "$out" --quiet "$@" >"$W/$name.log" 2>&1; then
		bad "$name: convert failed"; cat "$W/$name.log"; return 1
	fi
	"$DMPKIT" check --deep "$out" >"$W/$name.check" 2>&1
	rc=$?
	if [ -z "$allowed" ]; then
		if [ $rc -ne 0 ]; then bad "$name: check --deep exit $rc"; cat "$W/$name.check"; fi
	else
		grep '^ *error' "$W/$name.check" | sed 's/.*(\([a-z_.]*\))$/\1/' | sort -u >"$W/$name.errs"
		for id in $(cat "$W/$name.errs"); do
			case " $allowed " in *" $id "*) ;; *) bad "$name: check --deep error $id"; cat "$W/$name.check" ;; esac
		done
		grep -q 'pages.missing\|pages.unreadable' "$W/$name.check" && bad "$name: check --deep finds page problems"
	fi
	"$DMPKIT" verify "$in" "$out" >"$W/$name.verify" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then bad "$name: verify exit $rc"; cat "$W/$name.verify"; fi
	if [ $have_py = 1 ]; then
		for pa in 0x100000 0x2345000; do
			sha_in=$(probe_page "$in" $pa)
			sha_out=$(probe_page "$out" $pa)
			if [ -n "$sha_in" ] && [ "$sha_in" != "$sha_out" ]; then
				bad "$name: probe.py page $pa: input $sha_in, output ${sha_out:-(none)}"
			fi
		done
	fi
	echo "ok: $name ($(grep -c . "$W/$name.log") report lines)"
	return 0
}

# ---- QEMU ELF whose VMCOREINFO note holds the guest's 64-/32-bit header ----
for b in 64 32; do
	if need fakewin$b-64M.elf; then
		# the guest's synthetic header keeps KdDebuggerDataBlock 0x300000 (and
		# the 32-bit one DirectoryTableBase 0: the guest runs with paging off)
		roundtrip fakewin$b "$S/fakewin$b-64M.elf" "address.not_kernel dtb.zero"
		grep -q "header: the image's VMCOREINFO note" "$W/fakewin$b.log" ||
			bad "fakewin$b: header not taken from the VMCOREINFO note"
		grep -q "no Windows kernel could be proven" "$W/fakewin$b.log" ||
			bad "fakewin$b: the missing kernel is not reported"
		sig=$(head -c 8 "$W/fakewin$b.dmp")
		[ "$b" = 64 ] && [ "$sig" != PAGEDU64 ] && bad "fakewin64: signature $sig"
		[ "$b" = 32 ] && [ "$sig" != PAGEDUMP ] && bad "fakewin32: signature $sig"
		# QEMU's own win-dmp of the same VM: same pages but PFN 0x304 (its
		# temporary CONTEXT patch)
		if need fakewin$b-64M.win-dmp; then
			"$DMPKIT" verify "$S/fakewin$b-64M.win-dmp" "$W/fakewin$b.dmp" --json \
				>"$W/fakewin$b.vs-qemu.json" 2>&1
			grep -q '"different": *1[,}]' "$W/fakewin$b.vs-qemu.json" ||
				bad "fakewin$b vs QEMU win-dmp: expected exactly one differing page: $(head -c 600 "$W/fakewin$b.vs-qemu.json")"
		fi
	fi
done

# ---- Xen PVH guest that wrote a PAGEDU64 header at 0x200000 ----
if need xen-pvh-fakewin.core; then
	roundtrip xenfakewin "$S/xen-pvh-fakewin.core" "address.not_kernel" --header-at 0x200000
	grep -q "PhysicalMemoryBlock" "$W/xenfakewin.log" ||
		bad "xenfakewin: the header's run list vs the image is not reported"
	grep -q "32 listed pages are not in the image (pfn 0xa0-0xbf)" "$W/xenfakewin.log" ||
		bad "xenfakewin: the 32 pages the Xen writer dropped are not named"
fi

# ---- other producers: the kernel is Linux, so the header is synthesized
# from nothing and a warning says so ----
# With vCPU state (QEMU notes, Xen .xen_prstatus) DirectoryTableBase is the
# CR3 and the dump is good; without it (raw, LiME) or with paging off
# (SeaBIOS; a PVH guest paused before it ran: CR3 0) nothing gives a
# page-table base: check says dtb.zero.
for f in linux-96M.elf:good linux-96M.mkd-lzo-d31.kdump:good linux-96M.mkd-nocomp-d31.kdump:good \
	xen-pv-running.core:good xen-pvh-paused.core:dtb.zero \
	qemu-pmemsave-linux-96M.raw:dtb.zero linux-96M.lime:dtb.zero nodisk-64M.elf:dtb.zero \
	nodisk-64M.kdump-zlib.flat:dtb.zero nodisk-64M.kdump-zlib.reassembled:dtb.zero; do
	allowed=${f#*:} f=${f%%:*}
	[ "$allowed" = good ] && allowed=""
	if need $f; then
		roundtrip "$f" "$S/$f" "$allowed" && {
			grep -q "no Windows kernel could be proven" "$W/$f.log" ||
				bad "$f: no warning that nothing was proven"
		}
	fi
done

# ---- bitmap output, raw export, exclude ----
if need linux-96M.elf; then
	roundtrip elf-bitmap "$S/linux-96M.elf" "" --format bitmap
	"$DMPKIT" info "$W/elf-bitmap.dmp" | grep -q "DumpType.*5" || bad "bitmap: DumpType is not 5"
	"$DMPKIT" convert "$S/linux-96M.elf" "$W/elf.raw" --to raw --quiet >/dev/null 2>&1 ||
		bad "raw export failed"
	"$DMPKIT" verify "$S/linux-96M.elf" "$W/elf.raw" >/dev/null 2>&1 || bad "raw export: verify"
	"$DMPKIT" convert "$S/linux-96M.elf" "$W/excl.dmp" --exclude 0x1000000-0x1ffffff --quiet \
		>/dev/null 2>&1 || bad "exclude: convert failed"
	"$DMPKIT" verify "$S/linux-96M.elf" "$W/excl.dmp" >/dev/null 2>&1 &&
		bad "exclude: verify should report the 4096 left-out pages"
	"$DMPKIT" verify "$S/linux-96M.elf" "$W/excl.dmp" --exclude 0x1000000-0x1ffffff \
		>/dev/null 2>&1 || bad "exclude: verify with the same --exclude"
fi

# ---- no partial output: existing file, damaged input ----
if need linux-96M.elf; then
	echo keep >"$W/exists.dmp"
	"$DMPKIT" convert "$S/linux-96M.elf" "$W/exists.dmp" --quiet >/dev/null 2>&1
	[ $? -eq 2 ] || bad "an existing output must need --force (exit 2)"
	[ "$(cat "$W/exists.dmp")" = keep ] || bad "an existing output was overwritten"
	head -c 40000000 "$S/linux-96M.elf" >"$W/trunc.elf"
	"$DMPKIT" convert "$W/trunc.elf" "$W/trunc.dmp" --quiet >"$W/trunc.log" 2>&1
	rc=$?
	[ $rc -eq 1 ] || bad "truncated ELF: exit $rc, expected 1"
	[ -e "$W/trunc.dmp" ] && bad "truncated ELF: an output file was left"
	ls -a "$W" | grep -q '^\.trunc' && bad "truncated ELF: a temporary file was left"
	grep -q "trunc.elf" "$W/trunc.log" || bad "truncated ELF: the error does not name the file"
fi

# ---- damaged images of every container: a clear error naming the file,
# exit 1, and no output or temporary file left ----
damaged() { # NAME FILE
	"$DMPKIT" convert "$2" "$W/$1.dmp" --quiet >"$W/$1.log" 2>&1
	rc=$?
	[ $rc -eq 1 ] || { bad "damaged $1: exit $rc, expected 1"; cat "$W/$1.log"; }
	[ -e "$W/$1.dmp" ] && bad "damaged $1: an output file was left"
	ls -a "$W" | grep -q "^\.$1\.dmp" && bad "damaged $1: a temporary file was left"
	grep -q "$(basename "$2")" "$W/$1.log" || bad "damaged $1: the error does not name the file: $(cat "$W/$1.log")"
	# `image` reports the same damage (the cut diskdump opens: its lost
	# pages show only when read)
	if [ "$1" != cut-kdump ]; then
		"$DMPKIT" image "$2" --json >"$W/$1.image" 2>&1
		rc=$?
		[ $rc -eq 1 ] || { bad "damaged $1: image exit $rc, expected 1"; cat "$W/$1.image"; }
	fi
}
if need xen-pvh-paused.core; then
	head -c 50000000 "$S/xen-pvh-paused.core" >"$W/cut.core"
	damaged cut-xen "$W/cut.core"
fi
if need linux-96M.mkd-lzo-d31.kdump; then
	head -c 3000000 "$S/linux-96M.mkd-lzo-d31.kdump" >"$W/cut.kdump"
	# a cut diskdump opens (its page table is inside); its lost pages make
	# the conversion fail when they are read
	damaged cut-kdump "$W/cut.kdump"
fi
if need linux-96M.lime && [ $have_py = 1 ]; then
	# the second LiME range made to overlap the first
	python3 - "$S/linux-96M.lime" "$W/overlap.lime" <<'PY'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, 'rb') as f:
    data = bytearray(f.read())
s, e = struct.unpack_from('<QQ', data, 8)
second = 32 + (e - s + 1)
struct.pack_into('<Q', data, second + 8, 0x2000)          # s_addr inside range 1
e2 = struct.unpack_from('<Q', data, second + 16)[0]
struct.pack_into('<Q', data, second + 16, 0x2000 + (e2 - 0x100000))
open(dst, 'wb').write(data)
PY
	damaged overlap-lime "$W/overlap.lime"
fi
if need nodisk-64M.elf && [ $have_py = 1 ]; then
	# a PT_LOAD whose p_offset points past the end of the file
	python3 - "$S/nodisk-64M.elf" "$W/lying.elf" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
phoff = struct.unpack_from('<Q', data, 0x20)[0]
phnum = struct.unpack_from('<H', data, 0x38)[0]
for i in range(phnum):
    o = phoff + 56 * i
    if struct.unpack_from('<I', data, o)[0] == 1:
        struct.pack_into('<Q', data, o + 8, len(data) + 0x1000)
        break
open(sys.argv[2], 'wb').write(data)
PY
	damaged lying-elf "$W/lying.elf"
fi

if [ $fail -ne 0 ]; then exit 1; fi
echo "convert samples: all passed ($skipped skipped)"
exit 0
