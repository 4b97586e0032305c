#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# linux-vs-qemu.sh [--irqrr PATH] [--kernel BZIMAGE] [--initrd CPIO] [--cpus N]
#                  [--append ARGS] [--timeout SEC] [--tries N] [--out DIR]
#                  [--compare-only]
#
# The differential of issue 16: boots one Linux kernel and initramfs under
# irqrr (`irqrr record`) and under QEMU with KVM's split irqchip
# (`qemu-system-x86_64 -accel kvm,kernel-irqchip=split -cpu host`), on the
# same KVM, and compares what the kernel printed, line by line, after
# taking out what differs on every boot (timestamps, counts, clock
# readings). Every line only one of the two printed is listed by topic
# (warnings, CPU, timers, interrupts, firmware and devices) and is either
# "explained" by a rule below (each names its cause; the evidence is in
# docs/linux.md, "irqrr and QEMU on the same KVM") or UNEXPLAINED.
#
# Defaults: the kernel and initramfs scripts/fetch-linux.sh caches in
# linux-cache/ (its /init prints IRQRR-LINUX-OK and /proc/interrupts and
# powers off), 1 vCPU, build/cli/irqrr, 256 MiB, out dir linux-vs-qemu/.
# A boot that does not reach `reboot: Power down` within --timeout (300 s)
# is tried again, up to --tries (3) times: in the test bed either VMM's
# boot can deadlock on the bed's own fault (docs/testbed.md).
# Where /dev/kvm is missing or emulates (no VT-x/AMD-V: a boot would take
# over 20 minutes) the script runs itself inside the nested test bed
# (scripts/kvm-vm.sh, docs/testbed.md). --compare-only compares
# OUT/irqrr.log and OUT/qemu.log from an earlier run. To try another
# kernel: --kernel and --initrd (its /init should print /proc/interrupts
# and power off, or --timeout ends each boot).
#
# Writes OUT/irqrr.log, OUT/qemu.log (the serial consoles), OUT/irqrr.irqrr
# (the recording) and OUT/report.txt (also printed).
# Exit status: 0 every difference explained; 1 an unexplained difference;
# 2 a boot failed (no power-off or no user space); 3 bad usage;
# 77 no KVM and no test bed, or no QEMU.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
irqrr=$here/build/cli/irqrr
kernel=$here/linux-cache/vmlinuz initrd=$here/linux-cache/initrd.cpio.gz
cpus=1 timeout=300 tries=3 out=$PWD/linux-vs-qemu compare_only=0
append="console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr nowatchdog"
usage() { sed -n '3,34p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "linux-vs-qemu: $*" >&2; exit "${2:-3}"; }
while [ $# -gt 0 ]; do
	case $1 in
	--irqrr) irqrr=$(realpath "$2"); shift 2 ;;
	--kernel) kernel=$(realpath "$2"); shift 2 ;;
	--initrd) initrd=$(realpath "$2"); shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--tries) tries=$2; shift 2 ;;
	--out) out=$(realpath -m "$2"); shift 2 ;;
	--compare-only) compare_only=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument: $1" ;;
	esac
done
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus wants a positive number, not '$cpus'"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants seconds, not '$timeout'"
[[ $tries =~ ^[1-9][0-9]*$ ]] || die "--tries wants a positive number, not '$tries'"
mkdir -p "$out"
[ -d "$out" ] && [ -w "$out" ] || die "cannot write to $out"

