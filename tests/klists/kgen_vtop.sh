#!/bin/sh
# dmpkit vtop against kgen's own page tables: for every translation kgen
# prints (--print-layout xlateI_*), the state and physical address must be
# the same, for every profile (x86 2-level, PAE, x64 Win7, x64 Win10).
# Usage: kgen_vtop.sh DMPKIT KGEN TMPDIR
set -u
DMPKIT=$1 KGEN=$2 TMP=$3
mkdir -p "$TMP"
pass=0 fail=0
for p in w2003_x86 w7_x86_pae w7_x64 w10_x64; do
	img=$TMP/$p.dmp
	"$KGEN" "$img" --force --profile "$p" --print-layout >"$TMP/$p.layout" || { echo "FAIL: kgen $p"; fail=$((fail + 1)); continue; }
	n=$(sed -n 's/^xlate_count //p' "$TMP/$p.layout")
	n=$((n))
	i=0
	while [ $i -lt $n ]; do
		get() { sed -n "s/^xlate${i}_$1 //p" "$TMP/$p.layout"; }
		va=$(get va) dtb=$(get dtb) want=$(get state) wpa=$(get pa) what=$(get what)
		out=$("$DMPKIT" vtop "$img" "$va" --dtb "$dtb" --json 2>/dev/null)
		got=$(printf '%s' "$out" | sed -n 's/.*"state":"\([a-z-]*\)".*/\1/p')
		gpa=$(printf '%s' "$out" | sed -n 's/.*"pa":"\(0x[0-9a-f]*\)".*/\1/p')
		# kgen names a valid large-page mapping "large"
		[ "$want" = large ] && want=valid
		ok=1
		[ "$got" = "$want" ] || ok=0
		# kgen's prototype PTE points at a page-file PTE: the walker follows
		# the prototype once and reports where the data really is
		[ "$want" = prototype ] && [ "$got" = pagefile ] && ok=1
		if [ -n "$wpa" ] && [ "$want" = valid -o "$want" = transition ]; then
			[ "$((gpa))" -eq "$((wpa))" ] || ok=0
		fi
		if [ $ok -eq 1 ]; then
			pass=$((pass + 1))
		else
			echo "FAIL: $p xlate$i ($what) va $va dtb $dtb: want $want ${wpa:-}, got $got ${gpa:-}"
			fail=$((fail + 1))
		fi
		i=$((i + 1))
	done
	# --process: a process's own address space, chosen by name and by PID
	name=$(sed -n 's/^process1_name //p' "$TMP/$p.layout")
	pid=$(sed -n 's/^process1_pid //p' "$TMP/$p.layout")
	peb=$(sed -n 's/^process1_peb //p' "$TMP/$p.layout")
	if [ -n "$peb" ] && [ "$((peb))" -ne 0 ]; then
		for spec in "$name" "$pid"; do
			st=$("$DMPKIT" vtop "$img" "$peb" --process "$spec" --json 2>/dev/null |
				sed -n 's/.*"state":"\([a-z-]*\)".*/\1/p')
			if [ "$st" = valid ]; then pass=$((pass + 1)); else
				echo "FAIL: $p vtop --process $spec of the PEB $peb: state '$st'"
				fail=$((fail + 1))
			fi
		done
		"$DMPKIT" vtop "$img" "$peb" --process no-such-process >/dev/null 2>&1
		[ $? -eq 1 ] && pass=$((pass + 1)) || { echo "FAIL: $p unknown process not exit 1"; fail=$((fail + 1)); }
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
