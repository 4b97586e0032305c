#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 14 (items 8, 9, 11, 12 and the conveniences) through the real
# binary: write errors, options that do not apply, wording, help, version,
# JSON results, dump filters, time windows, the default trace, '-' and
# pipes, empty traces, escapes. Usage: test_usability.sh IRQRR EXAMPLES_DIR
set -u
irqrr=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") examples=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
# run WANT DESCRIPTION CMD...: exit status WANT; stdout, stderr kept
run() {
	local want=$1 what=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then ok "$what"; else
		bad "$what: exit $got, wanted $want"; head -c 600 "$tmp/err"; fi
}
# has FILE PATTERN DESCRIPTION
has() { if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3: no '$2' in:"; head -c 600 "$1"; fi; }
hasnt() { if grep -q -- "$2" "$1"; then bad "$3: '$2' in:"; head -c 600 "$1"; else ok "$3"; fi; }
json_ok() { # FILE DESCRIPTION [PYTHON EXPRESSION over d]
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), d' \
		"$1" "${3:-True}" 2>"$tmp/pyerr"; then ok "$2"; else bad "$2"; cat "$tmp/pyerr" "$1" | head -c 600; fi
}

script=$examples/linux-pit-1khz.script
T=$tmp/t.irqrr
"$irqrr" chips --record "$T" "$script" >/dev/null || { echo "FAIL: chips --record"; exit 1; }
cat >"$tmp/held.script" <<'S'
out 0x20 0x11
out 0x21 0x30
out 0x21 0x04
out 0x21 0x01
time 1000
irq 5 1
out 0x20 0x0c
in 0x20
time 5000
intack
time 90000
S
H=$tmp/held.irqrr
"$irqrr" chips --record "$H" "$tmp/held.script" >/dev/null || { echo "FAIL: chips --record held"; exit 1; }

# --- item 8: a write error on standard output is exit 2 with one line
if [ -w /dev/full ]; then
	full() { # DESCRIPTION CMD...
		local what=$1; shift
		"$@" >/dev/full 2>"$tmp/err"
		local got=$?
		if [ "$got" -eq 2 ] && grep -q 'write error on standard output' "$tmp/err"; then
			ok "$what >/dev/full: exit 2, message"
		else
			bad "$what >/dev/full: exit $got"; head -c 300 "$tmp/err"
		fi
	}
	full "state" "$irqrr" state --at 20 "$T"
	full "info" "$irqrr" info "$T"
	full "stats" "$irqrr" stats "$T"
	full "bisect" "$irqrr" bisect "$H" --until 'isr-held:5>50us'
	full "bisect not found" "$irqrr" bisect "$H" --until 'isr-held:5>1s'
	full "diff" "$irqrr" diff "$T" "$T"
	full "replay" "$irqrr" replay "$T"
	full "reduce" "$irqrr" reduce "$H" --until 'isr-held:5>50us' -o "$tmp/r.script"
	full "--help" "$irqrr" --help
	full "replay --help" "$irqrr" replay --help
	full "dump" "$irqrr" dump "$T"
	full "chips" "$irqrr" chips "$script"
	full "version" "$irqrr" --version
else
	echo "skip: /dev/full is not writable here"
fi

# --- item 9: each command takes only its own options
run 2 "dump --at refused" "$irqrr" dump --at 5 "$T"
has "$tmp/err" "irqrr dump: '--at' is not an option of dump" "dump --at: message names it"
run 2 "stats --format refused" "$irqrr" stats --format json "$T"
has "$tmp/err" "'--format' is not an option of stats" "stats --format: message"
run 2 "info --model refused" "$irqrr" info --model pic.poll_no_0x80=1 "$T"
run 2 "info --from refused" "$irqrr" info --from 3 "$T"
run 2 "state --format refused" "$irqrr" state --at 3 --format json "$T"
run 2 "replay --at refused" "$irqrr" replay --at 3 "$T"
run 2 "dump --model refused" "$irqrr" dump --model pic.poll_no_0x80=1 "$T"
run 2 "stats --git-bisect refused" "$irqrr" stats --git-bisect "$T"
run 2 "state --from refused" "$irqrr" state --at 3 --from 2 "$T"
run 2 "bisect --tolerance refused" "$irqrr" bisect --until 'no-intack>1ms' --tolerance 5us "$T"
run 2 "diff --from refused" "$irqrr" diff --from 3 "$T" "$T"
run 2 "reduce --from refused" "$irqrr" reduce --until 'no-intack>1ms' -o "$tmp/x" --from 3 "$T"
run 2 "chips --format refused" "$irqrr" chips --format json "$script"
run 2 "plot --io refused" "$irqrr" plot --io -o "$tmp/x.svg" "$T"
has "$tmp/err" "'--io' is not an option of plot" "plot --io: message"
run 2 "export --width refused" "$irqrr" export --width 500 --perfetto "$tmp/x.json" "$T"
run 2 "a missing value is named" "$irqrr" dump "$T" --from
has "$tmp/err" "option --from needs a value" "missing value message"
run 0 "replay --model still taken" "$irqrr" replay --model pic.poll_no_0x80=1 "$T"
run 0 "dump --from/--to still taken" "$irqrr" dump --from 3 --to 5 "$T"

