#!/bin/sh
# SPDX-License-Identifier: MIT
# linux_boot.sh IRQRR SRCDIR [BOOT_SECONDS [MIN_MILESTONE]]
# Boots the stock Debian kernel that scripts/fetch-linux.sh fetches, records
# it, and checks: no VMM or emulation error, the boot reached at least
# milestone MIN_MILESTONE (numbered below) within BOOT_SECONDS (a full boot
# must power off with exit status 0 after IRQRR-LINUX-OK), the trace header
# names the CPUID policy, and the trace replays identical.
# Skips (exit 77, with the reason) when /dev/kvm is missing, or when the
# kernel is not cached and cannot be fetched within 60 s (no mirror).
set -u
irqrr=$1 src=$2 secs=${3:-150} min=${4:-5}
if [ ! -e /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing: KVM tests cannot run here" >&2
	exit 77
fi
cache=${IRQRR_LINUX_CACHE:-$src/linux-cache}
if [ ! -f "$cache/vmlinuz" ] || [ ! -f "$cache/initrd.cpio.gz" ]; then
	if ! timeout 60 "$src/scripts/fetch-linux.sh" "$cache" >&2; then
		echo "SKIP: no Linux kernel in $cache and scripts/fetch-linux.sh could not fetch one within 60 s (apt mirror unreachable?)" >&2
		exit 77
	fi
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Milestones, in boot order (docs/linux.md says what each one proves).
cat >"$tmp/milestones" <<'M'
Linux version 6
ACPI: APIC 0x
IOAPIC[0]: apic_id
Memory: 
SLUB: HWalign
APIC: Switch to symmetric I/O mode setup
x86/fpu: x87 FPU will use FXSAVE
Freeing SMP alternatives memory
smpboot: CPU0: 
Performance Events: 
smpboot: Total of 1 processors activated
devtmpfs: initialized
cpuidle: using governor menu
clocksource: Switched to clocksource kvm-clock
Trying to unpack rootfs image as initramfs
Freeing initrd memory
serial8250: ttyS0 at I/O 0x3f8
rtc_cmos rtc_cmos: setting system clock
Freeing unused kernel image
Run /init as init process
IRQRR-LINUX-OK
M

start=$(date +%s)
"$irqrr" record -o "$tmp/t.irqrr" --kernel "$cache/vmlinuz" --initrd "$cache/initrd.cpio.gz" --mem 256 \
	--append "console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr nowatchdog" --timeout "$secs" --verbose \
	>"$tmp/out" 2>"$tmp/err"
status=$?
echo "irqrr record: exit status $status after $(( $(date +%s) - start )) s"
grep -v "unclaimed port" "$tmp/err" >&2
reached=0 n=0 last=none
while IFS= read -r m; do
	n=$((n + 1))
	if grep -qF -- "$m" "$tmp/out"; then
		reached=$n last=$m
	else
		break
	fi
done <"$tmp/milestones"
tail -n 15 "$tmp/out"
echo "furthest milestone: $reached ($last)"
fail=0
if grep -q "KVM_EXIT_INTERNAL_ERROR\|KVM_EXIT_FAIL_ENTRY\|unexpected KVM exit" "$tmp/err"; then
	echo "FAIL: the run ended in a KVM error" >&2
	fail=1
fi
# (a soft-lockup or hung-task report is a warning, not a crash)
if grep -q "Kernel panic\|kernel BUG\|BUG: unable\|BUG: kernel\|Oops" "$tmp/out"; then
	echo "FAIL: the guest kernel crashed" >&2
	fail=1
fi
if grep -qF "IRQRR-LINUX-OK" "$tmp/out"; then
	[ "$status" -eq 0 ] || { echo "FAIL: IRQRR-LINUX-OK printed but exit status $status (expected 0: ACPI power-off)" >&2; fail=1; }
elif [ "$status" -ne 124 ]; then
	echo "FAIL: exit status $status (expected 0 after power-off, or 124 at --timeout)" >&2
	fail=1
fi
# Past the int3 self-test (milestone 8) the VMM must have completed an
# int3; past the first task exit (milestone 12) a fwait (docs/linux.md).
if [ "$reached" -ge 8 ] && ! grep -q "int3 at 0x[0-9a-f]* completed by the VMM" "$tmp/err"; then
	echo "FAIL: past the int3 self-test but no int3 completed by the VMM" >&2
	fail=1
fi
if [ "$reached" -ge 12 ] && ! grep -q "fwait at 0x[0-9a-f]* completed by the VMM" "$tmp/err"; then
	echo "FAIL: past devtmpfs but no fwait completed by the VMM" >&2
	fail=1
fi
if [ "$reached" -lt "$min" ]; then
	echo "FAIL: reached milestone $reached, expected at least $min ($(sed -n "${min}p" "$tmp/milestones")) within $secs s" >&2
	fail=1
fi
"$irqrr" info "$tmp/t.irqrr" >"$tmp/info" || { echo "FAIL: irqrr info failed" >&2; fail=1; }
grep -q "cpuid = \(safe\|host\)" "$tmp/info" || { echo "FAIL: no cpuid policy in the trace header" >&2; fail=1; }
grep "cpuid" "$tmp/info"
"$irqrr" stats "$tmp/t.irqrr" | head -n 30
if ! "$irqrr" replay "$tmp/t.irqrr"; then
	echo "FAIL: the recorded Linux boot does not replay identical" >&2
	fail=1
fi
exit $fail
