#!/bin/sh
# Capture KVM tracepoints of QEMU runs inside the nested test bed (issue 15).
OUT=${1:?usage: capture-kvm.sh OUTDIR}
W=$(cd "$(dirname "$0")/../.." && pwd)
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
uname -r > $OUT/uname.txt
cat /sys/module/kvm_amd/parameters/* > $OUT/kvm_amd.txt 2>&1
EV="kvm_pio kvm_mmio kvm_set_irq kvm_pic_set_irq kvm_ioapic_set_irq kvm_msi_set_irq kvm_apic_accept_irq kvm_eoi kvm_inj_virq kvm_exit kvm_entry kvm_userspace_exit kvm_ioapic_delayed_eoi_inj kvm_apic_ipi kvm_pv_eoi kvm_pic_set_irq"
run() { # name, qemu args...
	name=$1; shift
	echo 0 > $T/tracing_on
	echo > $T/trace
	echo 0 > $T/options/overwrite
	echo 16384 > $T/buffer_size_kb
	for e in $EV; do [ -d $T/events/kvm/$e ] && echo 1 > $T/events/kvm/$e/enable; done
	echo 1 > $T/tracing_on
	timeout 300 qemu-system-x86_64 -display none -nodefaults -m 128 -serial file:$OUT/$name.console \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot "$@"
	echo "$name: qemu exit $?" >> $OUT/status.txt
	echo 0 > $T/tracing_on
	cat $T/trace > $OUT/$name.trace
	if command -v trace-cmd >/dev/null; then trace-cmd extract -o $OUT/$name.dat >/dev/null 2>&1; fi
	cat $T/events/kvm/kvm_inj_virq/format > $OUT/kvm_inj_virq.format
}
for mode in on split; do
	run kvm-$mode-pic-pit -accel kvm,kernel-irqchip=$mode -kernel $W/build/guests/mboot/mb-pic-pit.elf
	run kvm-$mode-ioapic -accel kvm,kernel-irqchip=$mode -kernel $W/build/guests/mboot/mb-ioapic.elf
done
run kvm-on-linux -accel kvm,kernel-irqchip=on -smp 2 -kernel $W/linux-cache/vmlinuz -append "console=ttyS0 panic=-1 loglevel=5"
ls -la $OUT >> $OUT/status.txt
