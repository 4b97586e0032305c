#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# irqrr export --perfetto and irqrr plot: JSON and SVG checked with python3,
# windows, a damaged trace, and bad input (exit 2 with one message).
# usage: test_export.sh IRQRR
set -u
IRQRR=${1:?usage: test_export.sh IRQRR}
IRQRR=$(cd "$(dirname "$IRQRR")" && pwd)/$(basename "$IRQRR")
HERE=$(cd "$(dirname "$0")" && pwd)
EXAMPLES=$HERE/../../examples
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

# expect_error WHAT CMD...: exit status 2 and exactly one line on stderr.
expect_error() {
	local what=$1; shift
	"$@" >out.txt 2>err.txt
	local rc=$? lines
	lines=$(wc -l <err.txt)
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ]; then
		pass "$what: $(cat err.txt)"
	else
		fail "$what: status $rc, $lines stderr lines:"; cat err.txt
	fi
}

# ----------------------------------------------------------- traces
"$IRQRR" chips --record pit.irqrr "$EXAMPLES/linux-pit-1khz.script" >pit.out || { fail "record pit"; exit 1; }

cat >ioapic.script <<'SCRIPT'
# cpu 0: LVT0 ExtINT (virtual wire); cpu 1: LVT0 NMI
board cpus=2
lvt0 1 nmi
out 0x20 0x11
out 0x21 0x30
out 0x21 0x04
out 0x21 0x01
out 0xa0 0x11
out 0xa1 0x38
out 0xa1 0x02
out 0xa1 0x01
# pin 10: vector 0x41 fixed level, physical dest 1
mmiow 0xfec00000 0x24
mmiow 0xfec00010 0x00008041
mmiow 0xfec00000 0x25
mmiow 0xfec00010 0x01000000
# pin 5: vector 0x45 fixed edge, logical dest 0x03 (cpus 0 and 1)
mmiow 0xfec00000 0x1a
mmiow 0xfec00010 0x00000845
mmiow 0xfec00000 0x1b
mmiow 0xfec00010 0x03000000
time 100000
irq 10 1
time 150000
intack 0
eoi 0x41 1
time 200000
irq 10 0
out 0xa0 0x20
out 0x20 0x20
eoi 0x41 1
time 300000
irq 5 1
time 320000
intack 1
irq 5 0
out 0x20 0x20
time 400000
irq 5 1
time 410000
intack 0
irq 5 0
out 0x20 0x20
time 500000
SCRIPT
"$IRQRR" chips --record io.irqrr ioapic.script >io.out || { fail "record ioapic"; exit 1; }

# ----------------------------------------------------------- export
check "export pit" "$IRQRR" export pit.irqrr --perfetto pit.json
check "export ioapic --io" "$IRQRR" export io.irqrr --perfetto io.json --io

# validate.py JSON CHIPS_OUTPUT INTACKS_PER_CPU ("0:2,1:1")
cat >validate.py <<'PY'
import json, re, sys
path, chips_out, intacks = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.load(open(path))
ev = d["traceEvents"]
errors = []
def counter(name):
    pts = sorted(((e["ts"], i, e["args"]["level"]) for i, e in enumerate(ev)
                  if e["ph"] == "C" and e["name"] == name), key=lambda p: (p[0], p[1]))
    return [lvl for _, _, lvl in pts]
def rises(levels):
    return sum(1 for a, b in zip(levels, levels[1:]) if a == 0 and b == 1)
lines = open(chips_out).read().splitlines()
want = sum(1 for l in lines if re.search(r"\bwire irq0 1$", l))
got = rises(counter("irq0 (PIT OUT0)"))
if got != want:
    errors.append("irq0 rising edges: %d in JSON, %d wire irq0 1 lines" % (got, want))
starts = {e["id"] for e in ev if e["ph"] == "s"}
ends = {e["id"] for e in ev if e["ph"] == "f"}
if starts != ends or len(starts) != sum(1 for e in ev if e["ph"] == "s"):
    errors.append("flows do not pair: s=%s f=%s" % (sorted(starts), sorted(ends)))
want_msgs = sum(1 for l in lines if " apic " in l)
got_msgs = sum(1 for e in ev if e["ph"] == "X" and e["pid"] == 3)
if got_msgs != want_msgs:
    errors.append("APIC messages: %d in JSON, %d in chips output" % (got_msgs, want_msgs))
