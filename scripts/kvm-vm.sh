#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kvm-vm.sh [--cpus N] [--mem MIB] [--rw DIR]... [--timeout SEC] [--stall SEC] [--quiet]
#           -- COMMAND [ARG...]
#
# The project's nested-KVM test bed (docs/testbed.md). Boots a throwaway
# QEMU TCG virtual machine with an AMD CPU that has SVM (-cpu EPYC,+svm) and
# Debian 12's own kernel, loads kvm and kvm_amd inside it (a real SVM KVM:
# software LAPIC, real remote IRR, no AVIC), and runs COMMAND there with
# /dev/kvm, in the current directory, as root. COMMAND's stdout and stderr
# arrive here apart; its exit status is this script's.
#
# The guest sees this machine's whole file tree read-only through 9p (so the
# checkout, the host's build and its tools are where they are here), under a
# throwaway tmpfs overlay: writes inside are lost at the end except in each
# --rw DIR, shared writable at the same path. The environment is passed in;
# standard input is not (COMMAND reads /dev/null).
#
# Exit status: COMMAND's; 124 on --timeout (default 1800 s); 123 when the
# VM stalls (no heartbeat on its console for --stall seconds, default 240;
# the vCPUs' registers and the console's tail are printed); 125 when the
# test bed cannot be set up or the VM died (the tail of its console is
# printed); 126 when COMMAND cannot be started inside.
#
# Environment: IRQRR_CACHE (default <checkout>/linux-cache) holds the kernel
# package, busybox and the built initramfs; IRQRR_VM_CONSOLE=FILE keeps the
# VM's console log there; IRQRR_VM_TCG=multi runs the vCPUs on a host thread
# each (default single: threaded TCG corrupts nested guests' state now and
# then, docs/testbed.md); IRQRR_VM_CPU (default EPYC,+svm) is QEMU's -cpu and
# IRQRR_VM_KVM_AMD (e.g. "npt=0") the parameters of L1's kvm_amd and
# IRQRR_VM_QEMU_ARGS more arguments for QEMU (e.g. "-icount shift=0"), for
# experiments on the test bed itself. Inside, IRQRR_TESTBED names the test bed (QEMU's
# version): tests report its known defects by it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cpus=1 mem=3072 timeout=1800 stall=240 quiet=0
rw=()
die() { echo "kvm-vm: $*" >&2; exit 125; }
usage() { sed -n '3,29p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	--cpus) cpus=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--rw) rw+=("$(cd "${2:?}" && pwd)") || die "--rw $2: no such directory"; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--stall) stall=${2:?}; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-h|--help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "kvm-vm: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "kvm-vm: no COMMAND given (try --help)" >&2; exit 2; }
case $cpus$mem$timeout$stall in *[!0-9]*) echo "kvm-vm: --cpus, --mem and --timeout take numbers" >&2; exit 2 ;; esac
say() { [ "$quiet" = 1 ] || echo "kvm-vm: $*" >&2; }

