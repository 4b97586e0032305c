#!/bin/sh
# SPDX-License-Identifier: MIT
# A guest loaded with --kernel that halts with interrupts off (a multiboot
# ELF made here: cli; hlt): the watchdog's report names the kernel file,
# not a built-in guest, in its text and JSON forms, says only an NMI, SMI
# or INIT can wake the vCPU, and the trace replays identical.
. "$(dirname "$0")/common.sh"
python3 - "$tmp/halt.elf" <<'PY'
import struct, sys
base = 0x100000
# multiboot v1 header (flags 0: the ELF's own segments), then cli; hlt; jmp $-1
code = struct.pack("<III", 0x1BADB002, 0, (-0x1BADB002) & 0xFFFFFFFF) + bytes([0xFA, 0xF4, 0xEB, 0xFD])
ehsize, phsize = 52, 32
off = ehsize + phsize
ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
eh = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, base + 12, ehsize, 0, 0, ehsize, phsize, 1, 0, 0, 0)
ph = struct.pack("<IIIIIIII", 1, off, base, base, len(code), len(code), 5, 0x1000)
open(sys.argv[1], "wb").write(eh + ph + code)
PY
"$irqrr" record -o "$tmp/t.irqrr" --kernel "$tmp/halt.elf" --hang-timeout 2 --timeout 30 \
	--report "$tmp/r.txt" --report-json "$tmp/r.json" >"$tmp/out" 2>"$tmp/err"
status=$?
[ $status -eq 4 ] || { cat "$tmp/err"; fail "exit status $status, expected 4 (the watchdog)"; }
sed -n 2p "$tmp/r.txt" | grep -q "^  kernel $tmp/halt.elf, t=" ||
	fail "the report's second line does not name the kernel: $(sed -n 2p "$tmp/r.txt")"
grep -q "cpu 0 is halted with RFLAGS.IF=0: only an NMI, SMI or INIT can wake it" "$tmp/r.txt" ||
	fail "no IF=0 halt diagnosis: $(cat "$tmp/r.txt")"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["kernel"] == sys.argv[2] and d["guest"] is None, (d.get("kernel"), d.get("guest"))
assert d["cpus"][0]["mp_state"] == "halted" and d["cpus"][0]["if"] == 0, d["cpus"][0]
' "$tmp/r.json" "$tmp/halt.elf" || fail "JSON report"
"$irqrr" replay "$tmp/t.irqrr" >"$tmp/replay" 2>&1 || { cat "$tmp/replay"; fail "replay"; }
grep -q "^identical" "$tmp/replay" || fail "replay did not say identical"
echo "PASS: --kernel halt with IF=0: the report names $tmp/halt.elf"