names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev
         if e["ph"] == "M" and e["name"] == "thread_name"}
for item in filter(None, intacks.split(",")):
    cpu, n = map(int, item.split(":"))
    tids = [k for k, v in names.items() if v == "vCPU %d" % cpu]
    if not tids:
        errors.append("no track for vCPU %d" % cpu)
        continue
    got = sum(1 for e in ev if e["ph"] == "i" and (e["pid"], e["tid"]) == tids[0]
              and e["name"].startswith("INTACK "))
    if got != n:
        errors.append("vCPU %d: %d INTACK instants, want %d" % (cpu, got, n))
for e in ev:
    if e["ph"] != "M" and not isinstance(e.get("ts"), (int, float)):
        errors.append("event without numeric ts: %r" % e)
        break
print("%s: %d events, %d flows, irq0 rises %d, APIC messages %d"
      % (path, len(ev), len(starts), rises(counter("irq0 (PIT OUT0)")), got_msgs))
for e in errors:
    print("  " + e)
sys.exit(1 if errors else 0)
PY
check "pit.json: parses, irq0 edges = wire irq0 1 lines, INTACK on vCPU 0" \
	python3 validate.py pit.json pit.out "0:1"
check "io.json: parses, flows pair, APIC messages, INTACKs on vCPU 0 and 1" \
	python3 validate.py io.json io.out "0:2,1:1"
check "io.json: flows to both vCPUs for the logical message" \
	python3 -c 'import json,sys; ev=json.load(open("io.json"))["traceEvents"]; t={e["tid"] for e in ev if e["ph"]=="f"}; sys.exit(t!={1,2})'
check "io.json: LINT0 NMI on vCPU 1, ExtINT requests on vCPU 0, EOIs" \
	python3 -c 'import json,sys; ev=json.load(open("io.json"))["traceEvents"]; n=lambda s,tid: sum(1 for e in ev if e["ph"]=="i" and e["tid"]==tid and e["pid"]==2 and e["name"]==s); sys.exit(not (n("LINT0 NMI",2)==3 and n("LINT0 ExtINT request",1)==3 and n("EOI 0x41",2)==2))'
check "io.json: chip I/O track" \
	python3 -c 'import json,sys; ev=json.load(open("io.json"))["traceEvents"]; sys.exit(not any(e["ph"]=="i" and e["pid"]==4 and e["name"]=="out 0x20 0x11" for e in ev))'
check "export to stdout" sh -c "'$IRQRR' export io.irqrr --perfetto - | python3 -c 'import json,sys; json.load(sys.stdin)'"

# A window: events 20..30 of the pit trace.
check "export --from 20 --to 30" "$IRQRR" export pit.irqrr --perfetto win.json --from 20 --to 30
check "window holds events 20..30" \
	python3 -c 'import json,sys; o=json.load(open("win.json"))["otherData"]; sys.exit(not (o["first_event"]==20 and o["last_event"]==30 and o["events"]==11))'

# ----------------------------------------------------------- plot
check "plot pit" "$IRQRR" plot pit.irqrr -o pit.svg
check "plot ioapic" "$IRQRR" plot io.irqrr -o io.svg --width 800
cat >rows.py <<'PY'
import sys, xml.etree.ElementTree as ET
path, want = sys.argv[1], sys.argv[2].split(",")
ns = "{http://www.w3.org/2000/svg}"
root = ET.parse(path).getroot()
rows = [g.get("data-line") for g in root.iter(ns + "g") if g.get("class") == "line-row"]
cpus = [g.get("data-cpu") for g in root.iter(ns + "g") if g.get("class") == "cpu-row"]
print("%s: rows %s, vCPU rows %s" % (path, rows, cpus))
sys.exit(0 if sorted(rows) == sorted(want) and cpus else 1)
PY
check "pit.svg: parses, one row per changed line" python3 rows.py pit.svg "irq0 (PIT OUT0),pic.int"
check "io.svg: parses, one row per changed line" python3 rows.py io.svg "GSI 5,GSI 10,pic.int"

# ----------------------------------------------------------- damage
# Flip bytes inside the one chunk's payload: nothing readable, still valid JSON.
cp pit.irqrr bad.irqrr
size=$(stat -c %s bad.irqrr)
printf '\xff\xff\xff\xff' | dd of=bad.irqrr bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
expect_error "damaged only chunk: export" "$IRQRR" export bad.irqrr --perfetto bad.json
check "damaged only chunk: no output left" test ! -e bad.json
expect_error "damaged only chunk: plot" "$IRQRR" plot bad.irqrr -o bad.svg

