#!/bin/sh
# SPDX-License-Identifier: MIT
# whatif.sh IRQRR: the pic-modes guest polls the PIC (OCW3 poll, then a read
# of port 0x20). Replayed under pic.poll_no_0x80=1 (KVM's poll word: no
# bit 7) its recorded trace diverges at that read; replayed as recorded it
# is identical.
. "$(dirname "$0")/common.sh"
"$irqrr" record -o "$tmp/t.irqrr" --guest pic-modes --timeout 20 >/dev/null 2>&1 || fail "record pic-modes"
"$irqrr" replay "$tmp/t.irqrr" || fail "plain replay"
"$irqrr" replay "$tmp/t.irqrr" --model pic.poll_no_0x80=1 >"$tmp/r" 2>&1
status=$?
sed -n '1,4p' "$tmp/r"
[ $status -eq 1 ] || fail "replay --model pic.poll_no_0x80=1: exit $status, expected 1 (divergence)"
exp=$(sed -n 's/^  expected: *\([0-9]*\) .* pio_read   port=0x20 value=\(0x[0-9a-f]*\)$/\1 \2/p' "$tmp/r")
act=$(sed -n 's/^  actual: *\([0-9]*\) .* pio_read   port=0x20 value=\(0x[0-9a-f]*\)$/\1 \2/p' "$tmp/r")
[ -n "$exp" ] && [ -n "$act" ] || fail "the divergence is not at a read of port 0x20"
set -- $exp $act
[ "$1" = "$3" ] || fail "expected and actual are different events ($1, $3)"
[ $(($2 & 0x80)) -ne 0 ] && [ $(($2 & 0x7f)) -eq $(($4)) ] ||
	fail "poll word $2 vs $4: expected the same IR level without bit 7"
# the OCW3 poll command (0x0c) to the master is the write just before it
"$irqrr" dump "$tmp/t.irqrr" --to "$1" | grep -v console | tail -2 | head -1 | grep -q "pio_write  port=0x20 value=0xc" ||
	fail "the diverging read does not follow an OCW3 poll command"
# the same divergence found as a predicate
"$irqrr" bisect "$tmp/t.irqrr" --until diverge:pic.poll_no_0x80=1 | head -1 | grep -q ": event $1 " ||
	fail "bisect diverge: does not name event $1"
echo "PASS: what-if pic.poll_no_0x80=1 diverges at the poll read, event $1 ($2 -> $4)"
