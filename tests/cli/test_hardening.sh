#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 14: what a user must be able to trust (docs/HARDENING.md): progress
# on a terminal, outputs that never clobber inputs or device nodes, failed
# recordings that do not pass for good ones, replay ranges and skipped
# damage that are reported. Usage: test_hardening.sh IRQRR EXAMPLES_DIR GEN_HOSTILE_TRACES
set -u
irqrr=$1 examples=$2 gen=$3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
check() { # description, then the command; passes when it exits 0
	local what=$1; shift
	checks=$((checks + 1))
	if ! "$@"; then
		echo "FAIL: $what" >&2
		fails=$((fails + 1))
	fi
}
status_is() { # expected-status command...
	local want=$1; shift
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	local got=$?
	[ "$got" -eq "$want" ] || { echo "  exit $got, wanted $want: $*" >&2; cat "$tmp/stderr" >&2; return 1; }
}
stderr_has() { grep -q -- "$1" "$tmp/stderr" || { echo "  stderr lacks '$1':" >&2; cat "$tmp/stderr" >&2; return 1; }; }
stdout_has() { grep -q -- "$1" "$tmp/stdout" || { echo "  stdout lacks '$1':" >&2; cat "$tmp/stdout" >&2; return 1; }; }

# The example's PIC and PIT set-up, then N one-millisecond ticks each taken
# and acknowledged: a trace of about N/6000 chunks.
ticks_script() { # N
	grep -v '^time\|^in \|^intack\|^state\|out 0x20 0x20' "$examples/linux-pit-1khz.script"
	awk -v n="$1" 'BEGIN { t = 1500000; for (i = 0; i < n; i++) { t += 1000000;
		printf "time %.0f\nintack 0\nout 0x20 0x20\n", t } }'
}
ticks_script 120000 >"$tmp/many.script"
"$irqrr" chips --record "$tmp/many.irqrr" "$tmp/many.script" >/dev/null ||
	{ echo "FAIL: cannot record the multi-chunk trace" >&2; exit 1; }

# --- 1. replay progress on a terminal (use after free; ASan reports it)
have_pty=0
script -qfec true /dev/null >/dev/null 2>&1 && have_pty=1
progress_ok() { # the pty transcript: percentages shown, never falling, at most 100
	tr '\r' '\n' <"$tmp/pty" | grep -o 'replaying: *[0-9]*%' | grep -o '[0-9]*' >"$tmp/pcts"
	[ -s "$tmp/pcts" ] || { echo "  no progress shown:" >&2; cat "$tmp/pty" >&2; return 1; }
	sort -n -c "$tmp/pcts" 2>/dev/null || { echo "  progress went backwards:" >&2; tr '\n' ' ' <"$tmp/pcts" >&2; return 1; }
	[ "$(tail -1 "$tmp/pcts")" -le 100 ] || { echo "  progress beyond 100%" >&2; return 1; }
	! grep -q 'Sanitizer' "$tmp/pty" || { cat "$tmp/pty" >&2; return 1; }
}
if [ $have_pty = 1 ]; then
	script -qfec "'$irqrr' replay '$tmp/many.irqrr'" /dev/null >"$tmp/pty" 2>&1
	check "replay on a terminal exits 0" test $? -eq 0
	check "replay progress: rises to at most 100%, no sanitizer report" progress_ok
	# --- 6. a flight-recorder trace starts at a high event number: progress
	# must still count what the file holds and end at 100%
	mkdir "$tmp/corpus" && "$gen" "$tmp/corpus" || echo "FAIL: gen_hostile_traces" >&2
	script -qfec "'$irqrr' replay '$tmp/corpus/ring.irqrr'" /dev/null >"$tmp/pty" 2>&1
	check "ring trace on a terminal exits 0" test $? -eq 0
	check "ring trace progress: at most 100%" progress_ok
	check "ring trace progress: counts events, as the summary does" grep -q 'replaying: *[0-9]*% ([0-9]* events)' "$tmp/pty"
else
	echo "SKIP: no pseudo-terminal (script -qfec failed): progress not tested"
fi

