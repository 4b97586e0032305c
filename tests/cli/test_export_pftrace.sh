#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# irqrr export --perfetto OUT.pftrace: the protobuf parses (protoc
# --decode_raw), decodes against docs/perfetto-subset.proto with the expected
# tracks, instants, counters and flows (cross-checked with the JSON export of
# the same trace), HPET events show, and the output paths behave (unwritable,
# a failed export keeps the old file, /dev/null, a symlink, stdout).
# usage: test_export_pftrace.sh IRQRR SOURCE_ROOT
set -u
IRQRR=${1:?usage: test_export_pftrace.sh IRQRR SOURCE_ROOT}
SRC=${2:?usage: test_export_pftrace.sh IRQRR SOURCE_ROOT}
IRQRR=$(cd "$(dirname "$IRQRR")" && pwd)/$(basename "$IRQRR")
SRC=$(cd "$SRC" && pwd)
PROTO=$SRC/docs/perfetto-subset.proto
if ! command -v protoc >/dev/null; then
	echo "protoc not installed (scripts/deps.sh installs protobuf-compiler): skipped"
	exit 77
fi
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T" || exit 1
fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

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

decode() { protoc --decode=irqrr.pftrace.Trace -I "$(dirname "$PROTO")" "$PROTO" <"$1"; }

# ----------------------------------------------------------- traces
"$IRQRR" chips --record pit.irqrr "$SRC/examples/linux-pit-1khz.script" >pit.out || { fail "record pit"; exit 1; }
cat >ioapic.script <<'SCRIPT'
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
"$IRQRR" chips --record hpet.irqrr "$SRC/tests/chips/hpet-ioapic.script" >hpet.out || fail "record hpet-ioapic"
"$IRQRR" chips --record fsb.irqrr "$SRC/tests/chips/hpet-fsb.script" >fsb.out || fail "record hpet-fsb"

# ----------------------------------------------------------- export + decode
for t in pit io hpet fsb; do
	check "export $t.pftrace" "$IRQRR" export $t.irqrr --perfetto $t.pftrace --io
	check "export $t.json (the same trace as JSON)" "$IRQRR" export $t.irqrr --perfetto $t.json --io
	check "$t.pftrace: protoc --decode_raw parses it" sh -c "protoc --decode_raw <$t.pftrace >$t.raw"
	check "$t.pftrace: decodes as irqrr.pftrace.Trace" sh -c "$(declare -f decode); PROTO='$PROTO' decode $t.pftrace >$t.txt"
done
check "--format pftrace with another name, to stdout" sh -c \
	"'$IRQRR' export io.irqrr --format pftrace --perfetto - | protoc --decode_raw >/dev/null"
check "--perfetto OUT.json still writes JSON" python3 -c 'import json; json.load(open("io.json"))'

# check.py TEXT JSON EXPECT...: the decoded protobuf (protoc text format)
# against the JSON export of the same trace and the expectations given.
cat >check.py <<'PY'
import json, re, sys
text, jpath = sys.argv[1], sys.argv[2]
want = [tuple(a.split("=", 1)) for a in sys.argv[3:]]

def parse(lines, i):
    """protoc's text format into nested lists of (key, value)."""
    out = []
    while i < len(lines):
        l = lines[i].strip()
        i += 1
        if not l:
            continue
        if l == "}":
            return out, i
        if l.endswith("{"):
            sub, i = parse(lines, i)
            out.append((l[:-1].strip(), sub))
        else:
            k, v = l.split(":", 1)
            v = v.strip()
            out.append((k, json.loads(v) if v.startswith('"') else v))
    return out, i

def get(msg, key, default=None):
    for k, v in msg:
        if k == key:
            return v
    return default

def all_of(msg, key):
    return [v for k, v in msg if k == key]

packets = [v for k, v in parse(open(text).read().splitlines(), 0)[0] if k == "packet"]
errors = []
first = packets[0]
if get(first, "sequence_flags") != "1" or get(first, "first_packet_on_sequence") != "true":
    errors.append("first packet does not clear the incremental state")
if get(get(first, "trace_packet_defaults", []), "timestamp_clock_id") != "64":
    errors.append("no incremental clock 64 by default")
