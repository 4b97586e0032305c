#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fetch-linux.sh [CACHE_DIR]
# Fetches the stock Debian kernel (the package linux-image-amd64 depends on)
# and busybox-static with `apt-get download`, unpacks them with `dpkg -x`
# into CACHE_DIR (default: <project>/linux-cache; nothing is installed into
# the system), and builds a tiny initramfs whose /init prints
# IRQRR-LINUX-OK and powers off. Prints the paths of vmlinuz and the initrd.
# Re-running reuses what is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$here/linux-cache}
mkdir -p "$cache/deb"
cache=$(cd "$cache" && pwd)

die() { echo "fetch-linux: $*" >&2; exit 1; }
command -v apt-get >/dev/null || die "apt-get not found (Debian/Ubuntu only)"
command -v dpkg >/dev/null || die "dpkg not found"
command -v python3 >/dev/null || die "python3 not found (builds the initramfs)"

# linux-image-amd64 is a metapackage: its Depends names the real image.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 with apt-cache (run apt-get update?)"

fetch() { # package
	local p=$1
	if ! ls "$cache/deb/${p}_"*.deb >/dev/null 2>&1; then
		echo "fetch-linux: apt-get download $p" >&2
		(cd "$cache/deb" && apt-get download -q "$p" >/dev/null) || die "apt-get download $p failed"
	fi
	local deb
	deb=$(ls "$cache/deb/${p}_"*.deb | head -1)
	if [ ! -e "$cache/root-$p/.unpacked" ]; then
		rm -rf "$cache/root-$p"
		dpkg -x "$deb" "$cache/root-$p" || die "dpkg -x $deb failed"
		touch "$cache/root-$p/.unpacked"
	fi
}
fetch "$kpkg"
fetch busybox-static

vmlinuz=$(ls "$cache/root-$kpkg"/boot/vmlinuz-* | head -1)
[ -f "$vmlinuz" ] || die "no /boot/vmlinuz-* in $kpkg"
busybox=$cache/root-busybox-static/bin/busybox
[ -x "$busybox" ] || die "no bin/busybox in busybox-static"
ln -sf "$vmlinuz" "$cache/vmlinuz"

# newc cpio, written directly (cpio(1) may be missing): /init, /bin/busybox,
# /dev/console, /dev/ttyS0 (the kernel opens /dev/console for init).
python3 - "$busybox" "$cache/initrd.cpio.gz" <<'PY'
import gzip, os, sys, stat
busybox, out = sys.argv[1], sys.argv[2]
init = b"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys
/bin/busybox mount -t proc proc /proc
echo IRQRR-LINUX-OK
/bin/busybox cat /proc/interrupts
/bin/busybox poweroff -f
"""
entries = [  # name, mode, data, rdev (major, minor)
    ("bin", stat.S_IFDIR | 0o755, b"", (0, 0)),
    ("dev", stat.S_IFDIR | 0o755, b"", (0, 0)),
    ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
    ("dev/ttyS0", stat.S_IFCHR | 0o600, b"", (4, 64)),
    ("bin/busybox", stat.S_IFREG | 0o755, open(busybox, "rb").read(), (0, 0)),
    ("bin/sh", stat.S_IFLNK | 0o777, b"busybox", (0, 0)),
    ("init", stat.S_IFREG | 0o755, init, (0, 0)),
]
def pad4(n):
    return b"\0" * ((4 - n % 4) % 4)
blob = bytearray()
for ino, (name, mode, data, (rmaj, rmin)) in enumerate(entries + [("TRAILER!!!", 0, b"", (0, 0))], 1):
    nm = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rmaj, rmin, len(nm), 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
    blob += hdr + nm
    blob += pad4(len(hdr) + len(nm))
    blob += data + pad4(len(data))
with gzip.open(out, "wb", compresslevel=6) as f:
    f.write(bytes(blob))
PY
echo "vmlinuz: $cache/vmlinuz"
echo "initrd:  $cache/initrd.cpio.gz"
