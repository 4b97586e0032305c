#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Format 2.2's split record layout (trace density, issue 18 item 4;
# docs/FORMAT.md "Split records"): the same records written in 2.1's
# interleaved layout and in 2.2's split layout (trace_density --rechunk
# --layout) must read the same for every reading command: replay (serial,
# -j N), dump (text, json, script, chips), stats, state --at, explain,
# export, diff, bisect, reduce. Inputs: a synthetic recording (bench_board,
# a chunk every 50 ms, GSI 10's EOI forgotten from tick 15000) and a real
# recorder's trace (console runs, context records; the fuzz corpus's
# recorder-2.1-ioapic-level.irqrr). Also: the headers say which layout,
# the split file is smaller, the rewrite back to interleaved is the
# original byte for byte, and a damaged or cut split file recovers as an
# interleaved one does.
# Usage: test_split.sh IRQRR BENCH_BOARD TRACE_DENSITY CORPUS_DIR
set -u
irqrr=$(realpath "$1") bench=$(realpath "$2") density=$(realpath "$3") corpus=$(realpath "$4")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
here=$(dirname "$(realpath "$0")")
cd "$tmp" || exit 1

# header bytes 10-11 (minor) and 16-19 (required features), little-endian
hdr() { od -An -tu2 -j10 -N2 "$1" | tr -d ' '; od -An -tu4 -j16 -N4 "$1" | tr -d ' '; }

"$bench" 20000 1 --trace b.irqrr --chunk-ms 50 --stuck-at 15000 >/dev/null || { echo "FAIL: bench_board"; exit 1; }
# the writer's default is the interleaved layout (2.1, no feature bit); the
# recorder writes the split one (2.2, feature bit 0: test_recorder)
[ "$(hdr b.irqrr | tr '\n' ' ')" = "1 0 " ] || fail "bench_board's trace is not 2.1 interleaved: $(hdr b.irqrr)"
for t in b r; do
	src=b.irqrr
	[ $t = r ] && src=$corpus/recorder-2.1-ioapic-level.irqrr
	"$density" --rechunk ${t}i.irqrr --layout interleaved "$src" >/dev/null || { echo "FAIL: rechunk $t"; exit 1; }
	"$density" --rechunk ${t}s.irqrr --layout split ${t}i.irqrr >/dev/null || { echo "FAIL: rechunk $t"; exit 1; }
	"$density" --rechunk ${t}back.irqrr --layout interleaved ${t}s.irqrr >/dev/null || { echo "FAIL: rechunk $t"; exit 1; }
	[ "$(hdr ${t}i.irqrr | tr '\n' ' ')" = "1 0 " ] || fail "$t interleaved header: $(hdr ${t}i.irqrr)"
	[ "$(hdr ${t}s.irqrr | tr '\n' ' ')" = "2 1 " ] || fail "$t split header: $(hdr ${t}s.irqrr)"
	cmp -s ${t}i.irqrr ${t}back.irqrr || fail "$t: split and back is not the interleaved file byte for byte"
	[ "$(stat -c %s ${t}s.irqrr)" -lt "$(stat -c %s ${t}i.irqrr)" ] || fail "$t: the split layout did not shrink the trace"
done

layout=split
. "$here/layouts_same.sh"

echo "$checks checks, $fails failed"
[ $fails -eq 0 ]
