#!/bin/sh
# SPDX-License-Identifier: MIT
# record --fault SPEC (issue 16 item 4, docs/faults.md): a fault injected
# into a real guest's chips makes it hang or lose an interrupt; the hang is
# caught by the watchdog, the trace names the fault (header, a mark at its
# firing), replays identical (the fault rides in the keyframes) and
# `irqrr explain` names it. Holds on kvm_pvm and on a real KVM (the
# faults chosen do not depend on when the local APIC sends its EOIs).
. "$(dirname "$0")/lib.sh"

# a bad spec: one line, exit 2
"$irqrr" record -o "$tmp/x.irqrr" --fault eoi-drop:pin=99 2>"$tmp/err"
[ $? -eq 2 ] || fail "--fault eoi-drop:pin=99 must be refused"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "pin must be 0..23" "$tmp/err" || { cat "$tmp/err"; fail "bad spec message"; }

# replay identical, the header and the firing mark; $1 trace, $2 canonical spec
check_trace() {
	"$irqrr" replay "$1" >"$tmp/replay" || { cat "$tmp/replay"; fail "$2: replay exit $?"; }
	head -n 1 "$tmp/replay" | grep -q "^identical" || { cat "$tmp/replay"; fail "$2: replay not identical"; }
	"$irqrr" info "$1" | grep -q "^  fault = $2\$" || fail "$2: not in the trace header"
	"$irqrr" dump "$1" --kind mark | grep -q "text=\"fault: --fault $2: " || fail "$2: no firing mark in dump"
	"$irqrr" explain --json "$1" >"$tmp/e.json" || fail "$2: explain"
}

# 1. The IOAPIC's pin 2 masked behind the guest's back after its 100th
# message: demo waits for PIT ticks in hlt forever; the watchdog reports it.
spec=rte-mask:pin=2,nth=100
"$irqrr" record -o "$tmp/d.irqrr" --fault $spec --hang-timeout 2 --timeout 60 \
	--report-json "$tmp/r.json" >/dev/null 2>"$tmp/err"
st=$?
[ $st -eq 4 ] || { cat "$tmp/err"; fail "$spec: exit $st, expected 4 (hang)"; }
grep -q "by --fault $spec" "$tmp/err" || { cat "$tmp/err"; fail "$spec: the hang report does not name the fault"; }
check_trace "$tmp/d.irqrr" $spec
python3 - "$tmp/e.json" "$spec" <<'PY' || fail "$spec: explain does not name the fault"
import json, sys
e, spec = json.load(open(sys.argv[1])), sys.argv[2]
line0 = [x for x in e["diagnosis"] if x["line"] == 0]
assert line0 and "masked behind the guest's back" in line0[0]["text"] and spec in line0[0]["text"], e
assert e["faults"][0]["fired"] and spec in e["faults"][0]["text"], e
PY

# 2. The first EOI of ioapic-level's level pin 11 dropped: remote IRR stays
# set, the line held high is not re-delivered (the guest's check fails).
spec=eoi-drop:pin=11,nth=1
"$irqrr" record -o "$tmp/l.irqrr" --guest ioapic-level --fault $spec --timeout 60 >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st -eq 3 ] || { cat "$tmp/out" "$tmp/err"; fail "$spec: exit $st, expected 3 (a check failed)"; }
grep -q "^FAIL: level re-delivered while line high (1 deliveries" "$tmp/out" || { cat "$tmp/out"; fail "$spec: no lost re-delivery"; }
check_trace "$tmp/l.irqrr" $spec
grep -q '"fired": true, "text": "--fault eoi-drop:pin=11,nth=1: EOI #1 (vector 0x50) of pin 11 dropped' "$tmp/e.json" ||
	{ cat "$tmp/e.json"; fail "$spec: explain"; }

# 3. PIT channel 0 stopped after 200 ticks: demo's first phase waits forever.
spec=pit-stop:after=200
"$irqrr" record -o "$tmp/p.irqrr" --fault $spec --hang-timeout 2 --timeout 60 >/dev/null 2>"$tmp/err"
st=$?
[ $st -eq 4 ] || { cat "$tmp/err"; fail "$spec: exit $st, expected 4 (hang)"; }
check_trace "$tmp/p.irqrr" $spec
grep -q "PIT channel 0 stopped at t=" "$tmp/e.json" || { cat "$tmp/e.json"; fail "$spec: explain"; }
last=$("$irqrr" info "$tmp/p.irqrr" | sed -n "s/^events: *\([0-9]*\).*/\1/p")
"$irqrr" state "$tmp/p.irqrr" --at $((last - 1)) | grep -q "ch0: .* gate=0 " || fail "$spec: channel 0's GATE is not low at the end"
echo "PASS: --fault"