compare() {
	python3 - "$out/irqrr.log" "$out/qemu.log" "$out/report.txt" <<'PY'
import re, sys

irqrr_log, qemu_log, report = sys.argv[1:4]

# What differs on every boot, even of the same VMM: masked before comparing.
VOLATILE = [
    (r"^(\s*[0-9]+:)((?:\s+[0-9]+)+)(\s+\S)", r"\1 N\3"),        # /proc/interrupts IRQ rows
    (r"^(\s*[A-Z]{3}:)((?:\s+[0-9]+)+)", r"\1 N"),               # /proc/interrupts LOC/NMI/...
    (r"using sched offset of \d+ cycles", "using sched offset of N cycles"),
    (r"audit\(\d+\.\d+:\d+\)", "audit(T)"),
    (r"setting system clock to \S+ UTC \(\d+\)", "setting system clock to T"),
    (r"Marking stable \(.*\)->\(.*\)", "Marking stable (T)"),
    (r"\d+\.\d+ BogoMIPS \(lpj=\d+\)", "N BogoMIPS"),
    (r"\(\d+\.\d+ BogoMIPS\)", "(N BogoMIPS)"),
    (r"Detected \d+\.\d+ MHz", "Detected N MHz"),
    (r"Lost \d+ RTC interrupts", "Lost N RTC interrupts"),
    (r"random: crng init done.*", "random: crng init done"),
    (r"took \d+ usecs", "took N usecs"),
]

# (topic, side, pattern, cause). side: "irqrr" or "qemu", the boot that
# printed the line the other did not. Evidence: docs/linux.md.
FIRMWARE = "QEMU runs SeaBIOS; irqrr boots the kernel directly and builds its own tables"
NOPCI = "QEMU's i440FX board has a PCI bus and devices; irqrr's board has none (no PCI config space)"
TABLES = "firmware tables differ by design: QEMU's BOCHS/BXPC ACPI (DSDT with devices, PCI links, PM timer, S3/S4, WAET, SMBIOS) vs irqrr's minimal set (docs/linux.md, What the VMM gives Linux)"
RULES = [
    ("firmware", "qemu", r"^KASLR disabled", "printed by the bzImage's own decompressor, which QEMU runs; irqrr unpacks the kernel in the VMM (--kernel-decompress=host)"),
    ("firmware", "both", r"^(ACPI: (RSDP|RSDT|XSDT|FACP|DSDT|FACS|APIC|HPET|WAET) |ACPI: Reserving \S+ table memory)", TABLES),
    ("firmware", "qemu", r"^ACPI: (PM-Timer|PCI|Enabled \d+ GPEs)|^acpi PNP0A03|^clocksource: acpi_pm", TABLES + "; QEMU has a PM timer and PCI interrupt links"),
    ("firmware", "both", r"^ACPI: PM: \(supports", "sleep states: irqrr's DSDT has \\_S5 only, QEMU's \\_S3 and \\_S4 too"),
    ("firmware", "both", r"^(BIOS-e820|\s*DMA32|\s*node\s+0:|Faking a node|Initmem setup|NODE_DATA|RAMDISK|last_pfn|Built 1 zonelists|Memory:|On node 0, zone DMA32|\[mem 0x10000000-)", "the e820 map: SeaBIOS keeps the top 128 KiB of RAM and firmware areas; irqrr gives all RAM and reserves the IOAPIC/LAPIC pages, hence RAM sizes and placements"),
    ("firmware", "both", r"^found SMP MP-table", "the MP table's address (irqrr: 0xf0000)"),
    ("firmware", "both", r"^(DMI|SMBIOS|Hardware name:)|^DMI not present", "QEMU's SeaBIOS writes SMBIOS/DMI tables, irqrr none"),
    ("firmware", "both", r"^Console: colour", "QEMU's board has a VGA card, irqrr's none"),
    ("firmware", "both", r"^(pci|pci_bus|acpiphp|PCI|vgaarb)\b|^\[mem 0x10000000", NOPCI),
    ("firmware", "both", r"^pnp: PnP ACPI: found \d+ devices|^i8042: PNP:|^i8042: Probing ports directly|^platform rtc_cmos: registered platform RTC device|^\d\d:\d\d: ttyS0|^serial8250: ttyS0|^rtc_cmos (00:\d\d|rtc_cmos):", "device discovery: QEMU's DSDT lists the serial port, the RTC and the 8042 as PNP devices, irqrr's DSDT lists none, so Linux probes them at their legacy addresses (same devices, other names)"),
    ("devices", "qemu", r"^rtc_cmos \S+: RTC can wake from S4", "S4 in QEMU's DSDT only"),
    ("devices", "both", r"^rtc_cmos \S+: alarms up to one day", "CMOS size: irqrr's MC146818 has 128 bytes (114 of NVRAM), QEMU's RTC 256 (242); both say y3k (FADT CENTURY)"),
    ("devices", "qemu", r"^(serio: i8042 AUX port|input: AT Translated Set 2 keyboard|i8042: PNP: PS/2 Controller)|^\s*12: N\s+IO-APIC\s+12-edge\s+i8042", "QEMU attaches a PS/2 keyboard and mouse; irqrr's 8042 has nothing attached (no keyboard answers, no IRQ12)"),
    ("cpu", "both", r"^smpboot: CPU0: ", "the CPU's name: QEMU -cpu host copies CPUID 0x80000002-4 from L1's CPU; irqrr does the same where KVM lists them zero, so the names differ only where the hosts do"),
    ("cpu", "both", r"^Last level [di]TLB entries", "CPUID 0x80000005/6 (TLB sizes): QEMU -cpu host and irqrr copy the host's; they differ only where the hosts do"),
    ("cpu", "both", r"^CPUID\[0d, 01\]:", "CPUID.(0xd,1).EBX: printed by the XSAVE warning (the test bed's, below); irqrr leaves EBX 0 when neither XSAVES nor XSAVEC is offered (KVM maintains it only then), QEMU fills the compacted size"),
    ("cpu", "both", r"^CR2: ", "register dump of the XSAVE warning (the test bed's): CR2 is a page the kernel touched last"),
    ("cpu", "irqrr", r"^CPU MTRRs all blank - virtualized system\.$|^Disabled$|^x86/PAT: MTRRs disabled", "MTRRs: a KVM that refuses the MTRR MSRs irqrr's firmware sets (irqrr --verbose says which)"),
    ("cpu", "both", r"^x86/PAT: Configuration", "PAT follows the MTRRs (above)"),
    ("interrupts", "both", r"^IOAPIC\[0\]: apic_id", "IOAPIC id: irqrr numbers the IOAPIC after the CPUs (MADT), QEMU gives it 0"),
    ("interrupts", "both", r"^ACPI: INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2", "IRQ0's override flags: irqrr's MADT says high edge, QEMU's 'conforms to the bus' (dfl dfl): the same for ISA"),
    ("interrupts", "qemu", r"^ACPI: INT_SRC_OVR \(bus 0 bus_irq (5|10|11) ", "PCI interrupt links (QEMU's PCI bus)"),
    ("interrupts", "both", r"^ACPI: LAPIC_NMI \(acpi_id\[0xff\]", "LINT1's flags: irqrr's MADT says high edge, QEMU's dfl dfl (NMI is edge either way)"),
    ("devices", "both", r"^kvm-clock: using sched offset", "a reading of the clock"),
    ("timers", "both", r"^hpet: Lost N RTC interrupts$", "timing: with the RTC on the HPET (legacy replacement), Linux's RTC emulation runs HPET timer 1 at 64 Hz and counts the periods its handler came too late for; in the slow test bed either VMM's boot may print it (irqrr's did in at least 2 bed boots on 2026-12-04: `hpet: Lost 1 RTC interrupts`, `hpet: Lost 3 RTC interrupts`)"),
]
TOPICS = [
    ("warnings", r"WARNING|Call Trace|\bBUG\b|Oops|[Ff]ailed|\berror\b|[Uu]nable|problem|Firmware Bug|\bwarn"),
    ("cpu", r"x86/|CPUID|XSAVE|smpboot|Last level|PAT|MTRR|^Disabled$|Spectre|RETBleed|Speculative|Hypervisor|microcode|AMD|Intel"),
    ("timers", r"clocksource|clockevent|hpet|HPET|tsc|TSC|rtc|RTC|APIC timer|Calibrating|jiffies|sched_clock|kvm-clock"),
    ("interrupts", r"IOAPIC|IO-APIC|APIC|8259|ExtINT|IRQ|irq|INT_SRC_OVR|NMI|x2apic|^\s*[0-9]+: N|^\s*[A-Z]{3}: N|CPU0"),
]


def lines(path):
    """The kernel's lines, masked; and how many lines came before its
    first one (firmware: SeaBIOS, iPXE)."""
    out = set()
    raw_lines = open(path, "rb").read().decode("utf-8", "replace").splitlines()
    first = next((i for i, r in enumerate(raw_lines) if re.match(r"^\[\s*[0-9]+\.[0-9]+\]", r)), 0)
    for raw in raw_lines[first:]:
        s = re.sub(r"^\[\s*[0-9]+\.[0-9]+\]\s?", "", raw.replace("\r", "")).rstrip()
        for pat, rep in VOLATILE:
            s = re.sub(pat, rep, s)
        out.add(s)
    return out, first


def topic(line):
    for name, pat in TOPICS:
        if re.search(pat, line):
            return name
    return "other"


def explain(line, side):
    for _, rside, pat, cause in RULES:
        if rside in (side, "both") and re.search(pat, line):
            return cause
    return None


(a, fw_a), (b, fw_b) = lines(irqrr_log), lines(qemu_log)
rows = [(topic(l), "irqrr", l) for l in a - b] + [(topic(l), "qemu", l) for l in b - a]
order = {"warnings": 0, "cpu": 1, "timers": 2, "interrupts": 3, "other": 4}
rows.sort(key=lambda r: (order[r[0]], r[1], r[2]))
unexplained = 0
out = [f"linux-vs-qemu: {len(a & b)} lines the same, {len(a - b)} only irqrr's, {len(b - a)} only QEMU's"
       f" (before the kernel's first line, not compared: {fw_a} of irqrr's, {fw_b} of QEMU's: firmware)"]
for t in ("warnings", "cpu", "timers", "interrupts", "other"):
    mine = [r for r in rows if r[0] == t]
    out.append(f"== {t}: {len(mine)} lines differ")
    causes = {}
    for _, side, line in mine:
        c = explain(line, side)
        if c is None:
            unexplained += 1
            out.append(f"  UNEXPLAINED, only {side}'s: {line}")
        else:
            causes.setdefault(c, []).append((side, line))
    for c, ls in causes.items():
        out.append(f"  explained ({len(ls)} lines): {c}")
        for side, line in ls[:3]:
            out.append(f"      only {side}'s: {line}")
        if len(ls) > 3:
            out.append(f"      ... and {len(ls) - 3} more")
same_warn = sorted(l for l in a & b if topic(l) == "warnings")
if same_warn:
    out.append(f"== warnings both boots printed ({len(same_warn)}): not irqrr's (docs/linux.md)")
    out += [f"  {l}" for l in same_warn]
out.append(f"linux-vs-qemu: {unexplained} unexplained difference(s)")
open(report, "w").write("\n".join(out) + "\n")
print("\n".join(out))
sys.exit(1 if unexplained else 0)
PY
}

