#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command-line contract (DESIGN.md): exit codes, messages, and the
# trace -> script -> chips round trip. Usage: test_cli.sh IRQRR EXAMPLES_DIR
set -u
irqrr=$1 examples=$2
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

# --- top level
check "no arguments: usage, exit 2" status_is 2 "$irqrr"
check "--help exits 0" status_is 0 "$irqrr" --help
check "unknown command exits 2" status_is 2 "$irqrr" frobnicate
check "unknown command is named" stderr_has "unknown command 'frobnicate'"
check "--version" status_is 0 "$irqrr" --version

# --- chips
check "chips --help" status_is 0 "$irqrr" chips --help
check "chips example runs" status_is 0 "$irqrr" chips "$examples/linux-pit-1khz.script"
cp "$tmp/stdout" "$tmp/example.out"
check "example: 10 IRQ0 rising edges" test "$(grep -c ' wire irq0 1$' "$tmp/example.out")" -eq 10
check "example: intack vector 0x30" grep -q '^intack = 0x30$' "$tmp/example.out"
check "chips reads stdin" status_is 0 sh -c "'$irqrr' chips < '$examples/linux-pit-1khz.script'"
check "stdin gives the same output" cmp -s "$tmp/stdout" "$tmp/example.out"
printf 'in 0x21\nout 0x21 0x1ff\n' >"$tmp/bad.script"
check "bad script exits 2" status_is 2 "$irqrr" chips "$tmp/bad.script"
check "bad script: file and line named" stderr_has "bad.script:2: value 0x1ff out of range"
check "missing script exits 2" status_is 2 "$irqrr" chips "$tmp/none.script"
check "missing script: errno text" stderr_has "No such file or directory"
check "bad option exits 2" status_is 2 "$irqrr" chips --cpus 0 "$examples/linux-pit-1khz.script"
check "unwritable --record exits 2" status_is 2 "$irqrr" chips --record /nonexistent/dir/t.irqrr "$examples/linux-pit-1khz.script"

# --- record from a script, replay, dump
check "chips --record" status_is 0 "$irqrr" chips --record "$tmp/t.irqrr" "$examples/linux-pit-1khz.script"
check "record prints the same outputs" cmp -s "$tmp/stdout" "$tmp/example.out"
check "replay identical" status_is 0 "$irqrr" replay "$tmp/t.irqrr"
check "replay says identical" grep -q '^identical: ' "$tmp/stdout"
check "dump text" status_is 0 "$irqrr" dump "$tmp/t.irqrr"
check "dump text: one line per event" test "$(wc -l <"$tmp/stdout")" -eq "$("$irqrr" info "$tmp/t.irqrr" | sed -n 's/^events: //p')"
check "dump json" status_is 0 "$irqrr" dump --format json "$tmp/t.irqrr"
check "dump json parses" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/stdout"
check "dump --from/--to" status_is 0 "$irqrr" dump --from 3 --to 5 "$tmp/t.irqrr"
check "dump --from/--to: 3 lines" test "$(wc -l <"$tmp/stdout")" -eq 3
check "dump bad format exits 2" status_is 2 "$irqrr" dump --format xml "$tmp/t.irqrr"
check "dump script" status_is 0 "$irqrr" dump --format script "$tmp/t.irqrr"
cp "$tmp/stdout" "$tmp/t.script"
check "script replays through chips" status_is 0 "$irqrr" chips "$tmp/t.script"
# the outputs: reads, INTACKs and timed output lines (not the `state` dump)
grep -E '^(t=[0-9]+ |in |mmior |intack = )' "$tmp/example.out" >"$tmp/a"
grep -E '^(t=[0-9]+ |in |mmior |intack = )' "$tmp/stdout" >"$tmp/b"
check "the example prints outputs" test -s "$tmp/a"
check "dump --format script | chips prints the same outputs" cmp -s "$tmp/a" "$tmp/b"
check "dump chips" status_is 0 "$irqrr" dump --format chips "$tmp/t.irqrr"
check "dump --format chips equals what irqrr chips printed" cmp -s "$tmp/stdout" "$tmp/a"
printf 'cmos 0x20 0x5a\nout 0x70 0x20\nin 0x71\n' >"$tmp/cmos.script"
check "cmos directive" status_is 0 "$irqrr" chips "$tmp/cmos.script"
check "cmos byte reads back" grep -q '^in 0x71 = 0x5a$' "$tmp/stdout"
printf 'in 0x71\ncmos 0x20 1\n' >"$tmp/cmos2.script"
check "cmos after a command exits 2" status_is 2 "$irqrr" chips "$tmp/cmos2.script"
check "info" status_is 0 "$irqrr" info "$tmp/t.irqrr"
check "info names the script" grep -q 'script = ' "$tmp/stdout"
check "stats" status_is 0 "$irqrr" stats "$tmp/t.irqrr"
check "stats counts 10 irq0 edges" grep -q 'irq0 (PIT OUT0) rising edges 10' "$tmp/stdout"
check "state --at" status_is 0 "$irqrr" state --at 20 "$tmp/t.irqrr"
check "state shows the PIC" grep -q '^pic master: ' "$tmp/stdout"
check "state without --at exits 2" status_is 2 "$irqrr" state "$tmp/t.irqrr"
check "state beyond the end exits 2" status_is 2 "$irqrr" state --at 99999 "$tmp/t.irqrr"