tracks, names, ann_names, counters, instants = {}, {}, {}, {}, []
starts, ends = [], []
t, seq = 0, set()
for p in packets:
    seq.add(get(p, "trusted_packet_sequence_id"))
    for idata in all_of(p, "interned_data"):
        for en in all_of(idata, "event_names"):
            iid = get(en, "iid")
            if iid in names:
                errors.append("iid %s interned twice" % iid)
            names[iid] = get(en, "name")
        for an in all_of(idata, "debug_annotation_names"):
            if get(an, "iid") in ann_names:
                errors.append("annotation name iid %s interned twice" % get(an, "iid"))
            ann_names[get(an, "iid")] = get(an, "name")
    if len(all_of(p, "interned_data")) > 1:
        errors.append("a packet with two interned_data fields (the decoder keeps one)")
    td = get(p, "track_descriptor")
    if td is not None:
        tracks[get(td, "uuid")] = (get(td, "name"), get(td, "counter") is not None)
    te = get(p, "track_event")
    if te is None:
        continue
    ts = int(get(p, "timestamp", "0"))
    if get(p, "timestamp_clock_id") == "6":
        at = ts
    else:
        t += ts
        at = t
    uuid = get(te, "track_uuid")
    if uuid not in tracks:
        errors.append("event on track %s before its descriptor" % uuid)
        continue
    tname, is_counter = tracks[uuid]
    kind = get(te, "type")
    if kind == "TYPE_COUNTER":
        if not is_counter:
            errors.append("counter value on %s, not a counter track" % tname)
        counters.setdefault(tname, []).append((at, int(get(te, "counter_value", "0"))))
    elif kind == "TYPE_INSTANT":
        iid = get(te, "name_iid")
        if iid is not None and iid not in names:
            errors.append("name_iid %s used before it was interned" % iid)
        name = names.get(iid) if iid is not None else get(te, "name")
        ann = {}
        for a in all_of(te, "debug_annotations"):
            if get(a, "name_iid") not in ann_names:
                errors.append("annotation name_iid %s not interned" % get(a, "name_iid"))
            ann[ann_names.get(get(a, "name_iid"))] = get(a, "uint_value",
                                                        get(a, "string_value", get(a, "int_value")))
        if (iid is not None or ann) and get(p, "sequence_flags") != "2":
            errors.append("interned names used without SEQ_NEEDS_INCREMENTAL_STATE")
        instants.append((at, tname, name, ann))
        starts += [(f, tname) for f in all_of(te, "flow_ids")]
        ends += [(f, tname) for f in all_of(te, "terminating_flow_ids")]
    else:
        errors.append("unexpected event type %s" % kind)
if seq != {"1"}:
    errors.append("packets on sequences %s" % sorted(seq))

# the JSON export of the same trace: the same story
ev = json.load(open(jpath))["traceEvents"]
def jcount(pred):
    return sum(1 for e in ev if pred(e))
def n_inst(prefix):
    return sum(1 for i in instants if i[2] and i[2].startswith(prefix))
for prefix in ("INTACK ", "EOI ", "LINT0 ", "LVT", "out ", "in ", "mmio"):
    j = jcount(lambda e: e["ph"] == "i" and e["name"].startswith(prefix))
    if n_inst(prefix) != j:
        errors.append("%r instants: %d in protobuf, %d in JSON" % (prefix, n_inst(prefix), j))
msgs = [i for i in instants if i[1].startswith("vector ") and i[2].startswith("apic ")]
jmsgs = jcount(lambda e: e["ph"] == "X" and e["pid"] == 3)
if len(msgs) != jmsgs:
    errors.append("APIC messages: %d in protobuf, %d in JSON" % (len(msgs), jmsgs))
recv = n_inst("APIC msg ")
jrecv = jcount(lambda e: e["ph"] == "X" and e["pid"] == 2)
if recv != jrecv:
    errors.append("message receipts on vCPUs: %d in protobuf, %d in JSON" % (recv, jrecv))
jc = {}
for e in ev:
    if e["ph"] == "C" and "level" in e["args"]:
        jc.setdefault(e["name"], []).append((round(e["ts"] * 1000), e["args"]["level"]))
for name, pts in jc.items():
    got = sorted(counters.get(name, []))
    if got != sorted(pts):
        errors.append("counter %s: %d points in protobuf, %d in JSON, or values differ"
                      % (name, len(got), len(pts)))
# every flow has one start (flow_ids on the first event) and one end, on
# another track or later in time; the ids are unique
ids_s = [f for f, _ in starts]
ids_e = [f for f, _ in ends]
if sorted(set(ids_e)) != sorted(ids_e) or not set(ids_e) <= set(ids_s):
    errors.append("flows: terminating ids %s without a start" % sorted(set(ids_e) - set(ids_s)))