# What the test bed needs from Debian (installed once, when missing).
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v apt-get >/dev/null || die "apt-get not found: the test bed needs Debian's packages"
if [ ${#need[@]} -gt 0 ]; then
	SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
	say "installing ${need[*]}"
	$SUDO apt-get update -q >/dev/null 2>&1 || true
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
		die "apt-get install ${need[*]} failed"
fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (package qemu-system-x86)"

cache=${IRQRR_CACHE:-$here/linux-cache}
"$here/scripts/fetch-linux.sh" "$cache" >/dev/null || die "cannot fetch Debian's kernel (scripts/fetch-linux.sh)"
cache=$(cd "$cache" && pwd)
kroot=$(ls -d "$cache"/root-linux-image-[0-9]* 2>/dev/null | head -1)
[ -n "$kroot" ] || die "no unpacked kernel package in $cache"
kver=$(basename "$(ls -d "$kroot"/lib/modules/*/ | head -1)")
vmlinuz=$kroot/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || die "no $vmlinuz"
busybox=$cache/root-busybox-static/bin/busybox
[ -x "$busybox" ] || die "no busybox in $cache"

# The initramfs: busybox, the modules for 9p over virtio, overlay and KVM
# (with what they depend on, read from each module's .modinfo), and /init.
initrd=$cache/testbed-$kver.cpio.gz
stamp=$(cat "$0" "$here/scripts/kvm-vm-init.sh" | cksum | cut -d" " -f1)
if [ ! -f "$initrd" ] || [ "$(cat "$initrd.stamp" 2>/dev/null)" != "$stamp" ]; then
	say "building the test bed's initramfs for $kver"
	python3 - "$kroot/lib/modules/$kver" "$busybox" "$initrd.tmp.$$" "$here/scripts/kvm-vm-init.sh" <<'PY' ||
import gzip, os, re, stat, sys
moddir, busybox, out, init = sys.argv[1:5]
paths = {}
for d, _, files in os.walk(os.path.join(moddir, "kernel")):
    for f in files:
        if f.endswith(".ko"):
            paths[f[:-3].replace("-", "_")] = os.path.join(d, f)
def deps(name):
    data = open(paths[name], "rb").read()
    m = re.search(rb"depends=([A-Za-z0-9_,-]*)", data)
    return [x.decode().replace("-", "_") for x in m.group(1).split(b",") if x] if m else []
order = []
def add(name):
    if name in order:
        return
    if name not in paths:
        sys.exit("kvm-vm: module %s not in the kernel package" % name)
    for d in deps(name):
        add(d)
    order.append(name)
for m in ["virtio_pci", "9pnet_virtio", "9p", "overlay", "kvm_amd"]:
    add(m)
entries = [("bin", stat.S_IFDIR | 0o755, b""), ("dev", stat.S_IFDIR | 0o755, b""),
           ("mod", stat.S_IFDIR | 0o755, b""),
           ("bin/busybox", stat.S_IFREG | 0o755, open(busybox, "rb").read()),
           ("bin/sh", stat.S_IFLNK | 0o777, b"busybox"),
           ("init", stat.S_IFREG | 0o755, open(init, "rb").read()),
           ("mod/order", stat.S_IFREG | 0o644, "".join(m + "\n" for m in order).encode())]
for m in order:
    entries.append(("mod/%s.ko" % m, stat.S_IFREG | 0o644, open(paths[m], "rb").read()))
blob = bytearray()
def pad4(n):
    return b"\0" * ((4 - n % 4) % 4)
for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
    nm = name.encode() + b"\0"
    hdr = b"070701" + b"".join(b"%08X" % f for f in
                               [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nm), 0])
    blob += hdr + nm + pad4(len(hdr) + len(nm)) + data + pad4(len(data))
with gzip.open(out, "wb", compresslevel=6) as f:
    f.write(bytes(blob))
PY
		die "cannot build the initramfs"
	mv "$initrd.tmp.$$" "$initrd"
	echo "$stamp" >"$initrd.stamp"
fi

run=$(mktemp -d "${TMPDIR:-/tmp}/irqrr-vm.XXXXXX") || die "mktemp failed"
qpid= opid= epid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	[ -n "$opid" ] && wait "$opid" 2>/dev/null
	[ -n "$epid" ] && wait "$epid" 2>/dev/null
	if [ -n "${IRQRR_VM_CONSOLE:-}" ] && [ -f "$run/console.log" ]; then
		cp "$run/console.log" "$IRQRR_VM_CONSOLE" 2>/dev/null || true
	fi
	rm -f "$run/ctl/cmd" "$run/ctl/env" "$run/ctl/rw" "$run/ctl/tty" "$run/ctl/status" "$run/console.log" "$run/out" "$run/err" "$run/regs" "$run/monitor"
	rmdir "$run/ctl" "$run" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$run/ctl"
# The command, its directory and environment, for /init (kvm-vm-init.sh).
{
	printf 'cd %q || exit 126\n' "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$run/ctl/cmd"
export -p | grep -v -E '^declare -[a-z]*x[a-z]* (BASH_|SHLVL|OLDPWD|PWD|_=)' >"$run/ctl/env" || true
# Tests name the test bed's own defects by it (docs/testbed.md, Limits)
printf 'export IRQRR_TESTBED=%q\n' "$(qemu-system-x86_64 --version | head -n 1) TCG, nested SVM" >>"$run/ctl/env"
: >"$run/ctl/rw"
[ -t 1 ] && : >"$run/ctl/tty"
virtfs=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$run/ctl,mount_tag=ctl,security_model=none")
i=0
for d in "${rw[@]}"; do
	virtfs+=(-virtfs "local,path=$d,mount_tag=rw$i,security_model=none,multidevs=remap")
	printf 'rw%d %s\n' "$i" "$d" >>"$run/ctl/rw"
	i=$((i + 1))
done
mkfifo "$run/out" "$run/err"
cat "$run/out" & opid=$!
cat "$run/err" >&2 & epid=$!

say "booting $kver under QEMU TCG (${IRQRR_VM_CPU:-EPYC,+svm}${IRQRR_VM_KVM_AMD:+, kvm_amd $IRQRR_VM_KVM_AMD}, $cpus cpus, $mem MiB, ${IRQRR_VM_TCG:-single}-threaded)"
qemu-system-x86_64 -accel tcg,thread=${IRQRR_VM_TCG:-single} -cpu "${IRQRR_VM_CPU:-EPYC,+svm}" -smp "$cpus" -m "$mem" \
	-nodefaults -no-user-config -nographic -no-reboot \
	-kernel "$vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=5 softlockup_all_cpu_backtrace=1 nokaslr panic=-1 mitigations=off tsc=reliable rdinit=/init irqrr.kvm_amd=${IRQRR_VM_KVM_AMD:-}" \
	-serial "file:$run/console.log" -serial "file:$run/out" -serial "file:$run/err" \
	-monitor "unix:$run/monitor,server=on,wait=off" \
	"${virtfs[@]}" ${IRQRR_VM_QEMU_ARGS:-} </dev/null >/dev/null 2>"$run/qemu.err" &
qpid=$!
# Watch the VM: --timeout, and the heartbeat /init writes on the console
# every 30 s (kvm-vm-init.sh): none for --stall seconds is a stalled VM
# (its vCPUs busy but its kernel not scheduling; seen on the nested test
# bed, docs/testbed.md). The vCPUs' registers are kept for the report.
timed_out=0 stalled=0 start=$SECONDS beats=0 beat_t=$SECONDS
while kill -0 "$qpid" 2>/dev/null; do
	sleep 1
	n=$(grep -c "kvm-vm heartbeat" "$run/console.log" 2>/dev/null || true)
	if [ "${n:-0}" != "$beats" ]; then
		beats=${n:-0} beat_t=$SECONDS
	fi
	if [ $((SECONDS - start)) -ge "$timeout" ]; then
		timed_out=1
	elif [ $((SECONDS - beat_t)) -ge "$stall" ]; then
		# (from the start too: a VM stalled before its first heartbeat
		# was seen, 30 s into a suite run)
		stalled=1
	else
		continue
	fi
	python3 - "$run/monitor" >"$run/regs" 2>&1 <<'PY' || true
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(2)
s.sendall(b"info registers -a\n")
out, end = b"", time.time() + 3
while time.time() < end:
    try:
        d = s.recv(65536)
    except socket.timeout:
        break
    if not d:
        break
    out += d
for line in out.decode(errors="replace").splitlines():
    if line.startswith(("CPU#", "RIP=", "CR0=", "EFER=")):
        print(line.strip())
PY
	kill -TERM "$qpid" 2>/dev/null
	break
done
wait "$qpid" && qstatus=0 || qstatus=$?
qpid=
wait "$opid" 2>/dev/null; opid=
wait "$epid" 2>/dev/null; epid=
if [ -s "$run/qemu.err" ]; then grep -v -E 'TCG doesn.t support requested feature|terminating on signal 15' "$run/qemu.err" >&2 || true; fi
rm -f "$run/qemu.err"
if [ -f "$run/ctl/status" ]; then
	status=$(cat "$run/ctl/status")
	case $status in ''|*[!0-9]*) die "bad status '$status' from the VM" ;; esac
	exit "$status"
fi
if [ "$timed_out" = 1 ] || [ "$stalled" = 1 ]; then
	if [ "$stalled" = 1 ]; then
		echo "kvm-vm: the VM stalled: no heartbeat for $stall s; its vCPUs:" >&2
	else
		echo "kvm-vm: timed out after $timeout s; its vCPUs:" >&2
	fi
	sed 's/^/  /' "$run/regs" >&2 2>/dev/null || true
	echo "kvm-vm: the console's last lines:" >&2
	tail -n 80 "$run/console.log" >&2 || true
	[ "$stalled" = 1 ] && exit 123
	exit 124
fi
echo "kvm-vm: the VM ended without COMMAND's status (QEMU exit $qstatus); the console's last lines:" >&2
tail -n 30 "$run/console.log" >&2 || true
exit 125
