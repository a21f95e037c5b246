#!/usr/bin/env bash
# Generates seed corpora for the fuzz targets with dkgen.
#   fuzz/make-seeds.sh DKGEN OUTDIR [REAL_CORPUS_DIR [USER_CORPUS_DIR [DATA_DIR
#                      [SAMPLES_DIR [VMWARE_TEST]]]]]
# Writes OUTDIR/{fuzz_kdump_header,fuzz_bitmap,fuzz_triage}/ and, from real
# minidumps and .sym files, OUTDIR/{fuzz_minidump,fuzz_md_stream,fuzz_symfile}/.  The seeds are
# build products: keep OUTDIR inside a build directory, never commit it.
# REAL_CORPUS_DIR (default: ../shared/corpus/kernel next to the checkout)
# adds the real dumps when it exists.
set -euo pipefail
dkgen=${1:?usage: make-seeds.sh DKGEN OUTDIR [REAL_CORPUS_DIR]}
out=${2:?usage: make-seeds.sh DKGEN OUTDIR [REAL_CORPUS_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
real=${3:-$here/../../shared/corpus/kernel}
user=${4:-$here/../../shared/corpus/user}
data=${5:-$here/../tests/data}
samples=${6:-}   # unpacked image samples (build/samples), optional
vmw_test=${7:-}  # build/tests/image_vmware/test_image_vmware, optional

hdr=$out/fuzz_kdump_header bmp=$out/fuzz_bitmap tri=$out/fuzz_triage
rm -rf "$hdr" "$bmp" "$tri" "$out/tmp"
mkdir -p "$hdr" "$bmp" "$tri" "$out/tmp"
tmp=$out/tmp

gen() { # NAME dkgen-options...
	local name=$1
	shift
	"$dkgen" "$tmp/$name.dmp" --force --fill none "$@" >/dev/null
}

small_runs=0:4,0x10:2
# whole files for fuzz_kdump_header
for arch in x64 x86 arm64; do
	gen full-$arch --arch "$arch" --type 1 --runs "$small_runs"
	gen hdr-$arch --arch "$arch" --type 3 --runs "$small_runs"
	gen triage-$arch --arch "$arch" --type 4 --drivers 2 --unloaded 1 --datablocks 1 --datablock-size 0x40 --stack-bytes 0x40
	for t in 2 5 6; do
		gen bmp$t-$arch --arch "$arch" --type "$t" --runs "$small_runs"
	done
done
for t in 8 9 10; do
	gen rdmp$t --type "$t" --runs 1:4,0x10:2
done
gen full-leave --type 1 --runs "$small_runs" --leave-page-fill
gen full-nopmb --type 1 --runs "$small_runs" --no-pmb
gen full-trunc --type 1 --runs "$small_runs" --truncate 0x3800
gen bmp-unaligned --type 5 --runs "$small_runs" --bmp-unaligned
gen triage-real-like --arch arm64 --type 4 --triage-ctx-in-header --no-pmb --ldr-names-zero --drivers 2
cp "$tmp"/*.dmp "$hdr"/

# fuzz_bitmap: selector byte + the file from 0x2000 on (64-bit only)
# selector bits 0-1: 0 type 5, 1 type 2, 2 type 6; bit 3: ARM64
for f in "$tmp"/bmp*-x64.dmp "$tmp"/bmp*-arm64.dmp "$tmp"/bmp-unaligned.dmp; do
	b=$(basename "$f" .dmp)
	case $b in bmp2*) sel=1 ;; bmp6*) sel=2 ;; *) sel=0 ;; esac
	case $b in *arm64) sel=$((sel | 8)) ;; esac
	{ printf "\\x$(printf %02x "$sel")"; tail -c +8193 "$f"; } >"$bmp/$b"
done

# fuzz_triage: selector 0 = bytes after a fixed DUMP_HEADER64 (bit 1: ARM64),
# selector 1 = the whole file
for f in "$tmp"/triage*.dmp; do
	b=$(basename "$f" .dmp)
	{ printf '\x01'; cat "$f"; } >"$tri/whole-$b"
	case $b in
	*x86) ;;
	*x64) { printf '\x00'; tail -c +8193 "$f"; } >"$tri/tail-$b" ;;
	*) { printf '\x02'; tail -c +8193 "$f"; } >"$tri/tail-$b" ;;
	esac
done

# the real files, when present
if [ -d "$real" ]; then
	for f in "$real"/*.dmp; do
		[ -f "$f" ] || continue
		b=$(basename "$f" .dmp)
		cp "$f" "$hdr/real-$b"
		case $b in
		triage*)
			{ printf '\x01'; cat "$f"; } >"$tri/real-whole-$b"
			{ printf '\x02'; tail -c +8193 "$f"; } >"$tri/real-tail-$b"
			;;
		esac
	done
fi
rm -rf "$tmp"

# minidumps: whole files, and each stream of them as a fuzz_md_stream seed
# (first byte 0: the target picks the type from the input's first byte)
mdd=$out/fuzz_minidump mds=$out/fuzz_md_stream sym=$out/fuzz_symfile
rm -rf "$mdd" "$mds" "$sym"
mkdir -p "$mdd" "$mds" "$sym"
for f in "$data"/*.dmp "$user"/*.dmp; do
	[ -f "$f" ] || continue
	[ "$(stat -c %s "$f")" -le 1048576 ] || continue
	cp "$f" "$mdd/$(basename "$f")"
	for i in $(seq 0 28); do
		{ printf "\\$(printf '%03o' "$i")"; head -c 4096 "$f"; } >"$mds/$i-$(basename "$f")"
	done
done
for f in "$user"/*.sym; do
	[ -f "$f" ] || continue
	head -c 65536 "$f" >"$sym/$(basename "$f")"
done
# fuzz_klists: patches {target, offset, length, bytes} of a kgen image
kl=$out/fuzz_klists
rm -rf "$kl" && mkdir -p "$kl"
printf '\005\020\000\010AAAAAAAA' >"$kl/flink"
printf '\003\000\000\010\377\377\377\377\377\377\377\377' >"$kl/head"
printf '\007\160\000\002\377\377' >"$kl/length"
# fuzz_kanalysis: the same patch format over a kgen exception story
ka=$out/fuzz_kanalysis
rm -rf "$ka" && mkdir -p "$ka"
cp "$kl"/* "$ka"/
printf '\001\060\000\004\000\000\000\000' >"$ka/context-eip"
# fuzz_convert_header: mode byte (even: patch kernel objects, odd: header
# fields) + patches
ch=$out/fuzz_convert_header
rm -rf "$ch" && mkdir -p "$ch"
printf '\000' >"$ch/synth"
{ printf '\000'; cat "$kl/flink"; } >"$ch/synth-flink"
printf '\001\000\000\000\000\000\000\000\000\000\020\000\000' >"$ch/header-dtb"
# memory-image readers: small images (tests/image_b writes diskdump and Xen
# cores; tests/image_a raw, ELF (shrunk from the unpacked samples in
# SAMPLES_DIR when given) and LiME/AVML; needs python3)
if command -v python3 >/dev/null 2>&1; then
	python3 "$here/../tests/image_b/make_fuzz_seeds.py" "$out" >/dev/null ||
		echo "make-seeds: tests/image_b/make_fuzz_seeds.py failed; its seeds skipped"
	rm -rf "$tmp/ia" && mkdir -p "$tmp/ia"
	if python3 "$here/../tests/image_a/make_fuzz_seeds.py" "${samples:-$tmp/none}" "$tmp/ia" >/dev/null; then
		for r in raw elf lime; do
			rm -rf "$out/fuzz_image_$r" && mkdir -p "$out/fuzz_image_$r"
			[ -d "$tmp/ia/$r" ] && cp "$tmp/ia/$r"/* "$out/fuzz_image_$r"/ 2>/dev/null
		done
	else
		echo "make-seeds: tests/image_a/make_fuzz_seeds.py failed; its seeds skipped"
	fi
fi
# fuzz_image_vmware: the VMware test writes its seeds when asked
if [ -n "${vmw_test:-}" ] && [ -x "$vmw_test" ]; then
	rm -rf "$out/fuzz_image_vmware" && mkdir -p "$out/fuzz_image_vmware"
	DMPKIT_VMW_SEED_DIR="$out/fuzz_image_vmware" "$vmw_test" >/dev/null 2>&1 ||
		echo "make-seeds: $vmw_test failed; VMware seeds skipped"
fi
for d in "$mdd" "$mds" "$sym" "$kl" "$ka" "$ch" "$out"/fuzz_image_*; do
	echo "seeds: $(ls "$d" | wc -l) files, $(du -sk "$d" | cut -f1) KiB in $d"
done
for d in "$hdr" "$bmp" "$tri"; do
	echo "seeds: $(ls "$d" | wc -l) files, $(du -sk "$d" | cut -f1) KiB in $d"
done
