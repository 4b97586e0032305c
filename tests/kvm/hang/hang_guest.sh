#!/bin/sh
# SPDX-License-Identifier: MIT
# hang_guest.sh IRQRR GUEST LINE CAUSE [IRQRR OPTION...]: record a buggy
# guest under the watchdog; expect exit 4, a text report naming the stuck
# line, a JSON report whose stuck finding has that line and cause, and a
# trace that replays identical (with the hang marks in it).
# CAUSE may be REAL/EOI_AT_INJECTION: the cause expected on a KVM with a
# real local APIC, and the one expected where the guest saw its LAPIC EOI at
# injection (kvm_pvm; bug-noeoi prints which it saw, docs/recorder.md).
. "$(dirname "$0")/common.sh"
guest=$2 line=$3 cause=$4
shift 4
"$irqrr" record -o "$tmp/t.irqrr" --guest "$guest" --hang-timeout 2 --timeout 20 \
	--report "$tmp/r.txt" --report-json "$tmp/r.json" "$@" >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/err"
case $cause in
*/*)
	if grep -q "this LAPIC EOIs at injection" "$tmp/out"; then
		echo "host KVM property: the LAPIC EOIs at injection (remote IRR cleared without a guest EOI)"
		cause=${cause#*/}
	else
		echo "host KVM property: a real local APIC (remote IRR stays set without a guest EOI)"
		cause=${cause%/*}
	fi ;;
esac
[ $status -eq 4 ] || fail "$guest: exit status $status, expected 4 (hang)"
grep -q "^irqrr: hang: no guest progress" "$tmp/err" || fail "no watchdog line on stderr"
cat "$tmp/r.txt"
grep -q "^  STUCK line $line: " "$tmp/r.txt" || fail "text report does not name line $line as stuck"
grep -q "^  => " "$tmp/r.txt" || fail "no disassembly at RIP"
grep -q "^  stack ([0-9]* words from rsp up):" "$tmp/r.txt" || fail "no stack words in the text report"
python3 - "$tmp/r.json" "$line" "$cause" <<'PY' || fail "JSON report check"
import json, sys
d = json.load(open(sys.argv[1]))
line, causes = int(sys.argv[2]), sys.argv[3].split("|")
assert d["cause"] == "watchdog", d["cause"]
stuck = [x for x in d["diagnosis"] if x["stuck"]]
assert any(x["line"] == line and x["cause"] in causes for x in stuck), stuck
assert all(isinstance(x["since_event"], int) for x in stuck if x["cause"] != "ioapic_masked")
cpu = d["cpus"][0]
assert cpu["valid"] and cpu["mode"] == "long64", cpu
assert cpu["mp_state"] == "halted" and cpu["if"] == 1, cpu
assert [c for c in cpu["code"] if c["current"] and c["addr"] == cpu["regs"]["rip"]], cpu["code"]
# the built-in guests run from 1 MiB: their call chain's return addresses
# (the entry stub's call of main at least) are on the stack
assert any(0x100000 <= w < 0x200000 for w in cpu["stack"]), [hex(w) for w in cpu["stack"]]
ln = [l for l in d["lines"] if l["line"] == line]
assert ln and ln[0]["pending"], d["lines"]
assert d["last_events"] and d["guest"] + ":" in d["console_tail"], "no events or console tail"
assert len(d["pic"]) == 2 and len(d["ioapic"]) == 24 and len(d["pit"]) == 3
print("json ok:", [x["text"] for x in stuck])
PY
"$irqrr" replay "$tmp/t.irqrr" >"$tmp/replay" 2>&1 || { cat "$tmp/replay"; fail "replay of the hung trace"; }
cat "$tmp/replay"
grep -q "^identical" "$tmp/replay" || fail "replay did not say identical"
"$irqrr" dump "$tmp/t.irqrr" | grep -q "hang (watchdog): line $line" || fail "no hang mark in the trace"
echo "PASS: $guest: watchdog, line $line ($cause), replay identical"
