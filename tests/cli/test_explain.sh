#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `irqrr explain` (issue 13): the CLI contract on `chips --record` traces,
# one scenario per cause key, JSON shape, --at, --line, exit statuses.
# Usage: test_explain.sh IRQRR
set -u
irqrr=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
check() {
	local what=$1; shift
	checks=$((checks + 1))
	if ! "$@"; then
		echo "FAIL: $what" >&2
		fails=$((fails + 1))
	fi
}
status_is() {
	local want=$1; shift
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	local got=$?
	[ "$got" -eq "$want" ] || { echo "  exit $got, wanted $want: $*" >&2; cat "$tmp/stderr" >&2; return 1; }
}
# record NAME: the script on stdin -> $tmp/NAME.irqrr
record() { "$irqrr" chips --record "$tmp/$1.irqrr" >/dev/null; }
# json_is TRACE PYTHON-EXPR [explain args...]: d = the JSON object
json_is() {
	local trace=$1 expr=$2; shift 2
	"$irqrr" explain "$tmp/$trace.irqrr" --json "$@" >"$tmp/json" 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; return 1; }
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($expr) else 1)" "$tmp/json" ||
		{ echo "  $expr: no, got $(cat "$tmp/json")" >&2; return 1; }
}
# cause_of TRACE LINE KEY SINCE ("null" or a number) [args]
cause_is() {
	local trace=$1 line=$2 key=$3 since=$4; shift 4
	json_is "$trace" "[(x['cause'], x['since']) for x in d['diagnosis'] if x['line'] == $line] == [('$key', $since)]" "$@"
}

PIC_INIT='out 0x20 0x11
out 0x21 0x20
out 0x21 0x04
out 0x21 0x01
out 0xa0 0x11
out 0xa1 0x28
out 0xa1 0x02
out 0xa1 0x01'

# Special mask mode: IRQ1 in service (unmasked), IRQ4 raised: INT stays low.
record smm <<EOF2
$PIC_INIT
irq 1 1
intack
out 0x20 0x68
irq 4 1
EOF2
"$irqrr" dump "$tmp/smm.irqrr" >"$tmp/smm.dump"
ack=$(awk '$3 == "intack" { print $1 }' "$tmp/smm.dump")
check "smm: isr_blocks since the INTACK" cause_is smm 4 isr_blocks "$ack"
check "smm: stuck" json_is smm "d['diagnosis'][0]['stuck'] is True"
check "smm: at is the last event" json_is smm "d['at'] == $(tail -n 1 "$tmp/smm.dump" | awk '{print $1}')"
check "smm: text output" status_is 0 "$irqrr" explain "$tmp/smm.irqrr"
check "smm: text names the cause" grep -q "^STUCK *isr_blocks *since $ack *line 4: " "$tmp/stdout"
check "smm: before IRQ4, nothing pending" json_is smm "d['diagnosis'] == []" --at "$ack"

# Special fully nested mode: IRQ9 passes the master's IR2 in service.
record sfnm <<EOF2
out 0x20 0x11
out 0x21 0x20
out 0x21 0x04
out 0x21 0x11
out 0xa0 0x11
out 0xa1 0x28
out 0xa1 0x02
out 0xa1 0x01
irq 10 1
intack
irq 9 1
irq 11 1
EOF2
"$irqrr" dump "$tmp/sfnm.irqrr" >"$tmp/sfnm.dump"
ack=$(awk '$3 == "intack" { print $1 }' "$tmp/sfnm.dump")
raise9=$(awk '$3 == "irq" && $4 == "gsi=9" { print $1 }' "$tmp/sfnm.dump")
check "sfnm: IRQ9 undelivered (not stuck)" cause_is sfnm 9 undelivered "$raise9"
check "sfnm: IRQ9 not stuck" json_is sfnm "[x['stuck'] for x in d['diagnosis'] if x['line'] == 9] == [False]"
check "sfnm: IRQ11 behind IRQ10" cause_is sfnm 11 isr_blocks "$ack"
check "sfnm: --line 11 only" json_is sfnm "[x['line'] for x in d['diagnosis']] == [11]" --line 11

# Without SFNM the slave request waits behind the master's IR2.
record nested <<EOF2
$PIC_INIT
irq 10 1
intack
irq 9 1
EOF2
ack=$("$irqrr" dump "$tmp/nested.irqrr" | awk '$3 == "intack" { print $1 }')
check "slave behind master IR2: since its INTACK" cause_is nested 9 isr_blocks "$ack"

# Poll mode: the poll read delivers.
record poll <<EOF2
$PIC_INIT
lvt0 0 masked
irq 5 1
out 0x20 0x0c
in 0x20
EOF2
check "poll read delivers" json_is poll "d['diagnosis'] == []"

# ELCR: a level line still high at its EOIs requests again.
record level <<EOF2
$PIC_INIT
out 0x4d1 0x04
irq 10 1
intack
out 0xa0 0x20
out 0x20 0x20
EOF2
eoi=$("$irqrr" dump "$tmp/level.irqrr" | awk '$3 == "pio_write" && $4 == "port=0xa0" && $5 == "value=0x20" { print $1 }')
check "level line pending again after its EOI" cause_is level 10 undelivered "$eoi"