# A trace of several chunks with the second damaged: the first is exported,
# the output says partial, the status is 2.
python3 - "$EXAMPLES/linux-pit-1khz.script" >multi.script <<'PY'
import sys
head = open(sys.argv[1]).read().split("time 1500000")[0]
print(head)
t = 2000000
for i in range(60000):
    t += 50000
    print("time %d\nirq 3 1\nirq 3 0" % t)
PY
"$IRQRR" chips --record multi.irqrr multi.script >/dev/null || fail "record multi"
check "dense window: per-pixel bands" sh -c "'$IRQRR' plot multi.irqrr -o dense.svg --width 100 && grep -q 'class=\"band\"' dense.svg"
check "dense.svg: parses, one row per changed line" python3 rows.py dense.svg "GSI 3,irq0 (PIT OUT0),pic.int"
# Torn tail (killed recorder): the complete chunks are exported, status 0.
off2=$("$IRQRR" info multi.irqrr | awk '$1 == "2" && $2 ~ /^0x/ { print $2 }')
if [ -n "$off2" ]; then
	head -c $((off2 + 100)) multi.irqrr >torn.irqrr
	"$IRQRR" export torn.irqrr --perfetto torn.json 2>torn.err
	check "torn tail: status 0, a warning, valid JSON" sh -c \
		"grep -q 'torn' torn.err && python3 -c 'import json; json.load(open(\"torn.json\"))'"
fi
off=$("$IRQRR" info multi.irqrr | awk '$1 == "1" && $2 ~ /^0x/ { print $2 }')
if [ -n "$off" ]; then
	first1=$("$IRQRR" info multi.irqrr | awk '$1 == "1" && $2 ~ /^0x/ { print $3 }')
	printf '\xff\xff\xff\xff' | dd of=multi.irqrr bs=1 seek=$((off + 200)) conv=notrunc 2>/dev/null
	expect_error "damaged second chunk: export" "$IRQRR" export multi.irqrr --perfetto part.json
	check "damaged second chunk: the first chunk's events, marked partial" python3 -c \
		'import json,sys; o=json.load(open("part.json"))["otherData"]; sys.exit(not (o["partial"] and o["last_event"]=='"$((first1 - 1))"'))'
	expect_error "damaged second chunk: plot" "$IRQRR" plot multi.irqrr -o part.svg
	check "damaged second chunk: SVG parses" python3 -c 'import xml.etree.ElementTree as E; E.parse("part.svg")'
else
	fail "multi.irqrr has a single chunk"
fi

# ----------------------------------------------------------- bad input
expect_error "missing trace" "$IRQRR" export no-such.irqrr --perfetto x.json
check "missing trace: no output file" test ! -e x.json
echo "not a trace" >junk.irqrr
expect_error "not a trace" "$IRQRR" export junk.irqrr --perfetto x.json
expect_error "unwritable output" "$IRQRR" export pit.irqrr --perfetto /nonexistent-dir/x.json
expect_error "plot: unwritable output" "$IRQRR" plot pit.irqrr -o /nonexistent-dir/x.svg
expect_error "--format typo" "$IRQRR" export pit.irqrr --format perfeto --perfetto x.json
expect_error "plot --format typo" "$IRQRR" plot pit.irqrr --format sgv -o x.svg
expect_error "unknown option" "$IRQRR" export pit.irqrr --perfeto x.json
expect_error "no output" "$IRQRR" export pit.irqrr
expect_error "bad --from" "$IRQRR" export pit.irqrr --perfetto x.json --from abc
expect_error "--from after --to" "$IRQRR" export pit.irqrr --perfetto x.json --from 9 --to 3
expect_error "--from beyond the trace" "$IRQRR" export pit.irqrr --perfetto x.json --from 999999
expect_error "bad --width" "$IRQRR" plot pit.irqrr -o x.svg --width 5
expect_error "two traces" "$IRQRR" plot pit.irqrr pit.irqrr -o x.svg
if [ ! -x /usr/bin/convert ]; then
	expect_error "png without convert" "$IRQRR" plot pit.irqrr -o x.png
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all export/plot checks passed"
