#!/bin/sh
# SPDX-License-Identifier: MIT
# test_linux_vs_qemu.sh SRCDIR: scripts/linux-vs-qemu.sh --compare-only on
# the consoles of a real pair of boots (tests/linux-vs-qemu/: Debian 6.1,
# 1 vCPU, irqrr and QEMU kernel-irqchip=split on the test bed's KVM,
# 2026-12-03): every difference explained; a line only one boot printed
# that no rule explains is reported and fails; bad usage is one line.
set -u
src=$1
script=$src/scripts/linux-vs-qemu.sh
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

cp "$src/tests/linux-vs-qemu/irqrr.log" "$src/tests/linux-vs-qemu/qemu.log" "$tmp/"
"$script" --compare-only --out "$tmp" >"$tmp/out" 2>&1
st=$?
[ "$st" = 0 ] || bad "the stored pair: exit $st, expected 0"
grep -q "^linux-vs-qemu: 0 unexplained difference(s)$" "$tmp/out" || bad "the stored pair: not '0 unexplained'"
grep -q "^== warnings: 0 lines differ$" "$tmp/out" || bad "the stored pair: warnings differ"
grep -q "XSAVE consistency problem" "$tmp/out" || bad "the warning both boots printed is not listed"
grep -q "not compared: 0 of irqrr's, 15 of QEMU's: firmware" "$tmp/out" || bad "firmware lines before the kernel not counted"
cmp -s "$tmp/out" "$tmp/report.txt" || bad "report.txt is not what was printed"
grep -q "IRQ0's override flags" "$tmp/out" || bad "the IRQ0 override rule did not fire"

# a warning only irqrr's boot printed: named, under warnings, exit 1
printf '[   12.345678] WARNING: CPU: 0 PID: 1 at drivers/foo.c:12 foo_probe+0x1/0x2\n' >>"$tmp/irqrr.log"
# a /proc/interrupts row QEMU lacks, counts masked: an unexplained IRQ line
printf '  7:          3   IO-APIC   7-edge      parport0\n' >>"$tmp/irqrr.log"
"$script" --compare-only --out "$tmp" >"$tmp/out" 2>&1
st=$?
[ "$st" = 1 ] || bad "an unexplained line: exit $st, expected 1"
grep -q "^== warnings: 1 lines differ$" "$tmp/out" || bad "the new warning not under warnings"
grep -q "UNEXPLAINED, only irqrr's: WARNING: CPU: 0 PID: 1 at drivers/foo.c:12" "$tmp/out" || bad "the warning not named"
grep -q "UNEXPLAINED, only irqrr's:   7: N   IO-APIC   7-edge      parport0" "$tmp/out" || bad "the IRQ row not named (counts masked)"
grep -q "^linux-vs-qemu: 2 unexplained difference(s)$" "$tmp/out" || bad "not '2 unexplained'"

# a count that differs is not a difference
sed -i 's/^\(  0: *\)[0-9]*/\1 999999/' "$tmp/qemu.log"
"$script" --compare-only --out "$tmp" 2>&1 | grep -q "2-edge *timer" && bad "a different IRQ 0 count was reported"

# usage errors: one line, status 3
rm -f "$tmp/qemu.log"
out=$("$script" --compare-only --out "$tmp" 2>&1); st=$?
[ "$st" = 3 ] || bad "--compare-only without logs: exit $st, expected 3"
[ "$(echo "$out" | wc -l)" = 1 ] || bad "--compare-only without logs: not one line: $out"
out=$("$script" --cpus two 2>&1); st=$?
[ "$st" = 3 ] && echo "$out" | grep -q "^linux-vs-qemu: --cpus wants a positive number" || bad "--cpus two: exit $st: $out"
"$script" --help | grep -q "kernel-irqchip=split" || bad "--help does not say what it compares"
[ "$fail" = 0 ] && echo "linux-vs-qemu --compare-only: all checks passed"
exit $fail