# Masks, LVT0, IOAPIC.
record masks <<EOF2
$PIC_INIT
out 0x21 0x08
irq 3 1
out 0xa1 0x00
irq 12 1
mmiow 0xfec00000 0x14
mmiow 0xfec00010 0x8040
mmiow 0xfec00010 0x18040
irq 2 1
mmiow 0xfec00000 0x38
mmiow 0xfec00010 0x1a060
irq 20 1
EOF2
"$irqrr" dump "$tmp/masks.irqrr" >"$tmp/masks.dump"
imr=$(awk '$4 == "port=0x21" && $5 == "value=0x8" { print $1 }' "$tmp/masks.dump")
rte=$(awk '$4 == "addr=0xfec00010" && $5 == "value=0x18040" { print $1 }' "$tmp/masks.dump")
check "pic_masked since the OCW1 write" cause_is masks 3 pic_masked "$imr"
check "GSI 2 is not the cascade: ioapic_masked" cause_is masks 2 ioapic_masked "$rte"
check "masked since power-on: since null" cause_is masks 20 ioapic_masked None
check "line 12 reaches INT: undelivered" json_is masks "[x['cause'] for x in d['diagnosis'] if x['line'] == 12] == ['undelivered']"

record lvt <<EOF2
$PIC_INIT
lvt0 0 masked
irq 3 1
EOF2
lvt=$("$irqrr" dump "$tmp/lvt.irqrr" | awk '$3 == "lvt" { print $1 }')
check "lvt0_masked since the LVT change" cause_is lvt 3 lvt0_masked "$lvt"
record nmi <<EOF2
$PIC_INIT
lvt0 0 nmi
irq 3 1
EOF2
lvt=$("$irqrr" dump "$tmp/nmi.irqrr" | awk '$3 == "lvt" { print $1 }')
check "lvt0_nmi" cause_is nmi 3 lvt0_nmi "$lvt"

record rirr <<EOF2
$PIC_INIT
out 0xa1 0x04
mmiow 0xfec00000 0x24
mmiow 0xfec00010 0x8050
irq 10 1
irq 10 0
irq 10 1
EOF2
msg=$("$irqrr" dump "$tmp/rirr.irqrr" | awk '$3 == "apic" { print $1; exit }')
check "remote_irr since the message" cause_is rirr 10 remote_irr "$msg"
record vec <<EOF2
$PIC_INIT
out 0xa1 0x04
mmiow 0xfec00000 0x24
mmiow 0xfec00010 0x8050
irq 10 1
mmiow 0xfec00010 0x8051
eoi 0x50
irq 10 0
irq 10 1
EOF2
msg=$("$irqrr" dump "$tmp/vec.irqrr" | awk '$3 == "apic" { print $1; exit }')
check "vector_changed since the message" cause_is vec 10 vector_changed "$msg"

# Usage and exit statuses.
check "--help exits 0" status_is 0 "$irqrr" explain --help
check "--help names the exit statuses" grep -q "^Exit status" "$tmp/stdout"
mkdir "$tmp/empty"
check "no FILE and no irqrr.irqrr: exit 2" status_is 2 sh -c "cd '$tmp/empty' && '$irqrr' explain"
check "no FILE: the default trace is named" grep -q "irqrr.irqrr" "$tmp/stderr"
cp "$tmp/smm.irqrr" "$tmp/empty/irqrr.irqrr"
check "no FILE reads irqrr.irqrr" status_is 0 sh -c "cd '$tmp/empty' && '$irqrr' explain"
check "no FILE: the same answer" grep -q "^STUCK *isr_blocks" "$tmp/stdout"
check "FILE '-' is standard input" status_is 0 sh -c "'$irqrr' explain --json - <'$tmp/smm.irqrr'"
check "two FILEs: exit 2" status_is 2 "$irqrr" explain "$tmp/smm.irqrr" "$tmp/smm.irqrr"
check "an option of another command: exit 2" status_is 2 "$irqrr" explain --from 3 "$tmp/smm.irqrr"
check "... named" grep -q "'--from' is not an option of explain" "$tmp/stderr"
check "missing file: exit 2" status_is 2 "$irqrr" explain "$tmp/nope.irqrr"
check "--at beyond the trace: exit 2" status_is 2 "$irqrr" explain "$tmp/smm.irqrr" --at 99999
check "--at names the event" grep -q "event 99999 is not in the trace" "$tmp/stderr"
check "--line 24: exit 2" status_is 2 "$irqrr" explain "$tmp/smm.irqrr" --line 24
check "bad --at: exit 2" status_is 2 "$irqrr" explain "$tmp/smm.irqrr" --at x
printf 'not a trace' >"$tmp/bad.irqrr"
check "not a trace: exit 2" status_is 2 "$irqrr" explain "$tmp/bad.irqrr"

echo "$((checks - fails))/$checks checks passed"
[ "$fails" -eq 0 ]
