# SPDX-License-Identifier: MIT
"""Shared by linux_shell.py and linux_hang.py: the checks that a hardware
KVM and the cached kernel are here, an initramfs whose /init starts busybox
sh on the serial console, and a recorded Linux boot driven through irqrr's
standard input (a pipe)."""
import gzip
import os
import select
import stat
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.abspath(os.path.join(here, "../../.."))
sys.path.insert(0, here)
from testbed_deadlock import file_is_deadlock  # noqa: E402,F401

INIT = b"""#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
echo IRQRR-SHELL-READY
exec /bin/busybox sh
"""


def need_hardware_kvm(cache):
    """Exit 77 (skip, with the reason) without a hardware KVM or the kernel;
    returns (vmlinuz, busybox)."""
    if not os.path.exists("/dev/kvm"):
        print("SKIP: /dev/kvm is missing")
        sys.exit(77)
    if subprocess.run(["sh", "-c", '. "$1/scripts/kvm-host.sh" && host_kvm_is_software', "sh", src]).returncode == 0:
        print("SKIP: this KVM emulates ring 0 (no VT-x/AMD-V): Linux needs over 20 minutes to reach user space "
              "(docs/linux.md); this test runs in the test bed (scripts/test.sh)")
        sys.exit(77)
    busybox = os.path.join(cache, "root-busybox-static/bin/busybox")
    vmlinuz = os.path.join(cache, "vmlinuz")
    if not (os.path.exists(busybox) and os.path.exists(vmlinuz)):
        print(f"SKIP: no kernel/busybox in {cache} (scripts/fetch-linux.sh)")
        sys.exit(77)
    return vmlinuz, busybox


def newc(entries):
    blob = bytearray()
    for ino, (name, mode, data, rdev) in enumerate(entries + [("TRAILER!!!", 0, b"", (0, 0))], 1):
        nm = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(nm), 0]
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        blob += hdr + nm + b"\0" * ((4 - (len(hdr) + len(nm)) % 4) % 4)
        blob += data + b"\0" * ((4 - len(data) % 4) % 4)
    return bytes(blob)


def shell_initrd(tmp, busybox):
    initrd = os.path.join(tmp, "shell.cpio.gz")
    with gzip.open(initrd, "wb", compresslevel=6) as f:
        f.write(newc([
            ("bin", stat.S_IFDIR | 0o755, b"", (0, 0)),
            ("dev", stat.S_IFDIR | 0o755, b"", (0, 0)),
            ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
            ("dev/ttyS0", stat.S_IFCHR | 0o600, b"", (4, 64)),
            ("dev/null", stat.S_IFCHR | 0o666, b"", (1, 3)),
            ("bin/busybox", stat.S_IFREG | 0o755, open(busybox, "rb").read(), (0, 0)),
            ("init", stat.S_IFREG | 0o755, INIT, (0, 0)),
        ]))
    return initrd


class Boot:
    """`irqrr record` of vmlinuz + initrd with 1 vCPU (or CPUS), standard
    input a pipe, the watchdog on (--hang-timeout 60) and a hang report."""

    def __init__(self, irqrr, vmlinuz, initrd, tmp, n, extra=(), log=None):
        self.trace = os.path.join(tmp, "t%d.irqrr" % n)
        self.report_txt = os.path.join(tmp, "report%d.txt" % n)
        self.report = os.path.join(tmp, "report%d.json" % n)
        self.errpath = os.path.join(tmp, "err%d" % n)
        self.log = log
        self.out = b""
        self.t0 = time.time()
        self.p = subprocess.Popen(
            [irqrr, "record", "-o", self.trace, "--kernel", vmlinuz, "--initrd", initrd, "--mem", "256",
             "--cpus", os.environ.get("CPUS", "1"), "--append", "console=ttyS0 nokaslr nowatchdog",
             "--timeout", "600", "--hang-timeout", "60", "--report", self.report_txt,
             "--report-json", self.report] + list(extra) + os.environ.get("EXTRA", "").split(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(self.errpath, "wb"))

    def until(self, pattern, secs):
        end = time.time() + secs
        while pattern not in self.out and time.time() < end and self.p.poll() is None:
            r, _, _ = select.select([self.p.stdout], [], [], 0.2)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                self.out += chunk
                if self.log:
                    self.log.write(chunk)
                    self.log.flush()
        return pattern in self.out

    def typed(self, text):
        self.p.stdin.write(text)
        self.p.stdin.flush()

    def wait(self, secs):
        try:
            st = self.p.wait(secs)
        except subprocess.TimeoutExpired:
            self.p.kill()
            st = self.p.wait()
        self.out += self.p.stdout.read()
        return st

    def bed_deadlock(self, status):
        """The watchdog stopped the boot in the test bed's own deadlock."""
        return bool(os.environ.get("IRQRR_TESTBED")) and status == 4 and file_is_deadlock(self.report)


def tmpdir():
    return tempfile.mkdtemp()