# --- item 12: wording
printf 'board cpus=65\n' >"$tmp/cpus65.script"
run 2 "board cpus=65" "$irqrr" chips "$tmp/cpus65.script"
has "$tmp/err" "cpus 65 out of range (1..64)" "cpus 65: decimal range"
printf 'board cpus=0\n' >"$tmp/cpus0.script"
run 2 "board cpus=0" "$irqrr" chips "$tmp/cpus0.script"
has "$tmp/err" "cpus 0 out of range (1..64)" "cpus 0: the same kind of message"
printf 'out 0x21 256\n' >"$tmp/v256.script"
run 2 "decimal value too big" "$irqrr" chips "$tmp/v256.script"
has "$tmp/err" "value 256 out of range (max 255)" "a decimal value gets a decimal maximum"
run 2 "chips --cpus 0" "$irqrr" chips --cpus 0 "$script"
has "$tmp/err" "irqrr chips: --cpus 0: expected 1..64" "chips --cpus 0 message"
run 2 "chips --cpus 65" "$irqrr" chips --cpus 65 "$script"
has "$tmp/err" "irqrr chips: --cpus 65: expected 1..64" "chips --cpus 65: same kind"
if "$irqrr" run --list-guests >/dev/null 2>&1; then
	run 2 "run --cpus 0" "$irqrr" run --cpus 0 --timeout 1
	has "$tmp/err" "irqrr: --cpus 0: expected 1..64" "run --cpus 0 message"
	run 2 "run --cpus 65" "$irqrr" run --cpus 65 --timeout 1
	has "$tmp/err" "irqrr: --cpus 65: expected 1..64" "run --cpus 65: the same kind"
	run 2 "run --ring refused" "$irqrr" run --ring 1 --timeout 1
	has "$tmp/err" "'--ring' is not an option of run" "run --ring: message"
	run 2 "run --from refused" "$irqrr" run --from 3 --timeout 1
	for c in run record; do
		run 0 "$c --help" "$irqrr" "$c" --help
		has "$tmp/out" "^Exit status: " "$c --help lists exit statuses"
	done
fi
for c in replay dump info stats state explain bisect diff reduce export plot chips; do
	run 0 "$c --help" "$irqrr" "$c" --help
	has "$tmp/out" "^Exit status: " "$c --help lists exit statuses"
done
run 0 "top-level help" "$irqrr" --help
has "$tmp/out" "dump .*chips" "top-level help lists --format chips"
has "$tmp/out" "Exit status" "top-level help lists exit statuses"
mkdir -p "$tmp/ro"
run 2 "reduce honours TMPDIR" env TMPDIR="$tmp/nonexistent" "$irqrr" reduce "$H" --until 'isr-held:5>50us' -o "$tmp/r.script"
has "$tmp/err" "$tmp/nonexistent" "reduce names the TMPDIR it could not use"

# --- help, version
run 0 "irqrr help dump" "$irqrr" help dump
"$irqrr" dump --help >"$tmp/dump.help"
if cmp -s "$tmp/out" "$tmp/dump.help"; then ok "help dump = dump --help"; else bad "help dump = dump --help"; fi
run 2 "irqrr help nosuch" "$irqrr" help nosuch
has "$tmp/err" "unknown command 'nosuch'" "help of an unknown command"
run 0 "irqrr help" "$irqrr" help
has "$tmp/out" "^commands:" "irqrr help lists commands"
has "$tmp/out" "^  explain " "irqrr help lists explain"
for v in -V --version version; do
	run 0 "irqrr $v" "$irqrr" $v
	has "$tmp/out" "^irqrr [0-9][0-9.]*" "irqrr $v prints the version"
done