if set(ids_s) != set(ids_e):
    errors.append("flows: started but never terminated: %s" % sorted(set(ids_s) - set(ids_e)))

n_td = len(tracks)
n_counter_tracks = sum(1 for n, c in tracks.values() if c)
summary = {"tracks": n_td, "counter_tracks": n_counter_tracks, "instants": len(instants),
           "counter_points": sum(len(v) for v in counters.values()), "flows": len(set(ids_e)),
           "messages": len(msgs)}
for k, v in want:
    if k.startswith("track:"):
        if not any(n == v for n, _ in tracks.values()):
            errors.append("no track named %r" % v)
    elif k.startswith("instant:"):
        trk, _, nm = v.partition("/")
        if not any(i[1] == trk and i[2] == nm for i in instants):
            errors.append("no instant %r on track %r" % (nm, trk))
    elif k.startswith("flow:"):
        a, _, b = v.partition(">")
        pairs = {f: [x for g, x in starts if g == f] for f in ids_e}
        term = dict(ends)
        if not any(a in pairs[f] and term[f] == b for f in pairs):
            errors.append("no flow from %r to %r" % (a, b))
    elif k == "annotation":
        key, _, val = v.partition("=")
        if not any(str(i[3].get(key)) == val for i in msgs):
            errors.append("no APIC message with %s" % v)
    elif str(summary.get(k)) != v:
        errors.append("%s: %s, want %s" % (k, summary.get(k), v))
print("%s: %s" % (text, " ".join("%s=%s" % kv for kv in summary.items())))
for e in errors:
    print("  " + e)
sys.exit(1 if errors else 0)
PY
check "pit: INTACKs, counters and LINT0 as in JSON; vCPU 0, irq0, pic.int tracks" \
	python3 check.py pit.txt pit.json "track:1=vCPU 0" "track:2=irq0 (PIT OUT0)" \
	"track:3=pic.int" "instant:1=vCPU 0/INTACK 0x30" flows=0
# 4 messages (pin 10 twice: the EOI of the still-high level line sends it
# again; pin 5 twice, to both vCPUs): 6 flows to vCPUs, 3 from line rises
check "io: two vCPUs, 4 APIC messages, 6 flows to vCPUs + 3 from line rises" \
	python3 check.py io.txt io.json "track:1=vCPU 1" "track:2=GSI 10" "track:3=vector 0x45" \
	"track:4=GSI 5 edges" messages=4 flows=9 tracks=17 counter_tracks=5 counter_points=17 "flow:1=GSI 10 edges>vector 0x41" \
	"flow:2=vector 0x45>vCPU 0" "flow:3=vector 0x45>vCPU 1" "flow:4=vector 0x41>vCPU 1" \
	"instant:1=vCPU 1/LINT0 NMI" "instant:2=vCPU 1/EOI 0x41" "annotation=destmode=logical"
check "hpet-ioapic: hpet.t1/hpet.t2 wire counters, messages on pins 20 and 21" \
	python3 check.py hpet.txt hpet.json "track:1=hpet.t1" "track:2=hpet.t2" \
	"track:3=vector 0x40" "track:4=vector 0x41" "annotation=pin=20" "annotation=pin=21"
check "hpet-fsb: 4 FSB messages (pin 64) to vCPU 1, each with its flow" \
	python3 check.py fsb.txt fsb.json "track:1=vector 0x51" messages=4 flows=4 \
	"annotation=pin=64" "flow:1=vector 0x51>vCPU 1"
check "the JSON shows the FSB messages too, on an HPET timer 0 thread" python3 -c \
	'import json,sys; ev=json.load(open("fsb.json"))["traceEvents"]; tid=[e["tid"] for e in ev if e["ph"]=="M" and e["args"].get("name")=="HPET timer 0 (FSB)"]; sys.exit(not tid or sum(1 for e in ev if e["ph"]=="X" and e["pid"]==3 and e["tid"]==tid[0])!=4)'
check "decode_raw: field 1 packets only, as many as decoded" sh -c \
	'[ "$(grep -c "^1 {" io.raw)" = "$(grep -c "^packet {" io.txt)" ] && ! grep -q "^[02-9]" io.raw'

