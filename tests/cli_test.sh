#!/bin/sh
# dmpkit tests — the command line: exit codes, help, JSON, diff, many files.
# Usage: cli_test.sh DMPKIT DKGEN SCRATCHDIR
# SPDX-License-Identifier: MIT
set -u
DMPKIT=$1
DKGEN=$2
T=$3
rm -rf "$T" && mkdir -p "$T" && T=$(cd "$T" && pwd) || exit 2
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
# expect RC DESCRIPTION COMMAND...: runs COMMAND, output in $T/out
expect() {
	want=$1; what=$2; shift 2
	"$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	cat "$T/stdout" "$T/stderr" >"$T/out"
	if [ "$rc" -eq "$want" ]; then ok "$what"; else bad "$what: exit $rc, expected $want"; sed 's/^/     /' "$T/out" | head -20; fi
}
has() { # has PATTERN DESCRIPTION: $T/out contains PATTERN
	if grep -q -- "$1" "$T/out"; then ok "$2"; else bad "$2: no '$1' in output"; sed 's/^/     /' "$T/out" | head -20; fi
}
gen() { name=$1; shift; "$DKGEN" "$T/$name" --force --dtb 0x101000 "$@" >/dev/null || { bad "dkgen $*"; }; }

gen full.dmp --type 1
gen full2.dmp --type 1
gen dtb.dmp --type 1 --dtb 0x102000
gen runs3.dmp --type 1 --runs 0:16,0x100:32,0x200:8
gen tri.dmp --type 4 --arch arm64
gen trunc.dmp --type 1 --truncate 0x4000
gen bmp.dmp --type 5 --arch x86

# version and help
expect 0 "--version" "$DMPKIT" --version
has "^dmpkit [0-9]" "--version prints the version"
expect 0 "--help" "$DMPKIT" --help
has "Usage: dmpkit" "--help prints usage"
for c in check info diff; do
	expect 0 "help $c" "$DMPKIT" help $c
	has "Usage: dmpkit $c" "help $c prints its usage"
	expect 0 "$c --help" "$DMPKIT" $c --help
	has "Usage: dmpkit $c" "$c --help prints its usage"
done
expect 2 "no arguments" "$DMPKIT"
expect 2 "unknown command" "$DMPKIT" frobnicate
has "unknown command" "unknown command is named"
expect 2 "help for an unknown command" "$DMPKIT" help frobnicate
expect 2 "unknown option" "$DMPKIT" check --frobnicate "$T/full.dmp"
has "unknown option" "unknown option is named"
expect 2 "info: unknown option" "$DMPKIT" info --nope "$T/full.dmp"
expect 2 "diff: unknown option" "$DMPKIT" diff --nope "$T/full.dmp" "$T/full2.dmp"
expect 2 "check without a file" "$DMPKIT" check
expect 2 "info without a file" "$DMPKIT" info
expect 2 "diff with one file" "$DMPKIT" diff "$T/full.dmp"
expect 2 "check: missing file" "$DMPKIT" check "$T/no-such.dmp"
has "no-such.dmp" "missing file is named"
expect 2 "info: missing file" "$DMPKIT" info "$T/no-such.dmp"
expect 2 "diff: missing file" "$DMPKIT" diff "$T/full.dmp" "$T/no-such.dmp"
expect 2 "info --max-runs takes a number" "$DMPKIT" info --max-runs xyz "$T/full.dmp"

# check
expect 0 "check a good dump" "$DMPKIT" check "$T/full.dmp"
has ": good (0 errors, 0 warnings)" "good verdict"
expect 0 "options after operands" "$DMPKIT" check "$T/full.dmp" --quiet --deep
has "good" "check FILE --quiet --deep"
expect 1 "check a truncated dump" "$DMPKIT" check "$T/trunc.dmp"
has "(pages.missing)" "truncation names pages.missing"
expect 1 "check several files, one bad" "$DMPKIT" check "$T/full.dmp" "$T/tri.dmp" "$T/trunc.dmp" "$T/bmp.dmp"
n=$(grep -c '\.dmp: \(good\|bad\)' "$T/out")
[ "$n" -eq 4 ] && ok "four verdicts for four files" || bad "four verdicts for four files (got $n)"
expect 0 "check several good files" "$DMPKIT" check --quiet "$T/full.dmp" "$T/tri.dmp" "$T/bmp.dmp"
expect 2 "check: a missing file among good ones" "$DMPKIT" check "$T/full.dmp" "$T/no-such.dmp"
has "full.dmp: good" "the good file is still checked"
printf 'MDMP\223\247\0\0' >"$T/mdmp.bin"
expect 1 "check a minidump" "$DMPKIT" check "$T/mdmp.bin"
has "minidump" "minidump is recognised"
: >"$T/empty.bin"
expect 1 "check an empty file" "$DMPKIT" check "$T/empty.bin"
expect 1 "info of an empty file" "$DMPKIT" info "$T/empty.bin"
expect 2 "diff with an empty file" "$DMPKIT" diff "$T/full.dmp" "$T/empty.bin"