# --- --json
run 0 "info --json" "$irqrr" info --json "$T"
json_ok "$tmp/out" "info --json parses" 'd["events"] > 0 and d["configuration"]["source"] == "chips"'
run 0 "stats --json" "$irqrr" stats --json "$T"
json_ok "$tmp/out" "stats --json parses" 'd["irq0_rises"] == 10 and d["kinds"]["wire"] > 0'
run 0 "state --json" "$irqrr" state --at 20 --json "$T"
json_ok "$tmp/out" "state --json parses" 'd["at"] == 20 and any(l.startswith("pic master") for l in d["state"])'
run 0 "replay --json" "$irqrr" replay --json "$T"
json_ok "$tmp/out" "replay --json parses" 'd["result"] == "identical" and d["events"] > 0'
run 1 "replay --json diverged" "$irqrr" replay --json --model pic.poll_no_0x80=1 "$H"
json_ok "$tmp/out" "replay --json divergence" 'd["result"] == "diverged" and "divergence_at" in d'
run 0 "bisect --json" "$irqrr" bisect --json "$H" --until 'isr-held:5>50us'
json_ok "$tmp/out" "bisect --json parses" 'd["result"] == "found" and d["event"] >= 0'
run 1 "bisect --json not found" "$irqrr" bisect --json "$H" --until 'isr-held:5>1s'
json_ok "$tmp/out" "bisect --json not found parses" 'd["result"] == "not-found"'
run 0 "diff --json" "$irqrr" diff --json "$T" "$T"
json_ok "$tmp/out" "diff --json same" 'd["result"] == "same"'
run 1 "diff --json different" "$irqrr" diff --json "$T" "$H"
json_ok "$tmp/out" "diff --json different" 'd["result"] == "different"'
run 0 "reduce --json" "$irqrr" reduce --json "$H" --until 'isr-held:5>50us' -o "$tmp/r.script"
json_ok "$tmp/out" "reduce --json parses" 'd["result"] == "written" and d["kept"] <= d["inputs"]'
run 0 "reduce" "$irqrr" reduce "$H" --until 'isr-held:5>50us' -o "$tmp/r.script"
cp "$tmp/r.script" "$tmp/r.script.orig"
verify=$(sed -n 's/^verified: `irqrr \(.*\)` records a trace.*/\1/p' "$tmp/out")
if [ -n "$verify" ] && (cd "$tmp" && eval "'$irqrr' $verify" </dev/null >/dev/null 2>&1) &&
	cmp -s "$tmp/r.script" "$tmp/r.script.orig"; then
	ok "reduce's verify command runs and leaves the script alone"
else
	bad "reduce's verify command ($verify) runs and leaves the script alone"
fi
run 0 "reduce -o -" "$irqrr" reduce "$H" --until 'isr-held:5>50us' -o -
has "$tmp/out" "^irq 5 1" "reduce -o - writes the script on standard output"
has "$tmp/err" "reduced" "reduce -o -: the summary on standard error"

# --- dump filters
run 0 "dump --kind intack" "$irqrr" dump --kind intack "$T"
if [ -s "$tmp/out" ] && ! grep -vq ' intack ' "$tmp/out"; then ok "only intack records"; else bad "only intack records"; fi
run 0 "dump --kind wire,apic" "$irqrr" dump --kind wire,apic "$T"
if [ -s "$tmp/out" ] && ! grep -Evq ' (wire|apic) ' "$tmp/out"; then ok "only wire and apic"; else bad "only wire and apic"; fi
run 2 "dump --kind bogus" "$irqrr" dump --kind bogus "$T"
has "$tmp/err" "unknown kind 'bogus'" "unknown kind named"
run 0 "dump --gsi 5" "$irqrr" dump --gsi 5 "$H"
test "$(grep -c . "$tmp/out")" -eq 1 && has "$tmp/out" " irq .*gsi=5" "dump --gsi: the irq 5 record" || bad "dump --gsi 5: one line"
run 0 "dump --line 5" "$irqrr" dump --line 5 "$H"
test "$(grep -c . "$tmp/out")" -eq 1 && ok "--line is --gsi" || bad "--line is --gsi"
run 0 "dump --vector 0x37 --format json" "$irqrr" dump --vector 0x37 --format json "$H"
python3 -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; assert L and all(l["vector"]==0x37 for l in L)' "$tmp/out" \
	&& ok "dump --vector" || bad "dump --vector"
run 0 "dump --cpu 0 --kind intack" "$irqrr" dump --cpu 0 --kind intack "$H"
test "$(grep -c . "$tmp/out")" -eq 1 && ok "dump --cpu and --kind combine" || bad "dump --cpu and --kind combine"
run 2 "dump --gsi 99" "$irqrr" dump --gsi 99 "$T"
run 2 "filters refuse --format script" "$irqrr" dump --kind irq --format script "$T"