# Context records (a recorder's trace from the fuzz corpus): the console
# line, the MSI result, the guest's exit, a KVM exit summary.
check "context records" "$IRQRR" export "$SRC/tests/fuzz/corpus/reader/context.irqrr" --perfetto ctx.pftrace
check "context records decode: console text, msi result, guest exit, KVM exit count" sh -c \
	"$(declare -f decode); PROTO='$PROTO' decode ctx.pftrace >ctx.txt && grep -q 'string_value: \"hello\"' ctx.txt &&
	 grep -q 'name: \"msi 0x31 not delivered\"' ctx.txt && grep -q 'name: \"guest exit\"' ctx.txt &&
	 grep -q 'name: \"KVM exit 12\"' ctx.txt && grep -q 'uint_value: 1000' ctx.txt"

# More names than the intern table holds (12,288): 20,480 distinct port
# writes with --io; the rest are written out, every instant keeps a name.
python3 -c '
print("board cpus=1")
t = 1000
for port in range(0x300, 0x380):
    for v in range(160):
        t += 10
        print("time %d\nout 0x%x 0x%x" % (t, port, v))' >many.script
"$IRQRR" chips --record many.irqrr many.script >/dev/null || fail "record many"
check "intern table full: export" "$IRQRR" export many.irqrr --perfetto many.pftrace --io
check "intern table full: 12288 names interned, 8192 written out" sh -c \
	"$(declare -f decode); PROTO='$PROTO' decode many.pftrace >many.txt &&
	 [ \$(grep -c 'event_names {' many.txt) = 12288 ] && [ \$(grep -c '^    name: \"out 0x' many.txt) = 8192 ] &&
	 [ \$(grep -c 'name_iid:' many.txt) = 12288 ]"

# A window: fewer events, still a valid sequence.
check "export --from 20 --to 30" "$IRQRR" export pit.irqrr --perfetto win.pftrace --from 20 --to 30
check "window decodes" sh -c "$(declare -f decode); PROTO='$PROTO' decode win.pftrace >win.txt"
"$IRQRR" export pit.irqrr --perfetto win.json --from 20 --to 30
check "window: the same counters and instants as the JSON window" python3 check.py win.txt win.json

# ----------------------------------------------------------- output paths
expect_error "unwritable output" "$IRQRR" export pit.irqrr --perfetto /nonexistent-dir/x.pftrace
expect_error "--format typo" "$IRQRR" export pit.irqrr --format pftrce --perfetto x.pftrace
check "typo: no output left" test ! -e x.pftrace
# A failed export leaves an existing output as it was.
cp pit.irqrr bad.irqrr
size=$(stat -c %s bad.irqrr)
printf '\xff\xff\xff\xff' | dd of=bad.irqrr bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
echo "precious" >keep.pftrace
expect_error "damaged only chunk" "$IRQRR" export bad.irqrr --perfetto keep.pftrace
check "damaged only chunk: the existing file is untouched" grep -qx precious keep.pftrace
expect_error "damaged only chunk, new name" "$IRQRR" export bad.irqrr --perfetto gone.pftrace
check "damaged only chunk: no output left" test ! -e gone.pftrace
# Device node and symlink.
check "to /dev/null" "$IRQRR" export io.irqrr --perfetto /dev/null --format pftrace
check "/dev/null is still a device" test -c /dev/null
mkdir -p real && ln -s real/target.pftrace link.pftrace
check "through a symlink" "$IRQRR" export io.irqrr --perfetto link.pftrace --io
check "the symlink stays a symlink, its target decodes" sh -c \
	"test -L link.pftrace && protoc --decode_raw <real/target.pftrace >/dev/null && cmp -s real/target.pftrace io.pftrace"
# A trace whose second chunk is damaged: the first chunk's packets, status 2.
python3 - "$SRC/examples/linux-pit-1khz.script" >multi.script <<'PY'
import sys
head = open(sys.argv[1]).read().split("time 1500000")[0]
print(head)
t = 2000000
for i in range(60000):
    t += 50000
    print("time %d\nirq 3 1\nirq 3 0" % t)
PY
"$IRQRR" chips --record multi.irqrr multi.script >/dev/null || fail "record multi"
off=$("$IRQRR" info multi.irqrr | awk '$1 == "1" && $2 ~ /^0x/ { print $2 }')
if [ -n "$off" ]; then
	printf '\xff\xff\xff\xff' | dd of=multi.irqrr bs=1 seek=$((off + 200)) conv=notrunc 2>/dev/null
	expect_error "damaged second chunk" "$IRQRR" export multi.irqrr --perfetto part.pftrace
	check "damaged second chunk: the readable part decodes" sh -c \
		"$(declare -f decode); PROTO='$PROTO' decode part.pftrace | grep -q 'GSI 3'"
else
	fail "multi.irqrr has a single chunk"
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all protobuf export checks passed"