if [ "$compare_only" = 1 ]; then
	[ -s "$out/irqrr.log" ] && [ -s "$out/qemu.log" ] || die "--compare-only: no $out/irqrr.log and $out/qemu.log"
	compare
	exit
fi

[ -f "$kernel" ] && [ -f "$initrd" ] ||
	die "no kernel/initramfs at $kernel, $initrd (run scripts/fetch-linux.sh, or give --kernel and --initrd)"
[ -x "$irqrr" ] || die "no irqrr at $irqrr (build it: meson setup build && ninja -C build)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)" 77

. "$here/scripts/kvm-host.sh"
if [ -z "${IRQRR_TESTBED:-}" ] && { ! kvm_usable || host_kvm_is_software; }; then
	# no KVM, or one that emulates ring 0 (a Linux boot takes over 20 minutes)
	echo "linux-vs-qemu: $(kvm_usable && echo "this KVM emulates ring 0" || echo "no usable /dev/kvm") here: running inside the test bed (scripts/kvm-vm.sh)" >&2
	rw=(--rw "$out")
	exec "$here/scripts/kvm-vm.sh" --timeout $((2 * tries * timeout + 120)) "${rw[@]}" -- \
		"$0" --irqrr "$irqrr" --kernel "$kernel" --initrd "$initrd" --cpus "$cpus" \
		--append "$append" --timeout "$timeout" --tries "$tries" --out "$out"
