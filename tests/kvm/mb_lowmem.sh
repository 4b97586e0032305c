#!/bin/sh
# SPDX-License-Identifier: MIT
# mb_lowmem.sh IRQRR MB-LOWMEM.elf
# A kernel as users bring it (issue 12): mb-lowmem has an ELF segment at
# 0x8000 over the VMM's default boot area; it checks the loader put its
# information elsewhere, the default RAM (128 MiB, no --mem), the page-flush
# port, the TSC-deadline timer exactly when the VMM says it offered it, and
# with --cpus 3 (above KVM_CAP_NR_VCPUS on a 2-CPU host) starts the APs by
# SIPI into that segment. Then a recorded run replays identical, a segment
# moved into the reserved 0x9fc00-0xfffff is refused in one line, and so
# are --cpus 0 and --cpus 65.
# Exit 77 only when /dev/kvm is missing.
set -u
irqrr=$1 elf=$2
if [ ! -e /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing: KVM tests cannot run here" >&2
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

# boot CPUS [record]: run (or record) the kernel, check its verdict.
boot() {
	cpus=$1 mode=${2:-run}
	if [ "$mode" = record ]; then
		"$irqrr" record -o "$tmp/t.irqrr" --kernel "$elf" --cpus "$cpus" --append ram_mib=128 \
			--verbose --timeout 60 >"$tmp/out" 2>"$tmp/err"
	else
		"$irqrr" run --kernel "$elf" --cpus "$cpus" --append ram_mib=128 \
			--verbose --timeout 60 >"$tmp/out" 2>"$tmp/err"
	fi
	st=$?
	grep -v '^mmap:' "$tmp/out"
	grep -E 'cpuid: tsc|multiboot:|--cpus' "$tmp/err"
	[ $st -eq 1 ] || { bad "$mode --cpus $cpus: exit status $st, expected 1"; cat "$tmp/err" >&2; }
	grep -q '^FAIL' "$tmp/out" && bad "$mode --cpus $cpus: a FAIL line"
	grep -q '^mb-lowmem: all checks passed' "$tmp/out" || bad "$mode --cpus $cpus: no 'all checks passed'"
	grep -q 'boot information at 0x9f000' "$tmp/err" || bad "$mode: the boot area did not move to 0x9f000"
	if grep -q 'tsc_deadline_timer offered' "$tmp/err"; then
		grep -q '^PASS: TSC-deadline timer fires once' "$tmp/out" ||
			bad "the VMM offered the TSC-deadline timer; the guest did not see it fire"
	else
		grep -q '^tsc-deadline: not offered' "$tmp/out" ||
			bad "the VMM did not offer the TSC-deadline timer, yet the guest's CPUID has it"
	fi
	if [ "$cpus" -gt 1 ]; then
		grep -q '^PASS: APs started by SIPI into the loaded segment' "$tmp/out" || bad "APs not started"
	fi
}

boot 1
boot 3
boot 3 record
"$irqrr" replay "$tmp/t.irqrr" || bad "replay of the --cpus 3 recording diverged or failed"

# The low segment moved to 0x9f000: it now runs into 0x9fc00 (EBDA).
python3 - "$elf" "$tmp/ebda.elf" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
phoff, = struct.unpack_from('<I', b, 28)
phnum, = struct.unpack_from('<H', b, 44)
for i in range(phnum):
    o = phoff + 32 * i
    if struct.unpack_from('<I', b, o)[0] == 1 and struct.unpack_from('<I', b, o + 12)[0] == 0x8000:
        struct.pack_into('<II', b, o + 8, 0x9f000, 0x9f000)
open(sys.argv[2], 'wb').write(b)
PY
"$irqrr" run --kernel "$tmp/ebda.elf" --timeout 10 >/dev/null 2>"$tmp/err"
st=$?
cat "$tmp/err"
if [ $st -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] ||
   ! grep -q 'ELF segment 0x9f000-0xa[0-9a-f]* overlaps 0x9fc00-0xfffff' "$tmp/err"; then
	bad "a segment over 0x9fc00: status $st, expected 2 and one line naming both ranges"
fi
# --cpus outside 1..min(KVM_CAP_MAX_VCPUS, 64): one line naming the limit.
for n in 0 65; do
	"$irqrr" run --kernel "$elf" --cpus $n --timeout 10 >/dev/null 2>"$tmp/err"
	st=$?
	cat "$tmp/err"
	if [ $st -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -Eq "^irqrr: --cpus $n: .*(1\.\.|at most )[0-9]+" "$tmp/err"; then
		bad "--cpus $n: status $st, expected 2 and one line naming the limit"
	fi
done
[ $fail -eq 0 ] && echo "mb_lowmem: ok"
exit $fail
