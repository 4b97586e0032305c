#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGUSR1 writes a hang report and syncs the trace without stopping the guest:
# the demo guest still passes all its checks and exits 0.
. "$(dirname "$0")/common.sh"
"$irqrr" record -o "$tmp/t.irqrr" --report-json "$tmp/r.json" --timeout 20 >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_file "$tmp/t.irqrr" $pid
sleep 0.7
kill -USR1 $pid
wait $pid
status=$?
cat "$tmp/err"
[ $status -eq 0 ] || fail "exit status $status after SIGUSR1, expected 0"
grep -q "^demo: all checks passed" "$tmp/out" || fail "the guest did not finish its checks"
grep -q "^irqrr: SIGUSR1: hang report written, trace .* synced" "$tmp/err" || fail "no SIGUSR1 line"
grep -q "^irqrr hang report: sigusr1" "$tmp/err" || fail "no text report on stderr"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["cause"] == "sigusr1", d["cause"]
assert d["cpus"][0]["valid"], d["cpus"][0]
assert 0 < d["t_ns"] < 2000000000, d["t_ns"]
' "$tmp/r.json" || fail "JSON report"
"$irqrr" replay "$tmp/t.irqrr" || fail "replay"
echo "PASS: SIGUSR1 report, guest went on"
