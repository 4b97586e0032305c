#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""linux_shell.py IRQRR CACHE: types into a Linux shell under `irqrr record`.

Boots the kernel scripts/fetch-linux.sh caches with an initramfs whose /init
starts busybox sh on the serial console, and drives it through irqrr's
standard input as a pipe, as a script would: waits for the prompt, types a
command, reads its output, reads /proc/interrupts (the serial interrupt,
IOAPIC pin 4, must have fired), powers off. Then the trace must hold what
was typed (console_in records) and replay identical. Needs a hardware KVM
(the nested test bed: scripts/kvm-vm.sh); skips (77) without /dev/kvm, on
an emulating KVM (kvm_pvm: Linux needs over 20 minutes to reach user space
there; scripts/test.sh runs this test in the test bed only on such a host,
meson suite 'hwkvm') or without the cached kernel. In the test bed, a boot
the watchdog stops in the bed's own deadlock (testbed_deadlock.py) is
named, must replay identical, and is tried again ($IRQRR_BED_TRIES tries, default 2)."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linux_console import Boot, need_hardware_kvm, shell_initrd, tmpdir  # noqa: E402

irqrr, cache = sys.argv[1], sys.argv[2]
vmlinuz, busybox = need_hardware_kvm(cache)
tmp = tmpdir()
initrd = shell_initrd(tmp, busybox)
cpus = os.environ.get("CPUS", "1")
log = open(os.environ["LOG"], "wb") if os.environ.get("LOG") else None
# how many boots the bed's deadlock may stop before the test fails (2; rare
# since the bed's L1 has one vCPU: docs/testbed.md)
TRIES = int(os.environ.get("IRQRR_BED_TRIES", "2"))
failures = []


def attempt(n):
    """One recorded boot, typed into. Returns (failures, boot, exit status)."""
    b = Boot(irqrr, vmlinuz, initrd, tmp, n, log=log)
    bad = []
    if not b.until(b"IRQRR-SHELL-READY", int(os.environ.get("READY_SECS", "500"))):
        bad.append("the shell never started; output tail: %r" % b.out[-500:])
        if b.p.poll() is None:
            b.p.send_signal(signal.SIGUSR1)  # a hang report of the running guest (stderr)
            time.sleep(5)
            b.p.kill()
    elif not b.until(b"# ", 60):
        bad.append("no shell prompt")
    else:
        print("shell ready after %.0f s" % (time.time() - b.t0), flush=True)
        b.typed(b"echo typed-$((6*7))\n")
        if not b.until(b"typed-42", 60):
            bad.append("the typed command did not run: %r" % b.out[-300:])
        mark = len(b.out)
        b.typed(b"cat /proc/interrupts\n")
        if not b.until(b"LOC:", 60):
            bad.append("no /proc/interrupts")
        b.until(b"# ", 10)
        lines = [ln for ln in b.out[mark:].split(b"\n") if b"ttyS0" in ln]
        print("serial interrupts: %r" % lines, flush=True)
        if not lines or not any(int(x) > 0 for x in lines[0].split()[1:1 + int(cpus)] if x.isdigit()):
            bad.append("ttyS0's interrupt never fired")
        b.typed(b"poweroff -f\n")
    st = b.wait(120)
    print("irqrr record: exit status %s after %.0f s" % (st, time.time() - b.t0), flush=True)
    if st != 0:
        bad.append("exit status %s, expected 0 (poweroff)" % st)
    return bad, b, st


def replays(trace):
    return subprocess.run([irqrr, "replay", trace], stdout=subprocess.DEVNULL).returncode == 0


for n in range(1, TRIES + 1):
    bad, boot, st = attempt(n)
    trace, out, errpath = boot.trace, boot.out, boot.errpath
    if not boot.bed_deadlock(st):
        break
    print("known test-bed bug (%s): Linux deadlocked with IF=0 (an interrupt delivered inside its own "
          "handler; testbed_deadlock.py), try %d of %d" % (os.environ["IRQRR_TESTBED"], n, TRIES), flush=True)
    if not replays(trace):
        failures.append("try %d: the deadlocked boot does not replay identical" % n)
    if n == TRIES:
        # rare since the bed's L1 has one vCPU (docs/testbed.md): fail, not pass unchecked
        failures.append("known test-bed bug: all %d tries deadlocked; could not check the shell, typing, "
                        "/proc/interrupts, power-off" % TRIES)
        print("\n".join("FAIL: " + f for f in failures))
        sys.exit(1)
failures += bad
for f in bad:
    print("FAIL: " + f, flush=True)
d = subprocess.run([irqrr, "dump", "--format", "json", "--kind", "console_in", trace], capture_output=True)
text = "".join(json.loads(ln)["text"] for ln in d.stdout.decode().splitlines())
print("console_in: %r" % text)
if "echo typed-$((6*7))\n" not in text or "poweroff -f\n" not in text:
    failures.append("the trace does not hold what was typed")
    print("FAIL: " + failures[-1])
if not replays(trace):
    failures.append("the trace does not replay identical")
    print("FAIL: " + failures[-1])
if failures:
    sys.stdout.buffer.write(out[-3000:])
    sys.stdout.buffer.write(open(errpath, "rb").read()[-6000:])
print("linux_shell: %d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
