#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the nested-KVM test bed's initramfs (scripts/kvm-vm.sh builds it).
# Loads the modules, puts the host's tree (9p, read-only) under a tmpfs
# overlay, mounts the writable folders at their host paths, and runs the
# command from the ctl share with ttyS1/ttyS2 as stdout/stderr. Its exit
# status goes to ctl/status; then the VM powers off.
export PATH=/bin
busybox mkdir -p /proc /sys /tmp /host /ctl /root /ovl
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
fatal() {
	echo "kvm-vm-init: $*" >/dev/ttyS0
	busybox poweroff -f
}
# kvm-vm.sh passes kvm_amd's parameters (IRQRR_VM_KVM_AMD, comma-separated)
# on the command line as irqrr.kvm_amd=
amd=
for w in $(busybox cat /proc/cmdline); do
	case $w in irqrr.kvm_amd=*) amd=$(echo "${w#irqrr.kvm_amd=}" | busybox tr ',' ' ') ;; esac
done
while read -r m; do
	p=
	[ "$m" = kvm_amd ] && p=$amd
	# shellcheck disable=SC2086
	busybox insmod "/mod/$m.ko" $p || fatal "insmod $m $p failed"
done </mod/order
p9="trans=virtio,version=9p2000.L,msize=512000"
busybox mount -t 9p -o "$p9,cache=none" ctl /ctl || fatal "cannot mount the ctl share"
busybox mount -t 9p -o "$p9,ro,cache=loose" hostroot /host || fatal "cannot mount the host's tree"
busybox mount -t tmpfs -o mode=0755 tmpfs /ovl
busybox mkdir -p /ovl/upper /ovl/work
busybox mount -t overlay -o lowerdir=/host,upperdir=/ovl/upper,workdir=/ovl/work overlay /root ||
	fatal "cannot mount the overlay"
busybox mount -t proc proc /root/proc
busybox mount -t sysfs sysfs /root/sys
busybox mount -t devtmpfs devtmpfs /root/dev
busybox mkdir -p /root/dev/pts /root/dev/shm
busybox mount -t devpts devpts /root/dev/pts
busybox mount -t tmpfs tmpfs /root/dev/shm
# /tmp and /var/tmp stay the host's under the overlay (a checkout may
# live there; writes go to the overlay's tmpfs); /run is the VM's own
busybox mount -t tmpfs tmpfs /root/run
# the writable folders last: one under /tmp or /run stays visible
while read -r tag dir; do
	busybox mkdir -p "/root$dir"
	busybox mount -t 9p -o "$p9,cache=none" "$tag" "/root$dir" || fatal "cannot mount $dir"
done </ctl/rw
busybox mkdir -p /root/ctl
busybox mount --bind /ctl /root/ctl
for t in ttyS1 ttyS2; do busybox stty -F /dev/$t raw -echo 115200; done
[ -c /dev/kvm ] || fatal "no /dev/kvm after loading kvm_amd"
# A heartbeat on the console (kvm-vm.sh prints its tail when the VM dies
# or times out): the load and the busiest processes every 30 s, to tell a
# stuck test from a stuck VM.
(
	while busybox sleep 30; do
		echo; echo "kvm-vm heartbeat: $(busybox cat /proc/uptime) load $(busybox cat /proc/loadavg)"
		busybox top -b -n 1 | busybox head -n 10 | busybox tail -n 6
	done
) >/dev/console 2>&1 &
# COMMAND's standard output is a terminal only where the caller's is
if [ -f /ctl/tty ]; then
	busybox chroot /root /bin/bash -c '. /ctl/env; . /ctl/cmd' </dev/null >/dev/ttyS1 2>/dev/ttyS2
	echo $? >/ctl/status
else
	{
		busybox chroot /root /bin/bash -c '. /ctl/env; . /ctl/cmd' </dev/null 2>/dev/ttyS2
		echo $? >/ctl/status
	} | busybox cat >/dev/ttyS1
fi
busybox sync
busybox poweroff -f
