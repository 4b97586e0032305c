#!/usr/bin/env bash
# Set everything up and run the main job: install the Debian packages, build,
# record the built-in demo guest on a real KVM and verify the trace by
# replaying it. The KVM is the host's /dev/kvm when it is usable, else the
# nested-KVM test bed's (scripts/kvm-vm.sh: SVM under QEMU TCG,
# docs/testbed.md); only where no VM can be started does it fall back to
# driving the bare board from a chip script. Writes demo.irqrr here.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
irqrr=./build/cli/irqrr
# record, replay and summarize, wherever this runs
main_job='
set -e
echo "== irqrr record -o demo.irqrr   (built-in demo guest, split irqchip)"
./build/cli/irqrr record -o demo.irqrr
echo "== irqrr replay demo.irqrr"
./build/cli/irqrr replay demo.irqrr
./build/cli/irqrr info demo.irqrr | tail -4
'
kvm_name='. scripts/kvm-host.sh; echo "KVM: $(host_kvm_name "$1")"'
. scripts/kvm-host.sh
# IRQRR_KVM=nested uses the test bed even where /dev/kvm is usable
if [ "${IRQRR_KVM:-auto}" != nested ] && kvm_usable; then
	bash -c "$kvm_name" _ "the host's /dev/kvm"
	bash -c "$main_job"
	exit
fi
echo "irqrr: recording inside the nested-KVM test bed (scripts/kvm-vm.sh, docs/testbed.md): /dev/kvm is not usable here, or IRQRR_KVM=nested"
set +e
./scripts/kvm-vm.sh --rw "$PWD" --timeout 600 -- \
	bash -c "$kvm_name; $main_job" _ "nested SVM KVM under QEMU TCG"
status=$?
set -e
[ $status -ne 125 ] && exit $status
echo "irqrr: no VM could be started here (above): driving the bare board from a chip script instead" >&2
echo "== irqrr chips --record example.irqrr examples/linux-pit-1khz.script"
$irqrr chips --record example.irqrr examples/linux-pit-1khz.script
echo "== irqrr replay example.irqrr"
$irqrr replay example.irqrr
