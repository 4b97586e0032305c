#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Board changes that must not change behaviour: compare two irqrr binaries
# side by side (stdout+stderr and exit status) on `chips SCRIPT` for the
# tests' chip scripts, then on every trace of the fuzz corpora, the hostile
# corpus (gen_hostile_traces), `chips --record` traces of those scripts
# (recorded by BASE) and the given extra traces: `replay -j 1`, `dump
# --format chips`, `explain`, `explain --at 40`, `state --at 50`, and
# `replay -j 1` with each --model variant and each --fault kind.
# Usage: same_board.sh BASE NEW SRCDIR BUILDDIR [TRACE...]
# Prints each difference and a final "comparisons: N differences: D" line.
set -u
base=$1 new=$2 src=$3 bld=$4
shift 4
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
n=0 diffs=0
declare -A rcs
run() {
	local o1 o2 r1 r2
	o1=$(cd "$d" && timeout 60 "$base" "$@" 2>&1); r1=$?
	o2=$(cd "$d" && timeout 60 "$new" "$@" 2>&1); r2=$?
	n=$((n + 1)); rcs[$r1]=1
	if [ "$r1" != "$r2" ] || [ "$o1" != "$o2" ]; then
		diffs=$((diffs + 1)); echo "DIFF: $* ($r1/$r2)"
	fi
}
mkdir -p "$d/hostile" "$d/rec"
(cd "$d/hostile" && "$bld/tests/gen_hostile_traces" . >/dev/null 2>&1)
i=0
for s in "$src"/tests/chips/*.script "$src"/tests/fuzz/seeds/*.script "$src"/tests/fuzz/corpus/script/* "$src"/examples/*.script; do
	[ -f "$s" ] || continue
	run chips "$s"
	run chips --cpus 3 "$s"
	run chips --lint0 bsp --cpus 2 "$s"
	i=$((i + 1))
	"$base" chips --record "$d/rec/r$i.irqrr" "$s" >/dev/null 2>&1
done
models="pic.literal_edge=1 lint0=bsp pit.cw_keeps_counting=1 pic.poll_no_0x80=1 hpet.qemu_past=1 hpet.qemu_wrap=1 hpet.val_set_one_write=1"
faults="pit-stop:after=3 pit-stop:at=2ms eoi-drop:pin=10 edge-lose:line=0,nth=5 edge-lose:pin=2 rte-mask:pin=10,nth=2"
for t in "$src"/tests/fuzz/corpus/*/* "$d"/hostile/* "$d"/rec/*.irqrr "$@"; do
	[ -f "$t" ] || continue
	run replay -j 1 "$t"
	run dump --format chips "$t"
	run explain "$t"
	run explain --at 40 "$t"
	run state --at 50 "$t"
	for m in $models; do run replay -j 1 --model "$m" "$t"; done
	for f in $faults; do run replay -j 1 --fault "$f" "$t"; done
done
echo "comparisons: $n differences: $diffs exit statuses seen: ${!rcs[*]}"
[ "$diffs" -eq 0 ]