# --- 4. the work bound never trips on a genuine trace
check "bisect --linear over the 20-chunk trace" status_is 1 "$irqrr" bisect --linear "$tmp/many.irqrr" --until 'isr-held:0>10ms'
check "state at its last event" status_is 0 "$irqrr" state --at 1200049 "$tmp/many.irqrr"

# --- 2. export and plot remove only a regular file they created themselves
t=$tmp/many.irqrr
unchanged() { [ "$(cat "$1")" = keep ]; }
for cmd in "export $t --perfetto" "plot $t -o"; do
	c=${cmd%% *}
	# a failure after the output was opened (--from past the end)
	echo keep >"$tmp/pre.out"
	check "$c: failure exits 2" status_is 2 "$irqrr" $cmd "$tmp/pre.out" --from 99999999
	check "$c: a pre-existing file is left as it was" unchanged "$tmp/pre.out"
	check "$c: nothing new is left behind" test "$(ls "$tmp" | grep -c 'pre.out')" -eq 1
	check "$c: failure into a new file exits 2" status_is 2 "$irqrr" $cmd "$tmp/new.out" --from 99999999
	check "$c: the new file is removed" test ! -e "$tmp/new.out"
	echo keep >"$tmp/target"
	ln -sf "$tmp/target" "$tmp/link"
	check "$c: failure through a symlink exits 2" status_is 2 "$irqrr" $cmd "$tmp/link" --from 99999999
	check "$c: the symlink stays" test -L "$tmp/link"
	check "$c: its target stays" test -f "$tmp/target"
	if [ "$(id -u)" = 0 ] && mknod "$tmp/full" c 1 7 2>/dev/null; then
		check "$c: a full device: exit 2" status_is 2 "$irqrr" $cmd "$tmp/full"
		check "$c: a full device: write error named" stderr_has "write error on $tmp/full"
		check "$c: the device node stays" test -c "$tmp/full"
		ln -sf "$tmp/full" "$tmp/link-full"
		check "$c: a symlink to a full device: exit 2" status_is 2 "$irqrr" $cmd "$tmp/link-full"
		check "$c: that symlink stays" test -L "$tmp/link-full"
		rm -f "$tmp/full" "$tmp/link-full"
	else
		echo "SKIP: $c into a device node (needs root and mknod)"
	fi
	check "$c: success into a pre-existing file" status_is 0 "$irqrr" $cmd "$tmp/pre.out" --to 100
	check "$c: it holds the new output" test "$(head -c 1 "$tmp/pre.out")" != k
done

# --- 5. an output naming an input is refused, the input left alone
cp "$t" "$tmp/same.irqrr"
sum=$(cksum <"$tmp/same.irqrr")
intact() { [ "$(cksum <"$tmp/same.irqrr")" = "$sum" ]; }
check "export onto its input: exit 2" status_is 2 "$irqrr" export "$tmp/same.irqrr" --perfetto "$tmp/same.irqrr"
check "export onto its input: said" stderr_has "is the input"
check "export onto its input: input intact" intact
ln -sf "$tmp/same.irqrr" "$tmp/same-link"
check "export onto a symlink to its input: exit 2" status_is 2 "$irqrr" export "$tmp/same.irqrr" --perfetto "$tmp/same-link"
check "export onto a symlink to its input: input intact" intact
check "plot onto its input: exit 2" status_is 2 "$irqrr" plot "$tmp/same.irqrr" -o "$tmp/same.irqrr"
check "plot onto its input: input intact" intact
ln -f "$tmp/same.irqrr" "$tmp/same-hard"
check "plot onto a hard link of its input: exit 2" status_is 2 "$irqrr" plot "$tmp/same.irqrr" -o "$tmp/same-hard"
check "plot onto a hard link of its input: input intact" intact
cp "$examples/linux-pit-1khz.script" "$tmp/s.script"
check "chips --record onto its script: exit 2" status_is 2 "$irqrr" chips --record "$tmp/s.script" "$tmp/s.script"
check "chips --record onto its script: said" stderr_has "is the input"
check "chips --record onto its script: script intact" cmp -s "$tmp/s.script" "$examples/linux-pit-1khz.script"
check "reduce onto its input: exit 2" status_is 2 "$irqrr" reduce "$tmp/same.irqrr" --until 'no-intack>1ms' -o "$tmp/same.irqrr"
check "reduce onto its input: input intact" intact
# reduce's printed verify command must not overwrite the script it wrote
printf 'board cpus=1\nmmiow 0xfec00000 0x18\nmmiow 0xfec00010 0x8030\nirq 4 1\ntime 5000000\n' >"$tmp/r.script"
"$irqrr" chips --record "$tmp/r.irqrr" "$tmp/r.script" >/dev/null
check "reduce a level-triggered hang" status_is 0 "$irqrr" reduce "$tmp/r.irqrr" --until 'remote-irr:4>1ms' -o "$tmp/r.min.script"
verify_cmd=$(sed -n 's/^verified: `\(.*\)` records.*/\1/p' "$tmp/stdout")
check "reduce prints a verify command" test -n "$verify_cmd"
cp "$tmp/r.min.script" "$tmp/r.min.copy"
eval "'$irqrr' ${verify_cmd#irqrr }" >/dev/null 2>&1
check "the verify command runs" test $? -eq 0
check "the verify command leaves the script alone" cmp -s "$tmp/r.min.script" "$tmp/r.min.copy"

