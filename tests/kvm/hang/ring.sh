#!/bin/sh
# SPDX-License-Identifier: MIT
# --ring: the trace keeps only the newest chunks (bounded size), starts at
# a kept chunk's keyframe (not event 0), and replays identical; the same on
# SIGINT and on a watchdog hang.
. "$(dirname "$0")/common.sh"
"$irqrr" record -o "$tmp/full.irqrr" >/dev/null 2>&1 || fail "full recording"
# (the demo guest's whole trace is ~15 KB since format 2.2: a 5 KiB ring)
"$irqrr" record -o "$tmp/ring.irqrr" --ring 0.005 >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "ring recording"; }
full=$(stat -c %s "$tmp/full.irqrr") ring=$(stat -c %s "$tmp/ring.irqrr")
echo "full trace $full bytes, ring trace $ring bytes"
# bound: the ring (5242 bytes) + a copy of the open chunk (<= 4 KiB raw) + header/index
[ "$ring" -le $((5242 + 4096 + 4096)) ] || fail "ring trace $ring bytes exceeds its bound"
[ "$full" -gt "$ring" ] || fail "full trace ($full) not larger than the ring trace ($ring)"
"$irqrr" replay "$tmp/ring.irqrr" >"$tmp/replay" 2>&1 || { cat "$tmp/replay"; fail "ring replay"; }
cat "$tmp/replay"
grep -q "^identical: .* events [1-9][0-9]*\.\." "$tmp/replay" || fail "ring trace should start after event 0"
# hang with a ring: report and a replayable ring trace
"$irqrr" record -o "$tmp/h.irqrr" --ring 0.01 --guest bug-lvt0 --hang-timeout 1.5 --report "$tmp/r" \
	>/dev/null 2>&1
[ $? -eq 4 ] || fail "ring + watchdog: expected exit 4"
grep -q "STUCK line 0" "$tmp/r" || fail "ring + watchdog report"
"$irqrr" replay "$tmp/h.irqrr" || fail "ring trace after a hang"
# SIGINT with a ring
"$irqrr" record -o "$tmp/i.irqrr" --ring 0.01 --guest bug-lvt0 >/dev/null 2>&1 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
[ $? -eq 130 ] || fail "ring + SIGINT: expected exit 130"
"$irqrr" replay "$tmp/i.irqrr" || fail "ring trace after SIGINT"
# --records split: format 2.2 (header minor 2, required feature bit 0); the
# default is compact (2.4); each replays identical
"$irqrr" record -o "$tmp/split.irqrr" --records split >/dev/null 2>&1 || fail "record --records split"
minor=$(od -An -tu2 -j10 -N2 "$tmp/split.irqrr" | tr -d ' ') feat=$(od -An -tu4 -j16 -N4 "$tmp/split.irqrr" | tr -d ' ')
[ "$minor" = 2 ] && [ "$feat" = 1 ] || fail "--records split: header minor $minor, features $feat (want 2, 1)"
minor=$(od -An -tu2 -j10 -N2 "$tmp/full.irqrr" | tr -d ' ') feat=$(od -An -tu4 -j16 -N4 "$tmp/full.irqrr" | tr -d ' ')
[ "$minor" = 4 ] && [ "$feat" = 7 ] || fail "default record: header minor $minor, features $feat (want 4, 7: compact)"
# --records interleaved: format 2.1 (header minor 1, no required feature)
"$irqrr" record -o "$tmp/inter.irqrr" --records interleaved >/dev/null 2>&1 || fail "record --records interleaved"
minor=$(od -An -tu2 -j10 -N2 "$tmp/inter.irqrr" | tr -d ' ') feat=$(od -An -tu4 -j16 -N4 "$tmp/inter.irqrr" | tr -d ' ')
[ "$minor" = 1 ] && [ "$feat" = 0 ] || fail "--records interleaved: header minor $minor, features $feat (want 1, 0)"
"$irqrr" replay "$tmp/inter.irqrr" >"$tmp/replay" 2>&1 && grep -q "^identical" "$tmp/replay" || { cat "$tmp/replay"; fail "interleaved recording replay"; }
echo "interleaved recording $(stat -c %s "$tmp/inter.irqrr") bytes (default, compact: $full)"
"$irqrr" replay "$tmp/split.irqrr" >"$tmp/replay" 2>&1 && grep -q "^identical" "$tmp/replay" || { cat "$tmp/replay"; fail "split recording replay"; }
echo "split recording $(stat -c %s "$tmp/split.irqrr") bytes (compact $full)"
# --records linked: format 2.3 (header minor 3, required feature bits 0 and 1)
"$irqrr" record -o "$tmp/linked.irqrr" --records linked >/dev/null 2>&1 || fail "record --records linked"
minor=$(od -An -tu2 -j10 -N2 "$tmp/linked.irqrr" | tr -d ' ') feat=$(od -An -tu4 -j16 -N4 "$tmp/linked.irqrr" | tr -d ' ')
[ "$minor" = 3 ] && [ "$feat" = 3 ] || fail "--records linked: header minor $minor, features $feat (want 3, 3)"
"$irqrr" replay "$tmp/linked.irqrr" >"$tmp/replay" 2>&1 && grep -q "^identical" "$tmp/replay" || { cat "$tmp/replay"; fail "linked recording replay"; }
"$irqrr" record --records bogus >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^irqrr: --records bogus: expected split, interleaved, linked or compact$" "$tmp/err" || fail "--records bogus: $(cat "$tmp/err")"
echo "PASS: ring"
