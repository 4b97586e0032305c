#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Parallel replay (issue 18, item 1) is deterministic: `irqrr replay -j N`
# prints the same stdout and stderr and exits with the same status as
# `-j 1` (the serial path) for every trace the suite has: the fuzz corpora,
# the hostile-trace corpus (damaged, torn, continued, keyframe-less,
# time-jumping traces), a recorded example, and cuts and damage made here,
# replayed as recorded and with every --model variant and a --fault what-if
# (divergent replays; a what-if fault replays serially whatever -j says),
# with a range, and as JSON; -j 2, -j 3 and -j 100 (more threads than any
# trace here has chunks).
# Usage: test_parallel_replay.sh IRQRR SOURCE_ROOT GEN_HOSTILE_TRACES
set -u
irqrr=$1 src=$2 gen=$3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 runs=0
declare -A seen_rc

mkdir "$tmp/hostile" "$tmp/made"
"$gen" "$tmp/hostile" >/dev/null || { echo "FAIL: gen_hostile_traces"; exit 1; }
"$irqrr" chips --record "$tmp/made/example.irqrr" "$src/examples/linux-pit-1khz.script" \
	>/dev/null || { echo "FAIL: chips --record"; exit 1; }

# cuts and damage of the multi-chunk traces: a torn tail at a quarter, half
# and three quarters, a flipped byte in the middle (index kept: the chunk is
# unreadable), the same without the footer (recovery skips it: a gap)
for t in "$src"/tests/fuzz/corpus/reader/multichunk-*.irqrr "$src"/tests/fuzz/corpus/replay/bench*.irqrr; do
	[ -f "$t" ] || continue
	b=$(basename "$t" .irqrr) size=$(stat -c %s "$t")
	for q in 1 2 3; do
		head -c $((size * q / 4)) "$t" >"$tmp/made/$b-cut$q.irqrr"
	done
	cp "$t" "$tmp/made/$b-flip.irqrr"
	printf '\x5a' | dd of="$tmp/made/$b-flip.irqrr" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	head -c $((size * 9 / 10)) "$tmp/made/$b-flip.irqrr" >"$tmp/made/$b-flip-nofooter.irqrr"
done

optsets=(
	""
	"--model pic.literal_edge=1"
	"--model pit.cw_keeps_counting=1"
	"--model pic.poll_no_0x80=1"
	"--model lint0=bsp"
	"--fault pit-stop:after=3"
	"--from 5 --to 40"
	"--json"
)

for t in "$src"/tests/fuzz/corpus/*/*.irqrr "$tmp"/hostile/*.irqrr "$tmp"/made/*.irqrr; do
	for opts in "${optsets[@]}"; do
		# shellcheck disable=SC2086
		timeout 30 "$irqrr" replay -j 1 $opts "$t" >"$tmp/o1" 2>"$tmp/e1"
		rc1=$?
		seen_rc[$rc1]=1
		for j in 2 3 100; do
			runs=$((runs + 1))
			# shellcheck disable=SC2086
			timeout 30 "$irqrr" replay -j $j $opts "$t" >"$tmp/oj" 2>"$tmp/ej"
			rcj=$?
			if [ "$rcj" != "$rc1" ] || ! cmp -s "$tmp/o1" "$tmp/oj" || ! cmp -s "$tmp/e1" "$tmp/ej"; then
				echo "FAIL: replay -j $j $opts $(basename "$t"): exit $rcj (-j 1: $rc1)"
				diff "$tmp/o1" "$tmp/oj" | head -5
				diff "$tmp/e1" "$tmp/ej" | head -5
				fails=$((fails + 1))
			fi
		done
	done
done

# bisect's diverge: predicate replays too: the same answer on any -j
for t in "$src"/tests/fuzz/corpus/*/*.irqrr "$tmp"/hostile/*.irqrr "$tmp"/made/*.irqrr; do
	for m in pic.literal_edge=1 pit.cw_keeps_counting=1 pic.poll_no_0x80=1 lint0=bsp; do
		timeout 30 "$irqrr" bisect -j 1 --until "diverge:$m" "$t" >"$tmp/o1" 2>"$tmp/e1"
		rc1=$?
		for j in 2 5; do
			runs=$((runs + 1))
			timeout 30 "$irqrr" bisect -j $j --until "diverge:$m" "$t" >"$tmp/oj" 2>"$tmp/ej"
			rcj=$?
			if [ "$rcj" != "$rc1" ] || ! cmp -s "$tmp/o1" "$tmp/oj" || ! cmp -s "$tmp/e1" "$tmp/ej"; then
				echo "FAIL: bisect -j $j --until diverge:$m $(basename "$t"): exit $rcj (-j 1: $rc1)"
				diff "$tmp/o1" "$tmp/oj" | head -5
				fails=$((fails + 1))
			fi
		done
	done
done

# the comparisons covered every outcome: identical, divergent, unusable,
# unverified (a gap)
for rc in 0 1 2 3; do
	if [ -z "${seen_rc[$rc]:-}" ]; then
		echo "FAIL: no replay here exits $rc: the comparison misses that outcome"
		fails=$((fails + 1))
	fi
done

# -j: bad values are refused with one line
for bad in 0 -1 x 1025; do
	if "$irqrr" replay -j "$bad" "$tmp/made/example.irqrr" >/dev/null 2>"$tmp/e"; then
		echo "FAIL: -j $bad accepted"; fails=$((fails + 1))
	elif [ "$(wc -l <"$tmp/e")" != 1 ]; then
		echo "FAIL: -j $bad: not one line:"; cat "$tmp/e"; fails=$((fails + 1))
	fi
done

echo "$runs parallel replays compared with serial ones, $fails failures"
[ "$fails" -eq 0 ]
