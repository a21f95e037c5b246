#!/bin/sh
# dmpkit tests — the kernel list commands (lm, ps, threads, cpus, ln): exit
# codes, help, options before or after operands, JSON, on the real triage
# dump (when the corpus is there) and on a kgen image (when kgen is built).
# Usage: klists_cli.sh DMPKIT KGEN|"" SCRATCHDIR CORPUSDIR
# SPDX-License-Identifier: MIT
set -u
DMPKIT=$1
KGEN=$2
T=$3
CORPUS=$4
rm -rf "$T" && mkdir -p "$T" && T=$(cd "$T" && pwd) || exit 2
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
expect() {
	want=$1; what=$2; shift 2
	"$@" >"$T/stdout" 2>"$T/stderr"
	rc=$?
	cat "$T/stdout" "$T/stderr" >"$T/out"
	if [ "$rc" -eq "$want" ]; then ok "$what"; else bad "$what: exit $rc, expected $want"; sed 's/^/     /' "$T/out" | head -20; fi
}
has() {
	if grep -q -- "$1" "$T/out"; then ok "$2"; else bad "$2: no '$1' in output"; sed 's/^/     /' "$T/out" | head -20; fi
}
json_ok() { # the last command's stdout parses as JSON (when python3 is there)
	if command -v python3 >/dev/null 2>&1; then
		if python3 -m json.tool "$T/stdout" >/dev/null 2>&1; then ok "$1: valid JSON"; else bad "$1: invalid JSON"; head -c 600 "$T/stdout"; fi
	fi
}

for c in lm ps threads cpus ln; do
	expect 0 "help $c" "$DMPKIT" help $c
	has "Usage: dmpkit $c" "help $c prints usage"
	expect 0 "$c --help" "$DMPKIT" $c --help
	expect 2 "$c without FILE" "$DMPKIT" $c
	expect 2 "$c on a missing file" "$DMPKIT" $c "$T/nonexistent.dmp"
done
expect 2 "ln with a bad address" "$DMPKIT" ln "$T/x.dmp" zzz
expect 2 "lm with an unknown option" "$DMPKIT" lm --bogus "$T/x.dmp"
printf 'not a dump at all, just text\n' >"$T/text.dmp"
expect 1 "lm on a non-dump" "$DMPKIT" lm "$T/text.dmp"

TRI=$CORPUS/kernel/triage-arm64-22000.dmp
if [ -f "$TRI" ]; then
	expect 0 "lm triage" "$DMPKIT" lm "$TRI"
	has "^fffff803f2e00000 fffff803f3e3e000 0103e000 df291b09 00a892fc ntoskrnl.exe" "lm: ntoskrnl first"
	has "^245 modules" "lm: 245 drivers"
	expect 0 "lm --json triage (option after)" "$DMPKIT" lm "$TRI" --json
	json_ok "lm --json"
	has '"count": *245' "lm --json count"
	expect 0 "ps triage" "$DMPKIT" ps "$TRI"
	has "Image: System" "ps: the current process is System"
	has "Cid: 0004" "ps: PID 4"
	expect 0 "ps --json triage" "$DMPKIT" ps --json "$TRI"
	json_ok "ps --json"
	expect 0 "threads triage" "$DMPKIT" threads "$TRI"
	has "THREAD ffffbb8eb1719180  Cid 0004.0848" "threads: the current thread"
	expect 0 "threads triage System" "$DMPKIT" threads "$TRI" System
	expect 0 "threads triage 4" "$DMPKIT" threads "$TRI" 4
	expect 1 "threads triage no such process" "$DMPKIT" threads "$TRI" nosuch.exe
	expect 0 "threads --json triage" "$DMPKIT" threads --json "$TRI"
	json_ok "threads --json"
	expect 0 "cpus triage" "$DMPKIT" cpus "$TRI"
	has "CurrentThread: ffffbb8eb1719180" "cpus: the PRCB's current thread"
	expect 0 "cpus --json triage" "$DMPKIT" cpus --json "$TRI"
	json_ok "cpus --json"
	expect 0 "ln bugcheck P2" "$DMPKIT" ln "$TRI" 0xFFFFF803F3A20860
	has "fffff803f3a20860  nt+0xc20860" "ln: nt+0xc20860"
	expect 0 "ln backtick form" "$DMPKIT" ln "$TRI" 'fffff803`f3a20860'
	has "nt+0xc20860" "ln: backtick form"
	expect 0 "ln --json" "$DMPKIT" ln --json "$TRI" 0xFFFFF803F3A20860
	json_ok "ln --json"
	has '"module": *"nt"' "ln --json module nt"
	expect 1 "ln outside every module" "$DMPKIT" ln "$TRI" 0x1234
else
	ok "triage dump absent: skipped"
fi

if [ -n "$KGEN" ] && [ -x "$KGEN" ]; then
	"$KGEN" "$T/k.dmp" --profile w10_x64 --print-layout --force >"$T/k.layout" || bad "kgen"
	expect 0 "lm kgen" "$DMPKIT" lm "$T/k.dmp"
	has "ntoskrnl.exe" "lm kgen: ntoskrnl"
	expect 0 "ps kgen" "$DMPKIT" ps "$T/k.dmp"
	name=$(sed -n 's/^process1_name //p' "$T/k.layout")
	has "Image: $name" "ps kgen: $name"
	expect 0 "threads kgen $name" "$DMPKIT" threads "$T/k.dmp" "$name"
	has "User modules of $name" "threads kgen: user modules"
	has "ntdll!" "threads kgen: a user start address named from ntdll's exports"
	expect 0 "cpus kgen" "$DMPKIT" cpus "$T/k.dmp"
	has "registers from memory" "cpus kgen: registers"
	ea=$(sed -n 's/^export1_address //p' "$T/k.layout")
	en=$(sed -n 's/^export1_name //p' "$T/k.layout")
	expect 0 "ln kgen export" "$DMPKIT" ln "$T/k.dmp" "$ea"
	has "nt!$en" "ln kgen: nt!$en"
	for c in lm ps threads cpus; do
		expect 0 "$c --json kgen" "$DMPKIT" $c --json "$T/k.dmp"
		json_ok "$c --json kgen"
	done
else
	ok "kgen absent: skipped"
fi

if [ "$fails" -ne 0 ]; then
	printf '%d failures\n' "$fails"
	exit 1
fi
printf 'all passed\n'
