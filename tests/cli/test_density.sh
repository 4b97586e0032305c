#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Format 2.1's denser recorder records (docs/FORMAT.md, History) against the
# 2.0 recorder's, on two recordings of the ioapic-level guest committed as
# fuzz seeds: recorder-2.0-*.irqrr (one console record per byte, an
# msi_result record per APIC message) and recorder-2.1-*.irqrr (console
# runs, msi_result only when KVM did not deliver). This irqrr reads both:
# the same console text, the same failed delivery, both replay identical.
# Usage: test_density.sh IRQRR CORPUS_DIR
set -u
irqrr=$1 corpus=$2
old=$corpus/recorder-2.0-ioapic-level.irqrr new=$corpus/recorder-2.1-ioapic-level.irqrr
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
text() { # the console text of a trace, its records' texts joined
	"$irqrr" dump --format json --kind console "$1" | python3 -c '
import json, sys
sys.stdout.write("".join(json.loads(l)["text"] for l in sys.stdin))'
}

"$irqrr" info "$old" | grep -q '^format: 2\.0$' || fail "old trace: not format 2.0"
"$irqrr" info "$new" | grep -q '^format: 2\.1$' || fail "new trace: not format 2.1"
"$irqrr" info "$new" | grep -q 'msi_results = failures' || fail "new trace: no msi_results = failures"
"$irqrr" info "$old" | grep -q 'msi_results' && fail "old trace: msi_results key"
for t in "$old" "$new"; do
	"$irqrr" replay "$t" >"$tmp/out" 2>&1 || fail "replay $t: $(cat "$tmp/out")"
	grep -q '^identical: 152 events' "$tmp/out" || fail "replay $t: $(cat "$tmp/out")"
done
text "$old" >"$tmp/old.txt" || fail "dump old"
text "$new" >"$tmp/new.txt" || fail "dump new"
[ -s "$tmp/old.txt" ] && cmp -s "$tmp/old.txt" "$tmp/new.txt" || fail "console text differs: $(diff "$tmp/old.txt" "$tmp/new.txt" | head -5)"
grep -q '^ioapic-level: all checks passed$' "$tmp/new.txt" || fail "console text incomplete"
nold=$("$irqrr" dump --kind console "$old" | wc -l)
nnew=$("$irqrr" dump --kind console "$new" | wc -l)
[ "$nold" -eq "$(wc -c <"$tmp/old.txt")" ] || fail "old trace: $nold console records, not one per byte"
[ "$nnew" -le 20 ] || fail "new trace: $nnew console records (not batched)"
# the failed delivery (logical destination 0x02: no such APIC) is in both;
# the delivered ones only in the old
"$irqrr" dump --kind msi_result "$old" | grep -c 'result=delivered' | grep -qx 6 || fail "old: 6 delivered msi_results"
"$irqrr" dump --kind msi_result "$new" | grep -q 'result=delivered' && fail "new: a delivered msi_result"
for t in "$old" "$new"; do
	"$irqrr" dump --kind msi_result "$t" | grep -q 'dest=0x2 vector=0x51 mode=fixed result=not-delivered' ||
		fail "$t: no not-delivered msi_result"
done
# a console run sits where its bytes were: right before the apic record of
# the next check's delivery, after the previous check's
"$irqrr" dump "$new" --from 156 --to 158 | awk '{print $3}' | tr '\n' ' ' | grep -q '^msi_result .* console $' ||
	fail "order around the failed delivery: $("$irqrr" dump "$new" --from 156 --to 158)"
[ $fails -eq 0 ] && echo "density: all checks passed"
exit $((fails > 0))