HAVE_PY=0
if command -v python3 >/dev/null 2>&1; then HAVE_PY=1; fi
json_ok() { # json_ok DESCRIPTION: $T/out is valid JSON
	if [ $HAVE_PY -eq 1 ]; then
		if python3 -m json.tool "$T/stdout" >/dev/null 2>&1; then ok "$1 is valid JSON"; else bad "$1 is not valid JSON"; head -c 600 "$T/stdout"; fi
	else
		printf 'skip %s (no python3)\n' "$1"
	fi
}
expect 1 "check --json" "$DMPKIT" check --json "$T/full.dmp" "$T/trunc.dmp" "$T/tri.dmp"
json_ok "check --json"
has '"id": *"pages.missing"' "check --json carries finding ids"
has '"verdict": *"bad"' "check --json carries the verdict"
expect 2 "check --json with an unreadable file" "$DMPKIT" check --json "$T/full.dmp" "$T/no-such.dmp"
json_ok "check --json with an unreadable file"
has '"unreadable"' "unreadable file in JSON"
if [ $HAVE_PY -eq 1 ]; then
	"$DMPKIT" check --json "$T/full.dmp" "$T/trunc.dmp" >"$T/out" 2>/dev/null
	python3 - "$T/out" <<'PY' && ok "check --json structure" || bad "check --json structure"
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list) and len(d) == 2
assert d[0]["verdict"] == "good" and d[0]["findings"] == []
assert d[1]["verdict"] == "bad"
f = [x for x in d[1]["findings"] if x["id"] == "pages.missing"][0]
assert f["severity"] == "error" and f["message"]
PY
fi

# info
expect 0 "info" "$DMPKIT" info "$T/full.dmp"
has "DirectoryTableBase" "info names DirectoryTableBase"
has "KMODE_EXCEPTION_NOT_HANDLED" "info explains the bugcheck"
expect 0 "info --json" "$DMPKIT" info --json "$T/full.dmp"
json_ok "info --json"
for k in '"dump_type"' '"bugcheck_code"' '"bugcheck_name"' '"DirectoryTableBase"' '"physical_memory_runs"' '"context"' '"exception"'; do
	has "$k" "info --json has $k"
done
has "KMODE_EXCEPTION_NOT_HANDLED" "info --json has the bugcheck name"
if [ $HAVE_PY -eq 1 ]; then
	"$DMPKIT" info --json "$T/full.dmp" >"$T/out" 2>/dev/null
	python3 - "$T/out" <<'PY' && ok "info --json values" || bad "info --json values"
import json, sys
def num(v): return int(v, 0) if isinstance(v, str) else v
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert s["bits"] == 64 and s["dump_type"] == 1 and s["build"] == 19041 and s["processors"] == 4, s
assert s["bugcheck_name"] == "KMODE_EXCEPTION_NOT_HANDLED", s
assert num(s["bugcheck_code"]) == 0x1E and num(s["bugcheck_parameters"][0]) == 0xC0000005, s
assert num(s["stored_pages"]) == 48 and num(s["available_pages"]) == 48, s
assert num(s["first_page_offset"]) == 0x2000, s
runs = d["physical_memory_runs"]
assert [(num(r["base_page"]), num(r["page_count"])) for r in runs] == [(0, 16), (256, 32)], runs
PY
	"$DMPKIT" info --json "$T/tri.dmp" >"$T/out" 2>/dev/null
	python3 - "$T/out" <<'PY' && ok "info --json triage" || bad "info --json triage"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["triage"]
assert t["valid_marker"] is True
assert t["drivers"][0]["name"] == "\\SystemRoot\\system32\\ntoskrnl.exe", t["drivers"][0]
assert len(t["drivers"]) == 3 and len(t["data_blocks"]) == 2
PY
fi
expect 0 "info of a triage dump" "$DMPKIT" info "$T/tri.dmp"
has "ntoskrnl.exe" "info lists the drivers"
expect 0 "info --all --max-runs 1" "$DMPKIT" info "$T/runs3.dmp" --all --max-runs 1

# diff
expect 0 "diff of the same file" "$DMPKIT" diff "$T/full.dmp" "$T/full.dmp"
expect 0 "diff of identical dumps" "$DMPKIT" diff "$T/full.dmp" "$T/full2.dmp"
expect 1 "diff of dumps that differ in DirectoryTableBase" "$DMPKIT" diff "$T/full.dmp" "$T/dtb.dmp"
has "DirectoryTableBase" "diff names DirectoryTableBase"
has "0x0000000000101000" "diff shows the old value"
has "0x0000000000102000" "diff shows the new value"
n=$(grep -c '@0x' "$T/out")
[ "$n" -eq 1 ] && ok "diff reports only the difference" || bad "diff reports only the difference ($n lines)"
has "^1 difference" "diff counts one difference"
expect 1 "diff --json" "$DMPKIT" diff --json "$T/full.dmp" "$T/dtb.dmp"
json_ok "diff --json"
has '"DirectoryTableBase"' "diff --json names the field"
expect 1 "diff: a run added" "$DMPKIT" diff "$T/full.dmp" "$T/runs3.dmp"
has "run_added\|added\|Run\[2\]" "diff reports the added run"
expect 1 "diff --json: a run added" "$DMPKIT" diff --json "$T/full.dmp" "$T/runs3.dmp"
has '"run_added"' "diff --json kind run_added"
expect 1 "diff --json: a run removed" "$DMPKIT" diff --json "$T/runs3.dmp" "$T/full.dmp"
has '"run_removed"' "diff --json kind run_removed"
expect 1 "diff: options after operands" "$DMPKIT" diff "$T/full.dmp" "$T/dtb.dmp" --all
expect 1 "diff of different dump types" "$DMPKIT" diff "$T/full.dmp" "$T/tri.dmp"

# nothing depends on the current directory
(cd / && "$DMPKIT" check --quiet "$T/full.dmp" >/dev/null 2>&1) && ok "runs from /" || bad "runs from /"

if [ $fails -ne 0 ]; then
	printf '%d CLI checks failed\n' "$fails"
	exit 1
fi
printf 'all CLI checks passed\n'