# --- 7. a failed chips --record leaves no trace that passes for complete
printf 'out 0x43 0x34\nout 0x40 0x02\nout 0x40 0x00\ntime 100000\nfrobnicate\n' >"$tmp/fail.script"
check "failing script with --record: exit 2" status_is 2 "$irqrr" chips --record "$tmp/fail.irqrr" "$tmp/fail.script"
check "failing script: no trace left" test ! -e "$tmp/fail.irqrr"
check "failing script: said so" stderr_has "no trace written"
echo keep >"$tmp/fail.irqrr"
check "failing script over a file: exit 2" status_is 2 "$irqrr" chips --record "$tmp/fail.irqrr" "$tmp/fail.script"
check "failing script over a file: the file is left as it was" unchanged "$tmp/fail.irqrr"
"$irqrr" chips --record "$tmp/ok.irqrr" "$examples/linux-pit-1khz.script" >/dev/null
ln -sf "$tmp/ok.irqrr" "$tmp/fail-link"
check "failing script through a symlink: exit 2" status_is 2 "$irqrr" chips --record "$tmp/fail-link" "$tmp/fail.script"
check "failing script through a symlink: the link stays" test -L "$tmp/fail-link"
check "failing script through a symlink: replay does not call it identical" status_is 2 "$irqrr" replay "$tmp/fail-link"
check "no temporary files left" test -z "$(ls "$tmp" | grep 'irqrr-')"

# --- 6. the summary says what it counts
check "replay of a trace with context records" status_is 0 "$irqrr" replay "$tmp/corpus/escapes-in-strings.irqrr"
check "the summary names the context records it leaves out" stdout_has '; 2 context records not replayed'
check "replay --stats counts the same events" status_is 0 "$irqrr" replay --stats "$tmp/corpus/ring.irqrr"
n_summary=$(sed -n 's/^identical: \([0-9]*\) events.*/\1/p' "$tmp/stdout")
n_stats=$(sed -n 's/^replay: .*(\([0-9]*\) events in.*/\1/p' "$tmp/stdout")
check "summary and --stats agree" test -n "$n_summary" -a "$n_summary" = "$n_stats"

# --- 3. one input whose outputs pass the 16 MiB chunk limit: the writer
# continues them in a chunk with an empty keyframe, which replay, state and
# bisect must read as the continuation it is
{ cat "$examples/linux-pit-1khz.script"; echo "time 1800000000000"; } >"$tmp/long.script"
check "30 min of 1 kHz PIT in one step: recorded" status_is 0 "$irqrr" chips --record "$tmp/long.irqrr" "$tmp/long.script"
check "  in more than one chunk" test "$("$irqrr" info "$tmp/long.irqrr" | sed -n 's/^chunks: //p')" -gt 1
check "  replays identical" status_is 0 "$irqrr" replay "$tmp/long.irqrr"
check "  replay --from in the continuation chunk" status_is 0 "$irqrr" replay --from 3100000 --to 3100010 "$tmp/long.irqrr"
check "  state in the continuation chunk" status_is 0 "$irqrr" state --at 3100000 "$tmp/long.irqrr"
check "  state there is at the event's time" stdout_has "^board: t=1549751576038 "
check "  bisect reads through it" status_is 1 "$irqrr" bisect "$tmp/long.irqrr" --until 'isr-held:0>1s'

