#!/bin/sh
# SPDX-License-Identifier: MIT
# mboot_inputs.sh IRQRR KERNEL.elf KERNEL.elf64
# The multiboot loader's bad inputs (one "irqrr:" error line, exit 2, no
# crash) and the VMM's exit conventions: debug exit 0xf4 -> (v<<1)|1,
# PM1a S5 power-off -> 0. Exit 77 only when /dev/kvm is missing.
set -u
irqrr=$1 elf=$2 elf64=$3
if [ ! -e /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing: KVM tests cannot run here" >&2
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

# expect_error PATTERN irqrr-args...: exit 2, exactly one stderr line, matching.
expect_error() {
	pat=$1; shift
	"$irqrr" run --timeout 10 "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	lines=$(wc -l <"$tmp/err")
	if [ $st -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -q -- "$pat" "$tmp/err"; then
		echo "FAIL: irqrr run $*: status $st, stderr:" >&2
		cat "$tmp/err" >&2
		fail=1
	else
		echo "ok: $(cat "$tmp/err")"
	fi
}

# expect_status N irqrr-args...
expect_status() {
	want=$1; shift
	"$irqrr" run --timeout 10 "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st -ne "$want" ]; then
		echo "FAIL: irqrr run $*: exit status $st, expected $want" >&2
		cat "$tmp/err" >&2
		fail=1
	else
		echo "ok: $* -> $st"
	fi
}

# Patch the multiboot header's flags (and checksum) in a copy of the kernel.
patch_flags() {
	python3 - "$elf" "$1" "$2" <<'PY'
import struct, sys
src, dst, flags = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
b = bytearray(open(src, 'rb').read())
for off in range(0, 8192, 4):
    m, f, c = struct.unpack_from('<III', b, off)
    if m == 0x1badb002 and (m + f + c) & 0xffffffff == 0:
        struct.pack_into('<III', b, off, m, flags, (-(m + flags)) & 0xffffffff)
        break
open(dst, 'wb').write(b)
PY
}

patch_flags "$tmp/aout.elf" 0x10003
patch_flags "$tmp/video.elf" 0x7
patch_flags "$tmp/bit9.elf" 0x203
head -c 6000 "$elf" >"$tmp/short.elf"
head -c 40 "$elf" >"$tmp/tiny.elf"
printf 'not a kernel' >"$tmp/text"
: >"$tmp/empty"

expect_error 'a.out kludge' --kernel "$tmp/aout.elf"
expect_error 'flag bit 2 (video mode' --kernel "$tmp/video.elf"
expect_error 'flag bit 9' --kernel "$tmp/bit9.elf"
expect_error 'multiboot v1 needs ELF32' --kernel "$elf64"
expect_error 'past the end of the file' --kernel "$tmp/short.elf"
expect_error 'neither a Linux bzImage' --kernel "$tmp/tiny.elf"
expect_error 'neither a Linux bzImage' --kernel "$tmp/text"
expect_error 'neither a Linux bzImage' --kernel "$tmp/empty"
expect_error 'No such file' --kernel "$tmp/missing.elf"
expect_error 'not a regular file' --kernel "$tmp"
expect_error 'No such file' --kernel "$elf" --module "$tmp/missing,args"
expect_error 'expected FILE' --kernel "$elf" --module ",args"
expect_error 'at least 2 MiB' --kernel "$elf" --mem 1
head -c 2000000 /dev/zero >"$tmp/big"
expect_error 'do not fit in guest RAM' --kernel "$elf" --mem 2 --module "$tmp/big"
expect_error '\-\-initrd is for Linux' --kernel "$elf" --initrd "$elf"
expect_error 'need --kernel' --module "$elf"
expect_error 'exclude each other' --kernel "$elf" --guest demo

# Exit conventions (mb.c leaves at once on exit=N / poweroff=1).
expect_status 1 --kernel "$elf" --append exit=0
expect_status 3 --kernel "$elf" --append exit=1
expect_status 11 --kernel "$elf" --append exit=5
expect_status 255 --kernel "$elf" --append exit=127
expect_status 145 --kernel "$elf" --append exit=200
expect_status 1 --kernel "$elf" --append exit=256
expect_status 0 --kernel "$elf" --append poweroff=1
exit $fail
