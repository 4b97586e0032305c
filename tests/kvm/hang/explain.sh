#!/bin/sh
# SPDX-License-Identifier: MIT
# The live hang report and `irqrr explain` agree (issue 13): record each
# built-in buggy guest under the watchdog (full trace and flight-recorder
# ring), then explain the trace after its last event; every finding of the
# report about a pending line must be explain's for that line: same cause
# and since, or, for causes that need vCPU registers (if_clear,
# extint_not_ready), explain's offline `undelivered`.
. "$(dirname "$0")/common.sh"
for guest in bug-noeoi bug-lvt0 bug-vector; do
	for mode in file ring; do
		ring=""
		[ "$mode" = ring ] && ring="--ring 0.05"
		# shellcheck disable=SC2086
		"$irqrr" record -o "$tmp/t.irqrr" $ring --guest "$guest" --hang-timeout 2 --timeout 20 \
			--report-json "$tmp/r.json" >/dev/null 2>"$tmp/err"
		st=$?
		[ $st -eq 4 ] || { cat "$tmp/err"; fail "$guest ($mode): exit $st, expected 4"; }
		"$irqrr" explain --json "$tmp/t.irqrr" >"$tmp/e.json" 2>"$tmp/err" || { cat "$tmp/err"; fail "$guest ($mode): explain"; }
		python3 - "$tmp/r.json" "$tmp/e.json" "$guest ($mode)" <<'PY' || fail "$guest ($mode): report and explain disagree"
import json, sys
report, explain, what = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
live = {x["line"]: x for x in report["diagnosis"] if x["line"] is not None and x["cause"] != "coalesced"
        and (x["stuck"] or x["cause"] == "undelivered")}
off = {x["line"]: x for x in explain["diagnosis"]}
assert live, (what, "the report names no stuck line", report["diagnosis"])
assert set(live) == set(off), (what, sorted(live), sorted(off))
for line, x in live.items():
    y = off[line]
    if x["cause"] in ("if_clear", "extint_not_ready"):
        assert y["cause"] == "undelivered", (what, x, y)
        continue
    assert (x["cause"], x["since_event"], x["stuck"]) == (y["cause"], y["since"], y["stuck"]), (what, x, y)
    assert x["text"] == y["text"], (what, x["text"], y["text"])
print(what, "agree:", [(l, off[l]["cause"], off[l]["since"]) for l in sorted(off)])
PY
	done
done
echo "PASS: explain agrees with the live hang report"
