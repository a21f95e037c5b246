#!/bin/sh
# dmpkit convert / image on kgen images (tests/gen/kgen.c, an independent
# generator): a raw image of a Windows kernel converts to a dump whose
# header was synthesized and that the kernel commands read back; a stale
# header is repaired (and refused with --no-repair); usage errors; an
# interrupted conversion leaves nothing behind.
# usage: convert_cli.sh DMPKIT KGEN WORKDIR
set -u
DMPKIT=$1 KGEN=$2 W=$3
rm -rf "$W"
mkdir -p "$W"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# ---- every profile: raw image -> synthesized header -> lm/ps agree with kgen ----
for p in w2003_x86 w7_x86_pae w7_x64 w10_x64 w10_x64:--encoded-kdbg; do
	prof=${p%%:*} extra=""
	case $p in *:*) extra=${p#*:} ;; esac
	raw=$W/$prof$extra.raw
	"$KGEN" "$raw" --profile "$prof" --format raw $extra --force --print-layout >"$raw.layout" ||
		{ bad "kgen $p"; continue; }
	"$DMPKIT" image "$raw" | grep -q "^format *raw" || bad "$p: not read as raw"
	"$DMPKIT" image "$raw" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["format"]=="raw" and d["present_pages"]>0 and d["runs"]' ||
		bad "$p: image --json"
	out=$W/$prof$extra.dmp
	"$DMPKIT" convert "$raw" "$out" --quiet >"$out.log" 2>&1 || { bad "$p: convert"; cat "$out.log"; continue; }
	grep -q "header: synthesized" "$out.log" || bad "$p: header not synthesized"
	grep -q "no Windows kernel" "$out.log" && bad "$p: kernel not found"
	"$DMPKIT" check --deep "$out" >"$out.check" 2>&1 || { bad "$p: check --deep"; cat "$out.check"; }
	if [ -z "$extra" ]; then
		"$DMPKIT" verify "$raw" "$out" >/dev/null 2>&1 || bad "$p: verify"
	else
		# the encoded KDBG is written decoded: exactly its page differs
		"$DMPKIT" verify "$raw" "$out" >"$out.verify" 2>&1
		grep -q "^different: *1$" "$out.verify" || { bad "$p: verify"; cat "$out.verify"; }
	fi
	want_mods=$(sed -n 's/^module_count \(.*\)/\1/p' "$raw.layout")
	want_procs=$(sed -n 's/^process_count \(.*\)/\1/p' "$raw.layout")
	nm=$("$DMPKIT" lm "$out" --json | grep -o '"base"' | wc -l)
	np=$("$DMPKIT" ps "$out" --json | grep -o '"eprocess"' | wc -l)
	[ "$nm" -eq $((want_mods)) ] || bad "$p: lm lists $nm modules, kgen wrote $((want_mods))"
	[ "$np" -eq $((want_procs)) ] || bad "$p: ps lists $np processes, kgen wrote $((want_procs))"
	if [ -n "$extra" ]; then
		grep -q "holds it decoded" "$out.log" || bad "$p: encoded KDBG not written decoded"
	fi
	echo "ok: $p ($nm modules, $np processes)"
done

# ---- an ELF core of a Windows kernel with a vCPU note: the header's
# ContextRecord is the vCPU's registers ----
"$KGEN" "$W/cpu.raw" --profile w10_x64 --format raw --force >/dev/null
python3 - "$W/cpu.raw" "$W/cpu.elf" <<'EOF2' || bad "python3 for the ELF core"
import struct, sys
raw = open(sys.argv[1], 'rb').read()
# NT_PRSTATUS, x86_64: 0x150 bytes, pr_reg at 0x70 in user_regs_struct order
desc = bytearray(0x150)
regs = {10: 0x1111, 5: 0x2222, 19: 0xfffff50a12006a30, 16: 0xfffff80512a01044, 17: 0x10, 18: 0x246, 20: 0x18}
for slot, v in regs.items():
    struct.pack_into('<Q', desc, 0x70 + 8 * slot, v)
note = struct.pack('<III', 5, len(desc), 1) + b'CORE\0\0\0\0' + bytes(desc)
phoff, nph = 64, 2
data_off = phoff + 56 * nph
note_off, load_off = data_off, (data_off + len(note) + 0xfff) & ~0xfff
eh = b'\x7fELF\x02\x01\x01' + bytes(9) + struct.pack('<HHIQQQIHHHHHH', 4, 62, 1, 0, phoff, 0, 0, 64, 56, nph, 0, 0, 0)
ph = struct.pack('<IIQQQQQQ', 4, 0, note_off, 0, 0, len(note), len(note), 4)
ph += struct.pack('<IIQQQQQQ', 1, 7, load_off, 0, 0, len(raw), len(raw), 0x1000)
out = bytearray(eh + ph + note)
out += bytes(load_off - len(out)) + raw
open(sys.argv[2], 'wb').write(out)
EOF2
"$DMPKIT" convert "$W/cpu.elf" "$W/cpu.dmp" --quiet >"$W/cpu.log" 2>&1 || { bad "ELF core: convert"; cat "$W/cpu.log"; }
grep -q "vCPU 0's registers" "$W/cpu.log" || bad "ELF core: context not from the vCPU"
"$DMPKIT" info "$W/cpu.dmp" >"$W/cpu.info"
grep -q "ContextFlags *0x0010001f" "$W/cpu.info" || bad "ELF core: ContextFlags"
grep -q " Rip *0xfffff80512a01044" "$W/cpu.info" || bad "ELF core: Rip"
grep -q " Rsp *0xfffff50a12006a30" "$W/cpu.info" || bad "ELF core: Rsp"
grep -q " Rax *0x0000000000001111" "$W/cpu.info" || bad "ELF core: Rax"
grep -q " SegCs *0x0010" "$W/cpu.info" || bad "ELF core: SegCs"

# ---- stale header: repaired, reported, refused with --no-repair ----
"$KGEN" "$W/k.dmp" --profile w7_x64 --force --print-layout >"$W/k.layout"
"$KGEN" "$W/k.raw" --profile w7_x64 --format raw --force >/dev/null
p1=$(sed -n 's/^process1_dtb \(.*\)/\1/p' "$W/k.layout")
python3 - "$W/k.dmp" "$W/stale.hdr" "$p1" <<'EOF' || bad "python3 for the stale header"
import struct, sys
h = bytearray(open(sys.argv[1], 'rb').read(0x2000))
struct.pack_into('<Q', h, 0x10, int(sys.argv[3], 16))       # another process's DTB
struct.pack_into('<IIQQQ', h, 0x88, 1, 0, 0x100, 0, 0x100)   # a run list of another machine
open(sys.argv[2], 'wb').write(h)
EOF
"$DMPKIT" convert "$W/k.raw" "$W/rep.dmp" --header "$W/stale.hdr" --json >"$W/rep.json" 2>&1 ||
	bad "stale header: convert"
grep -q '"kind": *"repair", *"field": *"DirectoryTableBase"' "$W/rep.json" ||
	bad "stale header: DirectoryTableBase repair not reported: $(head -c 800 "$W/rep.json")"
grep -q '"kind": *"repair", *"field": *"PhysicalMemoryBlock"' "$W/rep.json" ||
	bad "stale header: run list repair not reported"
dtb=$(sed -n 's/^dtb \(.*\)/\1/p' "$W/k.layout")
"$DMPKIT" info "$W/rep.dmp" --json | grep -q "\"DirectoryTableBase\"" || bad "info --json"
got=$("$DMPKIT" info "$W/rep.dmp" | sed -n 's/.*DirectoryTableBase *\(0x[0-9a-f]*\).*/\1/p' | head -1)
[ $((got)) -eq $((dtb)) ] || bad "stale header: DirectoryTableBase $got, expected $dtb"
"$DMPKIT" info "$W/rep.dmp" | grep -q "Comment.*repaired.*DirectoryTableBase" ||
	bad "stale header: the Comment does not list the repair"
"$DMPKIT" convert "$W/k.raw" "$W/norep.dmp" --header "$W/stale.hdr" --no-repair --quiet >"$W/norep.log" 2>&1
rc=$?
[ $rc -eq 1 ] || bad "--no-repair: exit $rc, expected 1"
[ -e "$W/norep.dmp" ] && bad "--no-repair: an output was written"
grep -q "no-repair" "$W/norep.log" || bad "--no-repair: message"

# ---- usage ----
"$DMPKIT" convert >/dev/null 2>&1; [ $? -eq 2 ] || bad "no operands: exit 2"
"$DMPKIT" convert "$W/k.raw" "$W/x.dmp" --format nonsense >/dev/null 2>&1; [ $? -eq 2 ] || bad "--format nonsense"
"$DMPKIT" convert "$W/k.raw" "$W/x.dmp" --exclude 5-1 >/dev/null 2>&1; [ $? -eq 2 ] || bad "--exclude 5-1"
"$DMPKIT" convert "$W/nonexistent" "$W/x.dmp" >/dev/null 2>&1; [ $? -eq 2 ] || bad "missing input: exit 2"
"$DMPKIT" convert --help | grep -q "Exit status" || bad "--help"
"$DMPKIT" image --formats | grep -q "^xen" || bad "image --formats"
[ -e "$W/x.dmp" ] && bad "a failed convert left x.dmp"

# ---- --bugcheck, --to raw, bitmap ----
"$DMPKIT" convert "$W/k.raw" "$W/bc.dmp" --bugcheck 0x1e,0xc0000005,0x1234 --format bitmap --quiet \
	>/dev/null 2>&1 || bad "--bugcheck"
"$DMPKIT" info "$W/bc.dmp" | grep -q "BugCheckCode *0x0000001e" || bad "--bugcheck: code not written"
"$DMPKIT" info "$W/bc.dmp" | grep -q "DumpType.*5" || bad "--format bitmap: DumpType"
"$DMPKIT" convert "$W/bc.dmp" "$W/back.raw" --to raw --quiet >/dev/null 2>&1 || bad "--to raw"
"$DMPKIT" verify "$W/k.raw" "$W/back.raw" >/dev/null 2>&1 || bad "dmp -> raw: pages differ"

# ---- --verify after writing ----
"$DMPKIT" convert "$W/k.raw" "$W/kv.dmp" --verify --quiet >"$W/kv.log" 2>&1 || { bad "--verify"; cat "$W/kv.log"; }
grep -q "0 different, 0 missing" "$W/kv.log" || bad "--verify: summary"

# ---- a progress bar with rate and ETA on a terminal, none with --quiet ----
if command -v script >/dev/null 2>&1; then
	script -qec "'$DMPKIT' convert '$W/k.raw' '$W/tty.dmp'" /dev/null >"$W/tty.log" 2>&1
	grep -q 'converting \[.*\] *100.0% .*MiB/s *ETA' "$W/tty.log" || { bad "progress bar"; cat "$W/tty.log"; }
	script -qec "'$DMPKIT' convert '$W/k.raw' '$W/tty2.dmp' --quiet" /dev/null >"$W/tty2.log" 2>&1
	grep -q 'MiB/s' "$W/tty2.log" && bad "--quiet still shows a progress bar"
fi

# ---- an interrupt leaves nothing behind ----
big=$W/big.raw
yes 0123456789abcdef | head -c 1073741824 >"$big"
"$DMPKIT" convert "$big" "$W/int.dmp" --no-copy-range --quiet >/dev/null 2>&1 &
pid=$!
sleep 0.3
kill -INT $pid 2>/dev/null
wait $pid
rc=$?
if [ -e "$W/int.dmp" ]; then
	echo "note: the conversion finished before the interrupt (rc $rc)"
else
	[ $rc -eq 2 ] || bad "interrupt: exit $rc, expected 2"
fi
ls -a "$W" | grep -q '^\.int\.dmp' && bad "interrupt: a temporary file was left"
rm -f "$big" "$W/int.dmp"

if [ $fail -ne 0 ]; then exit 1; fi
echo "convert cli: all passed"
