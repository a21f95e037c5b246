#!/bin/sh
# dmpkit analyze --summary tests.
# usage: summary_test.sh DMPKIT DKGEN KGEN DATA_DIR CORPUS_DIR TMP_DIR
set -u
DMPKIT=$1 DKGEN=$2 KGEN=$3 DATA=$4 CORPUS=$5 T=$6
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$T" && mkdir -p "$T/dir/sub" || exit 1

# inputs: the test minidumps (twice: same crash, same bucket), dkgen and
# kgen kernel dumps, a damaged minidump, a non-dump
cp "$DATA/md-breakpad-null_read_av.dmp" "$T/a.dmp"
cp "$DATA/md-breakpad-null_read_av.dmp" "$T/dir/sub/a-copy.dmp"
cp "$DATA/md-invalid-parameter.dmp" "$T/dir/b.dmp"
"$DKGEN" "$T/k1.dmp" --bugcheck 0x1e,0xc0000005,0x1000,0,0 >/dev/null || fail "dkgen"
"$DKGEN" "$T/k2.dmp" --arch x86 --bugcheck 0xd1,0x10,2,0,0x80001234 >/dev/null || fail "dkgen x86"
"$KGEN" "$T/kw10.dmp" --profile w10_x64 >/dev/null || fail "kgen w10_x64"
"$KGEN" "$T/kw2003.dmp" --profile w2003_x86 >/dev/null || fail "kgen w2003_x86"
head -c 20 "$DATA/md-breakpad-null_read_av.dmp" >"$T/damaged.dmp"   # inside the header
echo "not a dump" >"$T/dir/notes.txt"
ln -s "$T/a.dmp" "$T/dir/link.dmp" 2>/dev/null || true   # skipped inside DIR

FILES="$T/a.dmp $T/k1.dmp $T/k2.dmp $T/kw10.dmp $T/kw2003.dmp $T/damaged.dmp $T/dir $DATA/md-invalid-parameter.dmp"
# expected files in order: DIR expands sorted, recursively, regular files only
EXPECT="$T/a.dmp
$T/k1.dmp
$T/k2.dmp
$T/kw10.dmp
$T/kw2003.dmp
$T/damaged.dmp
$T/dir/b.dmp
$T/dir/notes.txt
$T/dir/sub/a-copy.dmp
$DATA/md-invalid-parameter.dmp"

# shellcheck disable=SC2086
DMPKIT_SUMMARY_JOBS=2 "$DMPKIT" analyze --summary $FILES >"$T/out2.jsonl" 2>"$T/err2"
rc=$?
[ $rc -eq 1 ] || fail "exit code $rc with a damaged file and a non-dump (want 1)"
# shellcheck disable=SC2086
DMPKIT_SUMMARY_JOBS=1 "$DMPKIT" analyze $FILES --summary >"$T/out1.jsonl" 2>"$T/err1"
rc=$?
[ $rc -eq 1 ] || fail "exit code $rc with one worker (want 1)"
cmp -s "$T/out1.jsonl" "$T/out2.jsonl" || fail "1 and 2 workers print different lines"
# shellcheck disable=SC2086
DMPKIT_SUMMARY_JOBS=5 "$DMPKIT" analyze --summary $FILES >"$T/out5.jsonl" 2>/dev/null
cmp -s "$T/out1.jsonl" "$T/out5.jsonl" || fail "1 and 5 workers print different lines"

n=$(wc -l <"$T/out2.jsonl")
[ "$n" -eq 10 ] || fail "$n lines, want 10"
sed -n 's/^{"file":"\([^"]*\)".*/\1/p' "$T/out2.jsonl" >"$T/files.txt"
printf '%s\n' "$EXPECT" | cmp -s - "$T/files.txt" || { fail "file order"; cat "$T/files.txt"; }

