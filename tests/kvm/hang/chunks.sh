#!/bin/sh
# SPDX-License-Identifier: MIT
# record --chunk-ms: a chunk at least every MS of virtual time; the trace
# replays identical, and, with a keyframe in every chunk
# (--keyframe-windows 1), bisect passes over chunks shorter than a
# predicate's duration with the same answer as --linear. The default
# recording (compact: a keyframe every 64 chunks, the rest continuations) replays
# identical too.
. "$(dirname "$0")/common.sh"
"$irqrr" record -o "$tmp/c.irqrr" --chunk-ms 10 --keyframe-windows 1 >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "record --chunk-ms 10"; }
"$irqrr" record -o "$tmp/d.irqrr" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "record"; }
"$irqrr" info "$tmp/c.irqrr" >"$tmp/info" || fail "info"
"$irqrr" info "$tmp/d.irqrr" >"$tmp/dinfo" || fail "info"
n=$(sed -n 's/^chunks: //p' "$tmp/info") nd=$(sed -n 's/^chunks: //p' "$tmp/dinfo")
echo "chunks: $n with --chunk-ms 10, $nd with the default 250 ms"
[ "$n" -ge 50 ] && [ "$n" -gt $((nd * 5)) ] || fail "--chunk-ms 10 gave $n chunks (default: $nd)"
# every chunk's records lie within 10 ms (columns: first t, last t)
awk '/^ *[0-9]+ +0x/ { if ($6 - $5 > 10000000) { print "chunk " $1 " spans " $6 - $5 " ns"; bad = 1 } }
     END { exit bad }' "$tmp/info" || fail "a chunk spans more than 10 ms"
"$irqrr" replay "$tmp/c.irqrr" | head -n 1 | grep -q "^identical" || fail "replay"
"$irqrr" replay "$tmp/d.irqrr" | head -n 1 | grep -q "^identical" || fail "replay of the default recording"
"$irqrr" bisect "$tmp/c.irqrr" --until 'isr-held:any>500ms' --stats >"$tmp/b"
[ $? -eq 1 ] || { cat "$tmp/b"; fail "isr-held:any>500ms should not hold in the demo guest"; }
cat "$tmp/b"
grep -q "^bisect: .* [1-9][0-9]* chunks passed over by keyframe" "$tmp/b" || fail "nothing passed over"
"$irqrr" bisect "$tmp/c.irqrr" --until 'isr-held:any>500ms' --linear >"$tmp/bl"
head -n 1 "$tmp/b" | sed 's/events checked.*//' >"$tmp/b1"
head -n 1 "$tmp/bl" | sed 's/events checked.*//' >"$tmp/bl1"
grep -q "^not found" "$tmp/bl1" || fail "--linear should not find it either"
"$irqrr" record --chunk-ms 0 -o "$tmp/z.irqrr" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "expected 1..60000" "$tmp/err" || fail "--chunk-ms 0 must be refused"
echo "PASS: chunks"