# --- 10. replay says what it did not verify
p=$tmp/corpus/plain.irqrr
# events 12..13 are timer outputs of the input at 15: they must be checked
check "replay --from 12 --to 13: exit 0" status_is 0 "$irqrr" replay --from 12 --to 13 "$p"
checked_range() { # A B: the summary's checked range covers A..B
	local r; r=$(sed -n 's/.*, events \([0-9]*\)\.\.\([0-9]*\).*/\1 \2/p' "$tmp/stdout")
	set -- $1 $2 $r
	[ $# -eq 4 ] && [ "$3" -le "$1" ] && [ "$4" -ge "$2" ] || { echo "  checked $3..$4, asked $1..$2" >&2; return 1; }
}
check "replay --from 12 --to 13 checks events 12..13" checked_range 12 13
check "replay --from 9 --to 9 checks event 9" sh -c "'$irqrr' replay --from 9 --to 9 '$p' >'$tmp/stdout'"
check "  (its range)" checked_range 9 9
check "a torn tail is fine: exit 0" status_is 0 "$irqrr" replay "$tmp/corpus/torn-tail.irqrr"
check "damage at the start: exit 3" status_is 3 "$irqrr" replay "$tmp/corpus/damaged-first-chunk.irqrr"
check "damage at the start: what was not verified" stderr_has "not verified: events before 1000"
check "damage in the middle: exit 3" status_is 3 "$irqrr" replay "$tmp/corpus/damaged-middle-chunk.irqrr"
check "damage in the middle: what was not verified" stderr_has "not verified: events 15000..15999"
check "damage in the middle: the rest is checked" stdout_has "^identical: 29014 events"
check "damage outside --from/--to: exit 0" status_is 0 "$irqrr" replay --from 20000 --to 21000 "$tmp/corpus/damaged-middle-chunk.irqrr"
# the damaged chunk held the IRQ0 mask: a reader that carries its board
# across the gap sees ticks nobody acknowledges
check "damage hiding a mask: replay exit 3" status_is 3 "$irqrr" replay "$tmp/corpus/damaged-hides-mask.irqrr"
check "damage hiding a mask: bisect restarts at the keyframe after it" status_is 1 "$irqrr" bisect "$tmp/corpus/damaged-hides-mask.irqrr" --until 'no-intack>5ms'
check "damage hiding a mask: so does bisect --linear" status_is 1 "$irqrr" bisect --linear "$tmp/corpus/damaged-hides-mask.irqrr" --until 'no-intack>5ms'
# the damaged chunk's last input ran on into a continuation chunk, which
# then has no state to replay from: skipped, and said
check "a continuation chunk: replay identical" status_is 0 "$irqrr" replay "$tmp/corpus/continuation.irqrr"
check "damage before a continuation: exit 3" status_is 3 "$irqrr" replay "$tmp/corpus/damaged-before-continuation.irqrr"
check "damage before a continuation: both chunks named" stderr_has "not verified: events 214..416 (1 damaged chunk skipped, 1 chunk continuing them)"
check "damage before a continuation: bisect goes on after them" status_is 1 "$irqrr" bisect "$tmp/corpus/damaged-before-continuation.irqrr" --until 'no-intack>5ms'
check "--git-bisect: skipped damage is 125 (cannot test)" status_is 125 "$irqrr" replay --git-bisect "$tmp/corpus/damaged-middle-chunk.irqrr"
check "replay --json with skipped damage: exit 3" status_is 3 "$irqrr" replay --json "$tmp/corpus/damaged-middle-chunk.irqrr"
check "  result unverified, naming the events" python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert d["result"] == "unverified" and "15000..15999" in d["not_verified"], d' "$tmp/stdout"
check "  the reason also on stderr" stderr_has "not verified: events 15000..15999"

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
