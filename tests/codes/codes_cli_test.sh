#!/bin/sh
# dmpkit error / dmpkit bugcheck: output, exit codes, JSON.
# Usage: codes_cli_test.sh path/to/dmpkit
set -u
D=$1
fails=0
check() { # description, expected exit code, command...
	desc=$1; want=$2; shift 2
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $desc: exit $rc, expected $want"; echo "$out"; fails=$((fails + 1))
	fi
}
contains() { # description, needle, command...
	desc=$1; needle=$2; shift 2
	out=$("$@" 2>&1)
	case $out in
	*"$needle"*) ;;
	*) echo "FAIL: $desc: no '$needle' in:"; echo "$out"; fails=$((fails + 1)) ;;
	esac
}
jsonok() { # description, command...
	desc=$1; shift
	command -v python3 >/dev/null 2>&1 || return 0
	if ! "$@" | python3 -c 'import json,sys; json.load(sys.stdin)' >/dev/null 2>&1; then
		echo "FAIL: $desc: invalid JSON"; fails=$((fails + 1))
	fi
}

check "error known" 0 "$D" error 2
check "error unknown" 1 "$D" error 12345678
check "error no operand" 2 "$D" error
check "error bad number" 2 "$D" error zz
check "error two modes" 2 "$D" error 5 --win32 --hresult
contains "error 2" ERROR_FILE_NOT_FOUND "$D" error 2
contains "error 2 ntstatus" STATUS_WAIT_2 "$D" error 2 --ntstatus
contains "error E_POINTER" E_POINTER "$D" error 80004003
contains "error E_POINTER signed" E_POINTER "$D" error -2147467261
contains "error E_POINTER 0x" E_POINTER "$D" error 0x80004003
contains "error AV" STATUS_ACCESS_VIOLATION "$D" error c0000005
contains "error 0x80070005" E_ACCESSDENIED "$D" error 0x80070005
contains "error 0x80070005 win32" "HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)" "$D" error 0x80070005
contains "error FROM_NT" "HRESULT_FROM_NT(STATUS_ACCESS_DENIED)" "$D" error D0000022
contains "error facility" FACILITY_WIN32 "$D" error 80070002
contains "error decimal" ERROR_SHARING_VIOLATION "$D" error 0n32
check "error --hresult only" 1 "$D" error 2 --hresult
jsonok "error json" "$D" error 80070005 --json
jsonok "error json unknown" "$D" error 12345678 --json

check "bugcheck known" 0 "$D" bugcheck 1e c0000005 80112bf0 0 1d
check "bugcheck unknown" 1 "$D" bugcheck 0x7777
check "bugcheck named, not explained" 0 "$D" bugcheck 2
check "bugcheck no operand" 2 "$D" bugcheck
check "bugcheck too many" 2 "$D" bugcheck 1 2 3 4 5 6
check "bugcheck bad number" 2 "$D" bugcheck 1e zz
contains "bugcheck name" KMODE_EXCEPTION_NOT_HANDLED "$D" bugcheck 1e c0000005 80112bf0 0 1d
contains "bugcheck status" STATUS_ACCESS_VIOLATION "$D" bugcheck 1e c0000005 80112bf0 0 1d
contains "bugcheck address" 0x80112bf0 "$D" bugcheck 1e c0000005 80112bf0 0 1d
contains "bugcheck read" "read (0) of address 0x1d" "$D" bugcheck 1e c0000005 80112bf0 0 1d
contains "bugcheck padded" "read (0) of address 0x1d" "$D" bugcheck 0000001e c0000005 80112bf0 00000000 0000001d
contains "bugcheck backtick" "0xfffff8047c62a390" "$D" bugcheck 0xd1 0 2 0 fffff804\`7c62a390
contains "bugcheck irql" DISPATCH_LEVEL "$D" bugcheck d1 10 2 1 fffff8047c62a390
contains "bugcheck subcode" "double fault" "$D" bugcheck 7f 8 0 0 0
contains "bugcheck fast fail" FAST_FAIL_CORRUPT_LIST_ENTRY "$D" bugcheck 139 3 0 0 0
contains "bugcheck sub-code list" "Sub-codes" "$D" bugcheck 1a
jsonok "bugcheck json" "$D" bugcheck 1e c0000005 80112bf0 0 1d --json
jsonok "bugcheck json no params" "$D" bugcheck c2 --json
jsonok "bugcheck json unknown" "$D" bugcheck 7777 1 2 --json

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"; exit 1
fi
echo "all passed"
