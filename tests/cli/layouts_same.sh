# SPDX-License-Identifier: MIT
# Sourced by test_split.sh and test_linked.sh (not run on its own): the
# records of trace $t written in two layouts, ${t}i.irqrr and ${t}s.irqrr
# (t = b: bench_board's, r: a recorder's), must read the same for every
# reading command; then a cut and a damaged bs.irqrr. Uses irqrr, fail,
# checks; layout names the second layout in messages.
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
# damaged chunk is reported
size=$(stat -c %s bs.irqrr)
head -c $((size / 2)) bs.irqrr >cut.irqrr
"$irqrr" replay cut.irqrr >cut.out 2>cut.err
grep -q "^identical: " cut.out && grep -q "no footer" cut.err || fail "cut $layout file: $(cat cut.out cut.err)"
cp bs.irqrr flip.irqrr
printf '\x5a' | dd of=flip.irqrr bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$irqrr" dump flip.irqrr >flip.out 2>&1
grep -q "checksum mismatch" flip.out || fail "damaged $layout chunk not reported: $(tail -n 2 flip.out)"