# --- what-if replay
printf 'out 0x20 0x11\nout 0x21 0x30\nout 0x21 4\nout 0x21 1\ntime 10\nirq 3 1\ntime 20\nirq 3 0\ntime 30\nintack\n' >"$tmp/edge.script"
"$irqrr" chips --record "$tmp/edge.irqrr" "$tmp/edge.script" >/dev/null
check "--list-models" status_is 0 "$irqrr" replay --list-models
check "model variant diverges: exit 1" status_is 1 "$irqrr" replay --model pic.literal_edge=1 "$tmp/edge.irqrr"
check "divergence report names the event" stderr_has "divergence at event"
check "unknown model exits 2" status_is 2 "$irqrr" replay --model pic.nope=1 "$tmp/edge.irqrr"
# --fault as a what-if (docs/faults.md): the edge of IRQ3 lost, INTACK then
# gets no request; a fault that never fires changes nothing
check "fault what-if diverges: exit 1" status_is 1 "$irqrr" replay --fault edge-lose:line=3 "$tmp/edge.irqrr"
check "fault divergence names the event" stderr_has "divergence at event"
check "unfired fault: identical" status_is 0 "$irqrr" replay --fault edge-lose:line=3,nth=2 "$tmp/edge.irqrr"
check "bad replay --fault exits 2" status_is 2 "$irqrr" replay --fault edge-lose:line=30 "$tmp/edge.irqrr"
check "bad replay --fault says why" stderr_has "line must be 0..23"
check "bad record --fault exits 2" status_is 2 "$irqrr" record -o "$tmp/f.irqrr" --fault pit-stop
check "bad record --fault says why" stderr_has "pit-stop needs at=TIME or after=N"
# a chip script's `fault` lines, and `dump --format script` writing them
{ echo 'fault edge-lose:line=3'; cat "$tmp/edge.script"; } >"$tmp/fault.script"
check "script fault line" status_is 0 "$irqrr" chips --record "$tmp/fault.irqrr" "$tmp/fault.script"
check "the lost edge: INTACK finds no request" grep -q '^intack = 0x37$' "$tmp/stdout"
check "the trace names the fault" status_is 0 "$irqrr" info "$tmp/fault.irqrr"
check "info: fault = SPEC" grep -q '^  fault = edge-lose:line=3,nth=1$' "$tmp/stdout"
check "faulted trace replays identical" status_is 0 "$irqrr" replay "$tmp/fault.irqrr"
check "dump --format script writes the fault line" status_is 0 "$irqrr" dump --format script "$tmp/fault.irqrr"
check "  (fault line)" grep -q '^fault edge-lose:line=3,nth=1$' "$tmp/stdout"
check "  (no power-on warning)" test ! -s "$tmp/stderr"
{ cat "$tmp/edge.script"; echo 'fault pit-stop:after=1'; } >"$tmp/late.script"
check "fault after a command exits 2" status_is 2 "$irqrr" chips "$tmp/late.script"
check "  (says so)" stderr_has "'fault' must come before the first command"
check "--git-bisect maps unusable to 125" status_is 125 "$irqrr" replay --git-bisect "$tmp/none.irqrr"

# --- unusable and damaged traces: a clear message, never a crash
check "missing trace exits 2" status_is 2 "$irqrr" replay "$tmp/none.irqrr"
printf 'not a trace at all, just text\n' >"$tmp/text.irqrr"
check "not a trace exits 2" status_is 2 "$irqrr" replay "$tmp/text.irqrr"
check "not a trace: said so" stderr_has "not an irqrr trace"
size=$(stat -c %s "$tmp/t.irqrr")
for cut in 1 31 64 100 $((size / 2)) $((size - 1)); do
	head -c "$cut" "$tmp/t.irqrr" >"$tmp/cut.irqrr"
	"$irqrr" replay "$tmp/cut.irqrr" >/dev/null 2>"$tmp/stderr"
	st=$?
	check "truncated at $cut: exit 0 or 2, not a crash (got $st)" test "$st" -eq 0 -o "$st" -eq 2
	check "truncated at $cut: a message" test -s "$tmp/stderr"
done
for off in 40 200 $((size / 2)) $((size - 10)); do
	cp "$tmp/t.irqrr" "$tmp/flip.irqrr"
	python3 - "$tmp/flip.irqrr" "$off" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read()); b[off] ^= 0x10; open(p, 'wb').write(b)
PY
	for cmd in replay dump info stats; do
		"$irqrr" $cmd "$tmp/flip.irqrr" >/dev/null 2>&1
		st=$?
		check "bit flip at $off, $cmd: exit < 3 (got $st)" test "$st" -le 2
	done
done

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
