#!/bin/sh
# dmpkit analyze on real minidumps: the values other tools print for the
# same files (../shared/corpus/INDEX.md, winedbg backtraces, symbolic's
# processed state) must come out.  Skips when the corpus is absent.
# Usage: analyze_test.sh DMPKIT CORPUS_DIR TMPDIR
set -u
DMPKIT=$1 CORPUS=$2 TMP=$3
U=$CORPUS/user
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
# expect FILE-OUTPUT PATTERN WHAT
expect() { if grep -q -- "$2" "$1"; then ok; else bad "$3 (pattern: $2)"; fi; }

if [ ! -d "$U" ]; then
	echo "SKIP: $U is absent: the real minidump corpus is needed"
	exit 0
fi
mkdir -p "$TMP"

run() { # name file [args]
	n=$1; f=$2; shift 2
	"$DMPKIT" analyze "$@" "$U/$f" >"$TMP/$n.out" 2>"$TMP/$n.err"
	rc=$?
	[ $rc -eq 0 ] || bad "analyze $f exited $rc: $(cat "$TMP/$n.err")"
	"$DMPKIT" analyze --json "$@" "$U/$f" >"$TMP/$n.json" 2>>"$TMP/$n.err" || bad "analyze --json $f failed"
}

run nullav breakpad-null_read_av.dmp
expect "$TMP/nullav.json" '"type":"EXCEPTION_ACCESS_VIOLATION_READ"' "null_read_av crash reason"
expect "$TMP/nullav.json" '"address":"0x00000000"' "null_read_av crash address"
expect "$TMP/nullav.json" '"os_ver":"6.1.7600"' "null_read_av OS version (Windows 7)"
expect "$TMP/nullav.json" '"cpu_count":16' "null_read_av CPU count"
expect "$TMP/nullav.json" '"cpu_arch":"x86"' "null_read_av CPU"
expect "$TMP/nullav.json" '"kind":"null-pointer"' "null_read_av adjusted address kind"
expect "$TMP/nullav.out" 'Instruction:   mov eax, \[eax\]' "null_read_av faulting instruction"

run readav breakpad-ascii_read_av.dmp
expect "$TMP/readav.json" '"type":"EXCEPTION_ACCESS_VIOLATION_READ"' "ascii_read_av reason"
expect "$TMP/readav.json" '"address":"0x41414141"' "ascii_read_av address"
run writeav breakpad-ascii_write_av.dmp
expect "$TMP/writeav.json" '"type":"EXCEPTION_ACCESS_VIOLATION_WRITE"' "ascii_write_av reason"

run fastfail breakpad-tiny-exe-fastfail.dmp
expect "$TMP/fastfail.json" 'FAST_FAIL_FATAL_APP_EXIT' "fastfail reason"
expect "$TMP/fastfail.json" '"cpu_arch":"amd64"' "fastfail CPU"
expect "$TMP/fastfail.json" '"os_ver":"10.0.19042"' "fastfail OS version"
expect "$TMP/fastfail.json" '"thread_count":4' "fastfail thread count"

run noncanon breakpad-write_av_non_canonical.dmp
expect "$TMP/noncanon.json" '"kind":"non-canonical","address":"0xfefefefefefefefe"' "non-canonical crash address recovered"
expect "$TMP/noncanon.out" 'Crash address: 0xfefefefefefefefe' "non-canonical address in text"

run cet breakpad-tiny-exe-with-cet-xsave.dmp
expect "$TMP/cet.json" '"type":null' "cet dump did not crash"
expect "$TMP/cet.json" '"thread_count":1' "cet thread count"
expect "$TMP/cet.json" '"os_ver":"10.0.22000"' "cet OS version"
run cet86 breakpad-tiny-exe-with-cet-xsave-x86.dmp
expect "$TMP/cet86.json" '"thread_count":3' "cet x86 thread count"
expect "$TMP/cet86.json" '"os_ver":"10.0.22631"' "cet x86 OS version"

run names breakpad-thread_name_list.dmp
expect "$TMP/names.json" '"thread_name":"[^"]' "thread names present"
expect "$TMP/names.json" '"os_ver":"10.0.17763"' "thread_name_list OS version"

run electron electron-node-minidump.dmp
expect "$TMP/electron.json" 'electron.exe' "electron module"

