#!/bin/sh
# SPDX-License-Identifier: MIT
# bug_guest.sh IRQRR GUEST PREDICATE [IRQRR OPTION...]: record a buggy built-in guest under the
# watchdog, then on its trace: bisect finds the event where the bug shows
# (checked per guest against the recorded events and the hang report),
# reduce writes a short script that `irqrr chips` runs and whose recording
# still satisfies the predicate, export and plot give valid files.
. "$(dirname "$0")/common.sh"
guest=$2 pred=$3
shift 3
t=$tmp/t.irqrr
"$irqrr" record -o "$t" --guest "$guest" --hang-timeout 2 --timeout 20 \
	--report "$tmp/r.txt" "$@" >"$tmp/out" 2>"$tmp/err"
status=$?
[ $status -eq 4 ] || { cat "$tmp/err"; fail "$guest: record exit status $status, expected 4 (hang)"; }
grep STUCK "$tmp/r.txt"

"$irqrr" bisect "$t" --until "$pred" >"$tmp/b" 2>&1 || { cat "$tmp/b"; fail "bisect $pred: exit $?"; }
sed -n '1,3p' "$tmp/b"
hit=$(sed -n 's/^first hit of .*: event \([0-9]*\) .*/\1/p' "$tmp/b")
since=$(sed -n 's/.* since t=\([0-9]*\) ns: .*/\1/p' "$tmp/b")
[ -n "$hit" ] && [ -n "$since" ] || fail "no hit event / since time in the bisect output"
# keyframe skips (the default) give the exact scan's answer, word for word
"$irqrr" bisect "$t" --until "$pred" --linear >"$tmp/bl" 2>&1 || fail "bisect --linear $pred: exit $?"
cmp -s "$tmp/b" "$tmp/bl" || { diff "$tmp/b" "$tmp/bl" | head; fail "bisect and bisect --linear differ"; }
"$irqrr" bisect "$t" --until "$pred" --stats | tail -n 1
"$irqrr" dump "$t" >"$tmp/dump" || fail "dump"
# the recorded events at the time the condition started
at_since() { awk -v t="$since" '{ split($2, a, "."); if (a[1] * 1000000000 + a[2] == t) print }' "$tmp/dump"; }
# the report's "since event N" (the recorder's own diagnosis, independent of bisect)
report_event=$(sed -n 's/.*STUCK.*[ (]\(since\|seen at\) event \([0-9]*\).*/\2/p' "$tmp/r.txt" | head -1)
case $guest in
bug-noeoi)
	# the ISR bit set by the INTACK of IRQ10 (slave base 0x28 + 2) is never cleared
	at_since | grep -q "intack     cpu=0 vector=0x2a" || fail "ISR not set by the INTACK of 0x2a at t=$since"
	at_since | grep -q "^ *$report_event " || fail "since t=$since is not the report's event $report_event"
	grep -q "^pic slave: irr=0x04 isr=0x04 " "$tmp/b" || fail "slave ISR bit 2 not set at the hit"
	;;
bug-vector)
	# the level message of vector 0x50 from pin 11 sets remote IRR; its EOI never clears it
	at_since | grep -q "apic       dest=0x0 vector=0x50 mode=fixed trigger=level .* pin=11" ||
		fail "remote IRR not set by the level message of 0x50 at t=$since"
	at_since | grep -q "^ *$report_event " || fail "since t=$since is not the report's event $report_event"
	grep -q "^pin 11: .* level high masked=0 irr=1 line=1 " "$tmp/b" || fail "pin 11 remote IRR not set at the hit"
	;;
bug-lvt0)
	# the PIC requests (INT high, IRR bit 0) after LVT0 was masked: nobody runs the INTACK
	at_since | grep -q "wire       wire=pic.int level=1" || fail "no PIC INT rise at t=$since"
	# KVM says nothing when LVT0 is written: the recorder reads it at the
	# INT rise, so the masking is recorded just after the rise it hides
	rise=$(at_since | grep "wire=pic.int level=1" | awk '{print $1}' | head -1)
	lvt=$(awk -v a="$rise" -v b="$hit" '$1 > a && $1 <= b && /lvt        cpu=0 pin=0 value=0x10700/ {print $1; exit}' "$tmp/dump")
	[ -n "$lvt" ] || fail "no LVT0 masking recorded between the INT rise $rise and the hit $hit"
	[ "$lvt" = "$report_event" ] || fail "masking at event $lvt, the report says $report_event"
	awk -v a="$rise" -v b="$hit" '$1 > a && $1 <= b && / intack /' "$tmp/dump" | grep -q . &&
		fail "an INTACK between the INT rise and the hit"
	grep -q "^cpu 0: lvt0=0x10700 " "$tmp/b" || fail "LVT0 not masked at the hit"
	grep -q "^pic master: irr=0x01 .* int=1$" "$tmp/b" || fail "master IRR0/INT not high at the hit"
	;;
*) fail "unknown guest $guest" ;;
esac
echo "bisect: event $hit, condition since t=$since (report: event $report_event)"

"$irqrr" reduce "$t" --until "$pred" -o "$tmp/min.script" >"$tmp/red" 2>&1 || { cat "$tmp/red"; fail "reduce"; }
cat "$tmp/red"
cat "$tmp/min.script"
# a recording starts at power-on (the CMOS bytes the recorder fills in are
# configuration, carried as `cmos` lines), so no "ring mode" caveat
grep -q 'did not (ring mode)' "$tmp/min.script" && fail "reduce says the recording does not start at power-on"
n=$(grep -cv '^\(#\|board \|cmos \|$\)' "$tmp/min.script")
[ "$n" -ge 1 ] && [ "$n" -le 30 ] || fail "reduced script has $n command lines (expected 1..30)"
"$irqrr" chips "$tmp/min.script" >"$tmp/chips.out" || fail "irqrr chips min.script"
"$irqrr" chips --record "$tmp/min.irqrr" "$tmp/min.script" >/dev/null || fail "chips --record"
"$irqrr" bisect "$tmp/min.irqrr" --until "$pred" >"$tmp/b2" || { cat "$tmp/b2"; fail "the reduced script does not satisfy $pred"; }
head -1 "$tmp/b2"

check_export_plot "$t"
echo "PASS: $guest: bisect, reduce ($n commands), chips, export, plot"
