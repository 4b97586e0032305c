# Sourced by scripts/test.sh and scripts/quickstart.sh (also inside the
# nested test bed): what KVM this machine has. No side effects.

# /dev/kvm exists and this user can open it
kvm_usable() { [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; }

# the module that provides the KVM (kvm_intel, kvm_amd, kvm_pvm, ...;
# /sys/module lists built-in ones too)
host_kvm_module() {
	local m
	for m in /sys/module/kvm_*; do
		[ -d "$m" ] && { basename "$m"; return; }
	done
}

# A KVM without VT-x/AMD-V in the CPU flags can only be emulating (as
# `--cpuid auto` decides, docs/recorder.md); kvm_pvm is one
host_kvm_is_software() {
	[ "$(host_kvm_module)" = kvm_pvm ] && return 0
	! grep -m1 '^flags' /proc/cpuinfo | grep -qw 'vmx\|svm'
}

# "WHERE (Linux VERSION, CPU vendor, module)"; $1 says where, e.g.
# "host /dev/kvm"
host_kvm_name() {
	local vendor mod
	vendor=$(awk -F': ' '/^vendor_id/ { print $2; exit }' /proc/cpuinfo)
	mod=$(host_kvm_module)
	echo "$1 (Linux $(uname -r), ${vendor:-unknown CPU}, ${mod:-KVM built in})"
}
