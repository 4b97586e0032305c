#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Format 2.3's linked chunks (trace density, issue 18 item 4;
# docs/FORMAT.md "Linked chunks"): the same records and chunks, a keyframe
# every 4 chunks, written by trace_density --rechunk in 2.2's split layout
# and in 2.3's (split, continuations compressed against their run's
# history: --linked) must read the same for every reading command: replay
# (serial, -j N), dump (text, json, script, chips), stats, state --at,
# explain, export, diff, bisect, reduce. Inputs: a synthetic recording
# (bench_board, a chunk every 50 ms, GSI 10's EOI forgotten from tick
# 15000) and a real recorder's trace (console runs, context records; the
# fuzz corpus's recorder-2.1-ioapic-level.irqrr). Also: the headers say
# which format, the linked file is smaller, the rewrite without --linked is
# the split file byte for byte, a cut linked file loses only the torn chunk
# and a damaged chunk is reported (what else it takes with it: test_trace's
# test_linked_chunks).
# With MODE compact, the same for format 2.4's compact linked framing
# (--compact; docs/FORMAT.md "Compact linked framing"): header 2.4 with
# feature bits 0-2, and smaller than the 2.3 linked file.
# Usage: test_linked.sh IRQRR BENCH_BOARD TRACE_DENSITY CORPUS_DIR [compact]
set -u
irqrr=$(realpath "$1") bench=$(realpath "$2") density=$(realpath "$3") corpus=$(realpath "$4")
mode=${5:-linked}
opt=--linked want="3 3 "
[ "$mode" = compact ] && opt=--compact want="4 7 "
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
kf="--keyframe-windows 4 --hc 9"
for t in b r; do
	src=b.irqrr
	[ $t = r ] && src=$corpus/recorder-2.1-ioapic-level.irqrr
	"$density" --rechunk ${t}i.irqrr --layout split $kf "$src" >/dev/null || { echo "FAIL: rechunk $t"; exit 1; }
	"$density" --rechunk ${t}s.irqrr --layout split $kf $opt ${t}i.irqrr >/dev/null || { echo "FAIL: rechunk $t"; exit 1; }
	"$density" --rechunk ${t}l.irqrr --layout split $kf --linked ${t}i.irqrr >/dev/null || { echo "FAIL: rechunk $t"; exit 1; }
	"$density" --rechunk ${t}back.irqrr --layout split $kf ${t}s.irqrr >/dev/null || { echo "FAIL: rechunk $t"; exit 1; }
	[ "$(hdr ${t}i.irqrr | tr '\n' ' ')" = "2 1 " ] || fail "$t split header: $(hdr ${t}i.irqrr)"
	[ "$(hdr ${t}s.irqrr | tr '\n' ' ')" = "$want" ] || fail "$t $mode header: $(hdr ${t}s.irqrr)"
	cmp -s ${t}i.irqrr ${t}back.irqrr || fail "$t: $mode and back is not the split file byte for byte"
	# (r is one chunk: nothing to link, the same size; compact: its index
	# entry is smaller)
	op=-lt
	[ $t = r ] && [ "$mode" = linked ] && op=-eq
	[ "$(stat -c %s ${t}s.irqrr)" $op "$(stat -c %s ${t}i.irqrr)" ] || fail "$t: linking: $(stat -c %s ${t}s.irqrr) vs $(stat -c %s ${t}i.irqrr) bytes"
	# compact: smaller than linked
	[ "$mode" = linked ] || [ "$(stat -c %s ${t}s.irqrr)" -lt "$(stat -c %s ${t}l.irqrr)" ] ||
		fail "$t: compact framing: $(stat -c %s ${t}s.irqrr) vs linked $(stat -c %s ${t}l.irqrr) bytes"
done

layout=$mode
. "$here/layouts_same.sh"

echo "$checks checks, $fails failed"
[ $fails -eq 0 ]