fi

echo "linux-vs-qemu: KVM: ${IRQRR_TESTBED:-host /dev/kvm, $(uname -r)}; $cpus vCPU(s)" >&2
# One boot of each, tried again (up to --tries) when it did not reach the
# power-off: in the test bed a boot can deadlock on the bed's own fault
# (docs/testbed.md), QEMU's as well as irqrr's.
boot_qemu() {
	rm -f "$out/qemu.log"
	timeout "$timeout" qemu-system-x86_64 -accel kvm,kernel-irqchip=split -cpu host -smp "$cpus" -m 256 \
		-nographic -no-reboot -monitor none -serial "file:$out/qemu.log" \
		-kernel "$kernel" -initrd "$initrd" -append "$append" </dev/null >"$out/qemu.out" 2>&1
}
boot_irqrr() {
	"$irqrr" record -o "$out/irqrr.irqrr" --cpus "$cpus" --mem 256 --kernel "$kernel" --initrd "$initrd" \
		--append "$append" --timeout "$timeout" --hang-timeout 60 --verbose \
		</dev/null >"$out/irqrr.log" 2>"$out/irqrr.err"
}
failed=0
for who in qemu irqrr; do
	try=1
	while :; do
		s=$(date +%s) st=0
		"boot_$who" || st=$?
		if grep -q 'reboot: Power down' "$out/$who.log" 2>/dev/null && [ "$st" = 0 ]; then
			echo "linux-vs-qemu: $who's boot powered off in $(($(date +%s) - s)) s (try $try)" >&2
			break
		fi
		echo "linux-vs-qemu: $who's boot did not power off (status $st after $(($(date +%s) - s)) s, try $try of $tries; $out/$who.*)" >&2
		if [ "$try" -ge "$tries" ]; then failed=1; break; fi
		try=$((try + 1))
	done
done
rc=0
compare || rc=$?
[ "$failed" = 0 ] || exit 2
exit "$rc"
