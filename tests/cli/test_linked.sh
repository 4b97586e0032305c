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
# and a damaged chunk takes only the rest of its run with it.
# Usage: test_linked.sh IRQRR BENCH_BOARD TRACE_DENSITY CORPUS_DIR
set -u
irqrr=$(realpath "$1") bench=$(realpath "$2") density=$(realpath "$3") corpus=$(realpath "$4")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
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
	"$density" --rechunk ${t}s.irqrr --layout split $kf --linked ${t}i.irqrr >/dev/null || { echo "FAIL: rechunk $t"; exit 1; }
	"$density" --rechunk ${t}back.irqrr --layout split $kf ${t}s.irqrr >/dev/null || { echo "FAIL: rechunk $t"; exit 1; }
	[ "$(hdr ${t}i.irqrr | tr '\n' ' ')" = "2 1 " ] || fail "$t split header: $(hdr ${t}i.irqrr)"
	[ "$(hdr ${t}s.irqrr | tr '\n' ' ')" = "3 3 " ] || fail "$t linked header: $(hdr ${t}s.irqrr)"
	cmp -s ${t}i.irqrr ${t}back.irqrr || fail "$t: linked and back is not the split file byte for byte"
	# (r is one chunk: nothing to link, the same size)
	op=-lt
	[ $t = r ] && op=-eq
	[ "$(stat -c %s ${t}s.irqrr)" $op "$(stat -c %s ${t}i.irqrr)" ] || fail "$t: linking: $(stat -c %s ${t}s.irqrr) vs $(stat -c %s ${t}i.irqrr) bytes"
done

# same stdout, stderr (file names aside) and status for both layouts of $t
same() {
	"$irqrr" "$@" ${t}i.irqrr >i.out 2>i.err
	local ri=$?
	"$irqrr" "$@" ${t}s.irqrr >s.out 2>s.err
	local rs=$?
	checks=$((checks + 1))
	sed -i "s/\b${t}[is]\.irqrr\b/T/g" i.out s.out i.err s.err
	if [ $ri != $rs ] || ! cmp -s i.out s.out || ! cmp -s i.err s.err; then
		fail "$t: irqrr $*: exit $ri/$rs"
		diff i.out s.out | head -n 6 >&2
		diff i.err s.err | head -n 6 >&2
	fi
}
for t in b r; do
	same replay
	same replay --json
	for j in 2 3; do same replay -j $j; done
	same dump
	same dump --format json
	same dump --format script
	same dump --format chips
	same stats
	same export -o -
	same diff ${t}i.irqrr
	for at in 0 5 77 1234; do
		same state --at $at
		same explain --at $at
	done
done
t=b
same replay --model pit.cw_keeps_counting=1
same dump --format script --from 123457 --to 123500
for at in 12345 123457 228765; do
	same state --at $at
	same explain --at $at
done
for p in 'remote-irr:any>300ms' 'isr-held:any>1s'; do
	same bisect --until "$p"
	same bisect --until "$p" --from 100000 --linear
done
"$irqrr" reduce --until 'remote-irr:any>300ms' -o i.script bi.irqrr >/dev/null 2>&1 || fail "reduce bi"
"$irqrr" reduce --until 'remote-irr:any>300ms' -o s.script bs.irqrr >/dev/null 2>&1 || fail "reduce bs"
checks=$((checks + 1))
cmp -s i.script s.script || fail "reduce: different scripts"

# a killed recorder (cut mid-chunk): every complete chunk replays; a
# damaged continuation: dump reports it, and the chunks after it in its run
# (linked to it), and reads every other chunk
size=$(stat -c %s bs.irqrr)
head -c $((size / 2)) bs.irqrr >cut.irqrr
"$irqrr" replay cut.irqrr >cut.out 2>cut.err
grep -q "^identical: " cut.out && grep -q "no footer" cut.err || fail "cut linked file: $(cat cut.out cut.err)"
cp bs.irqrr flip.irqrr
printf '\x5a' | dd of=flip.irqrr bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$irqrr" dump flip.irqrr >flip.out 2>&1
grep -q "checksum mismatch" flip.out || fail "damaged linked chunk not reported: $(tail -n 2 flip.out)"

echo "$checks checks, $fails failed"
[ $fails -eq 0 ]