run invparam invalid-parameter.dmp
expect "$TMP/invparam.json" 'Invalid parameter passed to library function format != nullptr in function common_vfprintf' "assertion text"
expect "$TMP/invparam.json" 'output.cpp at line 32' "assertion file and line"

# Wine: the crashing thread's return addresses equal winedbg's backtrace
run wineav wine/wine-x64-av.dmp
for a in 0x000000014000166d 0x0000000140001682 0x0000000140001696 0x000000007b627e49 0x000000017005dca8; do
	expect "$TMP/wineav.json" "\"offset\":\"$a\"" "wine-x64-av frame $a (winedbg backtrace)"
done
expect "$TMP/wineav.json" '"type":"EXCEPTION_ACCESS_VIOLATION_WRITE"' "wine-x64-av reason"
expect "$TMP/wineav.out" 'mov dword ptr \[rcx+0x1D\]' "wine-x64-av instruction"
run winediv wine/wine-x64-div.dmp
expect "$TMP/winediv.json" '"type":"EXCEPTION_INT_DIVIDE_BY_ZERO"' "wine-x64-div reason"
expect "$TMP/winediv.json" '"offset":"0x000000014000177d"' "wine-x64-div frame 0"
expect "$TMP/winediv.out" 'idiv ecx' "wine-x64-div instruction"

# The same crash as a full-memory dump: every module image is inside, so
# the walk must use .pdata unwind data ("cfi") and match winedbg's backtrace
if command -v xz >/dev/null 2>&1 && [ -f "$U/wine/wine-x64-av-full.dmp.xz" ]; then
	xz -dc "$U/wine/wine-x64-av-full.dmp.xz" >"$TMP/wine-full.dmp"
	"$DMPKIT" analyze --json "$TMP/wine-full.dmp" >"$TMP/winefull.json" 2>&1 || bad "analyze full dump failed"
	tr '{' '\n' <"$TMP/winefull.json" | grep '"trust"' >"$TMP/winefull.frames"
	for a in 0x0000000140001682 0x0000000140001696 0x000000007b627e49 0x000000017005dca8; do
		expect "$TMP/winefull.frames" "\"trust\":\"cfi\".*\"offset\":\"$a\"" "wine full dump frame $a by unwind data"
	done
	rm -f "$TMP/wine-full.dmp"
else
	echo "note: xz not available, full-memory Wine dump not tested"
fi

# symbolic's processed state: the crashing thread's frames, then symbols
run sym symbolic-mini-x86.dmp
frames=$(tr ',' '\n' <"$TMP/sym.json" | sed -n 's/.*"offset":"\(0x[0-9a-f]*\)".*/\1/p' | head -10 | tr '\n' ' ')
want="0x002a2a3d 0x002a28d0 0x7584e9c0 0x70b7ae40 0x7584e9c0 0x002a3435 0x002a2d97 0x750662c4 0x771d0f79 0x771d0f44 "
[ "$frames" = "$want" ] && ok || bad "symbolic-mini-x86 frames: got '$frames' want '$want'"
SYM=$TMP/syms/crash.pdb/3249D99D0C4049318610F4E4FB0B69361
mkdir -p "$SYM" && cp "$U/symbolic-mini-x86.crash.sym" "$SYM/crash.sym"
run symd symbolic-mini-x86.dmp --symbols "$TMP/syms"
expect "$TMP/symd.out" 'crash.exe!main \[c:\\projects\\breakpad-tools\\windows\\crash\\main.cpp : 35' "symbolized frame 0"
expect "$TMP/symd.json" '"function":"main"' "JSON function name"
expect "$TMP/symd.json" '"loaded_symbols":true' "module symbols loaded"

# damaged and foreign inputs: no crash, a clear exit code
printf 'MDMP' >"$TMP/short.dmp"
"$DMPKIT" analyze "$TMP/short.dmp" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok || bad "short MDMP: exit $rc, want 1"
"$DMPKIT" analyze "$TMP/missing.dmp" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok || bad "missing file: exit $rc, want 2"
"$DMPKIT" analyze --max-frames 0 "$U/invalid-parameter.dmp" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok || bad "--max-frames 0: exit $rc, want 2"
head -c 9000 "$U/breakpad-null_read_av.dmp" >"$TMP/trunc.dmp"
"$DMPKIT" analyze "$TMP/trunc.dmp" >/dev/null 2>&1; rc=$?
[ $rc -lt 128 ] && ok || bad "truncated minidump: exit $rc (crashed)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
