#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Continuation chunks (trace density, issue 18 item 4; docs/FORMAT.md
# "Chunk"): the recorder seals a chunk every window but gives it a keyframe
# only every --keyframe-windows chunks or --keyframe-kib of records. Here
# one synthetic recording (bench_board, a chunk every 50 ms of virtual time,
# GSI 10's EOI forgotten from tick 15000) is written again chunk for chunk
# by the trace writer under that policy (trace_density --rechunk): the same
# records in the same chunks, most keyframes left out. Every reading command
# must say the same of both: replay (serial and -j N), dump, stats, state
# --at, explain, export, diff, reduce, and bisect's answer (outcome, event,
# explanation, context; its count of chunks passed over may differ: it can
# pass over a run of chunks only as a whole), with and without --from in a
# continuation chunk. Not compared, as they depend on where the keyframes
# are: which event a what-if replay (--model) whose first effect is on chip
# state reports (the next keyframe's check), and bisect --from inside an
# episode of the condition (its time is counted from the keyframe before
# --from). Also a cut (killed recorder) and a damaged chunk mid-run.
# Usage: test_continuation.sh IRQRR BENCH_BOARD TRACE_DENSITY
set -u
irqrr=$(realpath "$1") bench=$(realpath "$2") density=$(realpath "$3")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
cd "$tmp" || exit 1

"$bench" 20000 1 --trace k.irqrr --chunk-ms 50 --stuck-at 15000 >/dev/null || { echo "FAIL: bench_board"; exit 1; }
"$density" --rechunk same.irqrr k.irqrr >/dev/null || { echo "FAIL: rechunk"; exit 1; }
# the rewriter itself, without a policy, gives the recording byte for byte
cmp -s k.irqrr same.irqrr || fail "rechunk without a policy changed the file"
"$density" --rechunk c.irqrr --keyframe-windows 8 --keyframe-kib 16384 k.irqrr >rc.out || { echo "FAIL: rechunk"; exit 1; }
cat rc.out
grep -q "^rechunk: c.irqrr: 395 chunks, 50 with a keyframe" rc.out || fail "expected 395 chunks, 50 keyframes: $(cat rc.out)"
[ "$(stat -c %s c.irqrr)" -lt "$(stat -c %s k.irqrr)" ] || fail "continuations did not shrink the trace"

# same stdout, stderr (file names aside) and status for both traces
same() {
	"$irqrr" "$@" k.irqrr >k.out 2>k.err
	local rk=$?
	"$irqrr" "$@" c.irqrr >c.out 2>c.err
	local rc=$?
	checks=$((checks + 1))
	sed -i 's/\b[kc]\.irqrr\b/T/g' k.out c.out k.err c.err
	if [ $rk != $rc ] || ! cmp -s k.out c.out || ! cmp -s k.err c.err; then
		fail "irqrr $*: exit $rk/$rc"
		diff k.out c.out | head -n 6 >&2
		diff k.err c.err | head -n 6 >&2
	fi
}
same replay
same replay --json
for j in 2 3 16; do same replay -j $j; done
same replay --model pit.cw_keeps_counting=1
same replay -j 4 --model pit.cw_keeps_counting=1
# A what-if whose first effect is on chip state, not on outputs, is caught
# at the next keyframe: later when there are fewer (docs/FORMAT.md).
for t in k c; do
	"$irqrr" replay --model pic.literal_edge=1 $t.irqrr >$t.out 2>&1
	[ $? -eq 1 ] && grep -q "^divergence at event" $t.out || fail "replay --model pic.literal_edge=1 $t: $(head -n 1 $t.out)"
done
same dump
same dump --format json --from 123000 --to 123100
same stats
same stats --from 123457
# from a continuation chunk: the script's board line comes from its run's keyframe
same dump --format script --from 123457 --to 123500
same dump --format chips --from 123457 --to 123500
same plot -o - --from 123457 --to 124000
same export -o - --from 170001
for at in 0 5 12345 123457 175906 200001 228765; do
	same state --at $at
	same explain --at $at
done
same export -o -
same diff k.irqrr
# (quiet: the summary line counts from the keyframe the replay starts at)
same replay --from 120000 --to 121000 --quiet
# bisect: the answer is the same; the count of chunks passed over is not
bisect_same() {
	"$irqrr" bisect "$@" k.irqrr 2>&1 | sed 's/(.* events checked.*)//; s/\bk\.irqrr\b/T/g' >k.out
	local rk=${PIPESTATUS[0]}
	"$irqrr" bisect "$@" c.irqrr 2>&1 | sed 's/(.* events checked.*)//; s/\bc\.irqrr\b/T/g' >c.out
	local rc=${PIPESTATUS[0]}
	checks=$((checks + 1))
	if [ $rk != $rc ] || ! cmp -s k.out c.out; then
		fail "irqrr bisect $*: exit $rk/$rc"
		diff k.out c.out | head -n 6 >&2
	fi
}
for p in 'remote-irr:any>300ms' 'remote-irr:any>20ms' 'isr-held:any>100ms' 'isr-held:any>1s' 'line-undelivered:any>1s'; do
	# (not --from inside the stuck episode: a search starts at the keyframe
	# before --from and counts a condition's time from there; that keyframe
	# is earlier in c.irqrr)
	for from in 0 100000 170001; do
		bisect_same --until "$p" --from $from
		bisect_same --until "$p" --from $from --linear
	done
done
# a run of continuations shorter than the duration is passed over whole
"$irqrr" bisect --until 'isr-held:any>1s' --stats c.irqrr >c.out
grep -q "[1-9][0-9][0-9] chunks passed over by keyframe" c.out || fail "bisect passed over no runs: $(cat c.out)"
# a killed recorder (the file cut mid-chunk, no footer): every complete
# chunk replays; damage in the middle costs the continuations after it up
# to the next keyframe, reported as such
size=$(stat -c %s c.irqrr)
for q in 1 2 3; do
	head -c $((size * q / 4)) c.irqrr >cut.irqrr
	"$irqrr" replay cut.irqrr >cut.out 2>cut.err || fail "replay of c cut at $q/4: $(cat cut.err)"
	grep -q "^identical: " cut.out && grep -q "no footer" cut.err || fail "cut at $q/4: $(cat cut.out cut.err)"
done
cp c.irqrr flip.irqrr
printf '\x5a' | dd of=flip.irqrr bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
head -c $((size * 9 / 10)) flip.irqrr >flipcut.irqrr
"$irqrr" replay flipcut.irqrr >flip.out 2>&1
grep -q "1 damaged chunk skipped, [1-9][0-9]* chunks\? continuing them" flip.out && grep -q "^identical: " flip.out \
	|| fail "damaged continuation run: $(cat flip.out)"
# reduce: the same script
"$irqrr" reduce --until 'remote-irr:any>300ms' -o k.script k.irqrr >/dev/null 2>&1 || fail "reduce k"
"$irqrr" reduce --until 'remote-irr:any>300ms' -o c.script c.irqrr >/dev/null 2>&1 || fail "reduce c"
checks=$((checks + 1))
cmp -s k.script c.script || fail "reduce: different scripts"

echo "$checks checks, $fails failed"
[ $fails -eq 0 ]