# --- time windows
run 0 "dump --from-time/--to-time" "$irqrr" dump --from-time 2ms --to-time 4.5ms "$T"
awk '{ if ($2 < 0.002 || $2 > 0.0045) bad = 1 } END { exit bad || NR == 0 }' "$tmp/out" \
	&& ok "dump time window: only 2ms..4.5ms" || { bad "dump time window"; head "$tmp/out"; }
n_win=$(grep -c ' wire .*irq0.*1$' "$tmp/out")
run 0 "stats --from-time" "$irqrr" stats --from-time 2ms --to-time 4.5ms "$T"
has "$tmp/out" "rising edges 3" "stats time window: 3 irq0 edges in 2ms..4.5ms"
run 0 "replay --from-time" "$irqrr" replay --from-time 5ms "$T"
has "$tmp/out" "^identical" "replay over a time window"
run 0 "export --from-time" "$irqrr" export "$T" --perfetto "$tmp/w.json" --from-time 1ms --to-time 2ms
json_ok "$tmp/w.json" "export time window parses"
run 2 "bad time" "$irqrr" dump --from-time 5 "$T"
has "$tmp/err" "bad time '5' for --from-time" "a time needs a unit"
run 0 "fractions: 0.0000015s is 1500ns" "$irqrr" dump --from-time 0.0000015s --to-time 1500ns "$T"
test ! -s "$tmp/out" && ok "1.5us..1.5us is empty here" || bad "1.5us..1.5us is empty here"
run 0 "--to-time is inclusive" "$irqrr" dump --from-time 0.5ms --to-time 0.999848ms --kind wire "$T"
has "$tmp/out" "0.000999848 wire" "an event at --to-time is in the window"
run 0 "--to-time 1ns before" "$irqrr" dump --from-time 0.5ms --to-time 999847ns --kind wire "$T"
hasnt "$tmp/out" "0.000999848 wire" "an event 1ns after --to-time is not"
run 2 "time overflow" "$irqrr" dump --from-time 99999999999s "$T"
has "$tmp/err" "bad time" "time overflow refused"
run 2 "bad unit" "$irqrr" stats --to-time 5min "$T"
run 2 "from-time after to-time" "$irqrr" dump --from-time 2ms --to-time 1ms "$T"
has "$tmp/err" "--from-time is after --to-time" "from-time after to-time: message"
run 0 "empty window" "$irqrr" dump --from-time 100s "$T"
test ! -s "$tmp/out" && ok "a window past the end prints nothing" || bad "a window past the end prints nothing"
run 0 "stats of an empty window" "$irqrr" stats --from-time 100s "$T"
has "$tmp/out" "^events: 0 " "stats: 0 events in an empty window"
for c in replay "export --perfetto $tmp/w2.json" "plot -o $tmp/w2.svg"; do
	run 2 "$c of an empty window" "$irqrr" $c --from-time 100s "$T"
	has "$tmp/err" "no events in the time window" "$c: empty window named"
done
run 2 "a window between two events" "$irqrr" replay --from-time 1ns --to-time 500ns "$H"
: "$n_win"

# --- default trace
mkdir "$tmp/cwd"
run 2 "no FILE and no irqrr.irqrr" sh -c "cd '$tmp/cwd' && '$irqrr' info"
has "$tmp/err" "irqrr.irqrr" "the default trace is named"
cp "$T" "$tmp/cwd/irqrr.irqrr"
for c in info stats dump replay "state --at 3" explain; do
	run 0 "$c with no FILE reads irqrr.irqrr" sh -c "cd '$tmp/cwd' && '$irqrr' $c"
done

# --- '-' and pipes
"$irqrr" info --json "$T" >"$tmp/info.ref"
run 0 "info - reads standard input" sh -c "'$irqrr' info --json - <'$T'"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); a.pop("file"); b.pop("file"); assert a==b' "$tmp/out" "$tmp/info.ref" \
	&& ok "info - says what info FILE says" || bad "info - says what info FILE says"