line() { grep -F "\"file\":\"$1\"" "$T/out2.jsonl"; }
field() { # field NAME LINE: a string/null value
	printf '%s\n' "$2" | sed -n "s/.*\"$1\":\\(\"[^\"]*\"\\|null\\|true\\|false\\).*/\\1/p"
}
ba=$(field bucket "$(line "$T/a.dmp")")
bc=$(field bucket "$(line "$T/dir/sub/a-copy.dmp")")
bb=$(field bucket "$(line "$T/dir/b.dmp")")
case $ba in \"[0-9a-f]*\") ;; *) fail "bucket of a.dmp: $ba" ;; esac
[ "$ba" = "$bc" ] || fail "a copy has another bucket: $ba $bc"
[ "$ba" != "$bb" ] || fail "different crashes share bucket $ba"
[ "$(field kind "$(line "$T/a.dmp")")" = '"minidump"' ] || fail "a.dmp kind"
[ "$(field module "$(line "$T/a.dmp")")" = '"crashme.exe"' ] || fail "a.dmp module"
[ "$(field symbol "$(line "$T/a.dmp")")" = '"crashme.exe+0xa6cd"' ] || fail "a.dmp symbol"
[ "$(field exception_code "$(line "$T/a.dmp")")" = '"0xc0000005"' ] || fail "a.dmp exception"
[ "$(field error "$(line "$T/a.dmp")")" = null ] || fail "a.dmp error"
k1=$(line "$T/k1.dmp")
[ "$(field kind "$k1")" = '"kernel_dump"' ] || fail "k1 kind"
[ "$(field bugcheck_code "$k1")" = '"0x1e"' ] || fail "k1 bugcheck"
[ "$(field bugcheck_name "$k1")" = '"KMODE_EXCEPTION_NOT_HANDLED"' ] || fail "k1 name"
[ "$(field bugcheck_name "$(line "$T/k2.dmp")")" = '"DRIVER_IRQL_NOT_LESS_OR_EQUAL"' ] || fail "k2 name"
kw=$(line "$T/kw10.dmp")
[ "$(field kind "$kw")" = '"kernel_dump"' ] || fail "kgen kind"
[ "$(field bugcheck_code "$kw")" = '"0x1e"' ] || fail "kgen bugcheck: $kw"
[ "$(field module "$kw")" = '"mydrv.sys"' ] || fail "kgen faulting module: $kw"
case $(field symbol "$kw") in \"mydrv!*) ;; *) fail "kgen symbol: $kw" ;; esac
# issue 5 story 2 (a forced crash; svc.exe's thread in UnhandledExceptionFilter):
# the user-mode exception and its culprit after the raise helpers
for st in service dispatcher service-scan; do
	"$KGEN" "$T/svc-$st.dmp" --profile w2003_x86 --story $st --force >/dev/null || fail "kgen $st"
	sv=$("$DMPKIT" analyze --summary "$T/svc-$st.dmp" 2>/dev/null)
	[ "$(field bugcheck_code "$sv")" = '"0xe2"' ] || fail "$st bugcheck: $sv"
	[ "$(field exception_code "$sv")" = '"0xe06d7363"' ] || fail "$st exception: $sv"
	[ "$(field module "$sv")" = '"svc.exe"' ] || fail "$st module: $sv"
	[ "$(field function "$sv")" = '"_com_raise_error"' ] || fail "$st function: $sv"
	[ "$(field symbol "$sv")" = '"svc!_com_raise_error+0x16"' ] || fail "$st symbol: $sv"
done
[ "$(field kind "$(line "$T/damaged.dmp")")" = '"unreadable"' ] || fail "damaged kind"
[ "$(field bucket "$(line "$T/damaged.dmp")")" = null ] || fail "damaged bucket"
[ "$(field error "$(line "$T/damaged.dmp")")" != null ] || fail "damaged error"
[ "$(field kind "$(line "$T/dir/notes.txt")")" = '"unreadable"' ] || fail "non-dump kind"

if command -v python3 >/dev/null 2>&1; then
	python3 - "$T/out2.jsonl" <<'PY' || fail "JSON"
import json, sys
keys = {"file", "kind", "bucket", "error"}
for n, l in enumerate(open(sys.argv[1]), 1):
    o = json.loads(l)
    assert keys <= set(o), (n, o)
    assert o["kind"] in ("kernel_dump", "minidump", "unreadable"), o
    assert (o["bucket"] is None) == (o["kind"] == "unreadable"), o
PY
fi

# exit 0 when everything was analyzed, 2 on usage errors
"$DMPKIT" analyze --summary "$T/a.dmp" "$T/k1.dmp" "$T/dir/b.dmp" >/dev/null 2>&1
rc=$?; [ $rc -eq 0 ] || fail "exit code $rc on good dumps (want 0)"
"$DMPKIT" analyze --summary >/dev/null 2>&1
rc=$?; [ $rc -eq 2 ] || fail "exit code $rc without operands (want 2)"
"$DMPKIT" analyze --summary --bogus "$T/a.dmp" >/dev/null 2>&1
rc=$?; [ $rc -eq 2 ] || fail "exit code $rc on a bad option (want 2)"
"$DMPKIT" analyze --summary /nonexistent/x.dmp >"$T/none.jsonl" 2>/dev/null
rc=$?; [ $rc -eq 1 ] || fail "exit code $rc on a missing file (want 1)"
grep -q '"kind":"unreadable"' "$T/none.jsonl" || fail "missing file line"

# real dumps: read and write access violations at one instruction differ
U=$CORPUS/user
if [ -f "$U/breakpad-ascii_read_av.dmp" ] && [ -f "$U/breakpad-ascii_write_av.dmp" ]; then
	out=$("$DMPKIT" analyze --summary "$U/breakpad-ascii_read_av.dmp" "$U/breakpad-ascii_write_av.dmp" "$U/breakpad-null_read_av.dmp")
	r=$(printf '%s\n' "$out" | sed -n 1p) w=$(printf '%s\n' "$out" | sed -n 2p) z=$(printf '%s\n' "$out" | sed -n 3p)
	[ "$(field bucket "$r")" != "$(field bucket "$w")" ] || fail "read and write AV share a bucket"
	[ "$(field bucket "$r")" = "$(field bucket "$z")" ] || fail "two read AVs at one instruction differ"
else
	echo "skip: $U not present"
fi
K=$CORPUS/kernel/triage-arm64-22000.dmp
if [ -f "$K" ]; then
	l=$("$DMPKIT" analyze --summary "$K") || fail "triage dump exit code"
	[ "$(field bugcheck_name "$l")" = '"MANUALLY_INITIATED_POWER_BUTTON_HOLD"' ] || fail "triage: $l"
	[ "$(field triage "$l")" = true ] || fail "triage flag: $l"
fi

[ $fails -eq 0 ] && echo "analyze --summary: all passed"
exit $((fails != 0))