run 0 "replay from a pipe" sh -c "cat '$T' | '$irqrr' replay -"
has "$tmp/out" "^identical" "replay - from a pipe"
run 0 "dump of a FIFO" bash -c "'$irqrr' dump <(cat '$T')"
test "$(grep -c . "$tmp/out")" -eq "$("$irqrr" dump "$T" | grep -c .)" && ok "dump <(cat T) is complete" || bad "dump <(cat T)"
run 2 "diff - - refused" sh -c "'$irqrr' diff - - <'$T'"
spool_left=$(ls "$tmp/spool" 2>/dev/null | wc -l)
mkdir -p "$tmp/spool"
run 0 "spool in TMPDIR" sh -c "cat '$T' | TMPDIR='$tmp/spool' '$irqrr' stats -"
test "$(ls -A "$tmp/spool" | wc -l)" -eq 0 && ok "the spooled copy is gone" || bad "the spooled copy is gone"
: "$spool_left"
mkdir "$tmp/dash"
run 2 "chips --record - refused" sh -c "cd '$tmp/dash' && '$irqrr' chips --record - '$script'"
has "$tmp/err" "a trace cannot go to standard output" "chips --record -: why"
test ! -e "$tmp/dash/-" && ok "no file named '-'" || bad "no file named '-'"
if "$irqrr" run --list-guests >/dev/null 2>&1; then
	run 2 "record -o - refused" sh -c "cd '$tmp/dash' && '$irqrr' record -o - --timeout 1"
	has "$tmp/err" "a trace cannot go to standard output" "record -o -: why"
	test ! -e "$tmp/dash/-" && ok "record: no file named '-'" || bad "record: no file named '-'"
fi
run 2 "spool: TMPDIR unusable" sh -c "cat '$T' | TMPDIR='$tmp/nonexistent' '$irqrr' info -"
has "$tmp/err" "cannot spool to $tmp/nonexistent" "spool: the TMPDIR is named"
run 2 "not a trace on standard input" sh -c "echo hello | '$irqrr' info -"
has "$tmp/err" "not an irqrr trace" "stdin: not a trace"

# --- item 11: empty traces, one rule
"$irqrr" chips --record "$tmp/empty.irqrr" </dev/null >/dev/null
for c in info stats dump; do
	run 0 "$c of an empty trace" "$irqrr" $c "$tmp/empty.irqrr"
done
for c in replay "state --at 0" explain "bisect --until no-intack>1ms" "reduce --until no-intack>1ms -o $tmp/e.s"; do
	run 2 "$c of an empty trace" "$irqrr" $c "$tmp/empty.irqrr"
	has "$tmp/err" "the trace holds no events" "$c: the same message"
done
run 2 "diff with an empty trace" "$irqrr" diff "$tmp/empty.irqrr" "$T"
has "$tmp/err" "the trace holds no events" "diff: the same message"
run 2 "export of an empty trace" "$irqrr" export "$tmp/empty.irqrr" --perfetto "$tmp/e.json"
has "$tmp/err" "the trace holds no events" "export: the same message"
run 2 "plot of an empty trace" "$irqrr" plot "$tmp/empty.irqrr" -o "$tmp/e.svg"
has "$tmp/err" "the trace holds no events" "plot: the same message"

# --- item 11: terminal escapes in configuration strings and scripts
esc=$(printf '\033]0;pwned\007')
cp "$tmp/held.script" "$tmp/x${esc}y.script"
"$irqrr" chips --record "$tmp/esc.irqrr" "$tmp/x${esc}y.script" >/dev/null 2>&1
run 0 "info of a trace with escapes in its configuration" "$irqrr" info "$tmp/esc.irqrr"
if grep -q "$(printf '\033')" "$tmp/out"; then bad "info prints ESC raw"; else ok "info escapes ESC"; fi
has "$tmp/out" 'x\\x1b]0;pwned\\x07y' "info shows the bytes as \\xNN"
printf 'in 0x21 # \033[2J\nout 0x21 0x1ff \033[31m\n' >"$tmp/escmsg.script"
run 2 "chips: bad line with escapes" "$irqrr" chips "$tmp/escmsg.script"
if grep -q "$(printf '\033')" "$tmp/err"; then bad "chips prints ESC raw"; else ok "chips escapes ESC in messages"; fi
run 2 "chips: escapes in the script name" "$irqrr" chips "$tmp/x${esc}y-missing.script"
if grep -q "$(printf '\033')" "$tmp/err"; then bad "chips prints a name's ESC raw"; else ok "chips escapes a name's ESC"; fi

# --- item 11: long script lines
{ printf 'out 0x21 0x00 # %0600d\n' 0; printf 'in 0x21\n'; } >"$tmp/longcomment.script"
run 0 "a long comment is fine" "$irqrr" chips "$tmp/longcomment.script"
has "$tmp/out" "in 0x21 = 0x0$" "the line before a long comment runs"
{ printf 'in 0x21\n'; printf 'out 0x21 %0600d\n' 1; } >"$tmp/longcmd.script"
run 2 "an over-long command" "$irqrr" chips "$tmp/longcmd.script"
has "$tmp/err" "longcmd.script:2: line too long" "over-long command: file and line named"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
