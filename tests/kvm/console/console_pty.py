#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""console_pty.py IRQRR: irqrr's console on a terminal (a pseudo-terminal
that is irqrr's controlling terminal, as in a shell). Checks raw mode while
the guest runs, the Ctrl-A keys, and that the terminal is put back on each
way out: guest power-off, C-a x, --timeout, SIGTERM, a fatal signal."""
import os
import signal
import sys
import termios
import time
import fcntl

IRQRR = sys.argv[1]
if not os.path.exists("/dev/kvm"):
    print("SKIP: /dev/kvm is missing: KVM tests cannot run here")
    sys.exit(77)
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg, flush=True)


class Run:
    def __init__(self, args):
        self.master, self.slave = os.openpty()
        self.before = termios.tcgetattr(self.slave)
        self.out = b""
        self.pid = os.fork()
        if self.pid == 0:
            os.setsid()
            # as a login shell starts it: a background job of a
            # non-interactive shell (CI) inherits SIGINT/SIGQUIT ignored
            for sig in (signal.SIGINT, signal.SIGQUIT):
                signal.signal(sig, signal.SIG_DFL)
            fcntl.ioctl(self.slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(self.slave, fd)
            os.close(self.master)
            os.execv(IRQRR, [IRQRR] + args)
        self.status = None

    def read_until(self, pattern, secs=30):
        end = time.time() + secs
        while pattern not in self.out and time.time() < end:
            self.pump(0.1)
        return pattern in self.out

    def pump(self, secs):
        import select
        r, _, _ = select.select([self.master], [], [], secs)
        if r:
            try:
                self.out += os.read(self.master, 4096)
            except OSError:
                time.sleep(secs)

    def send(self, data):
        os.write(self.master, data)

    def attrs(self):
        return termios.tcgetattr(self.slave)

    def wait(self, secs=30):
        end = time.time() + secs
        while time.time() < end:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                break
            self.pump(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.status = "hung"
        self.pump(0.2)
        return self.status

    def close(self):
        os.close(self.master)
        os.close(self.slave)


def check_raw(run, name):
    a = run.attrs()
    lflag, oflag = a[3], a[1]
    if lflag & (termios.ECHO | termios.ICANON | termios.ISIG):
        fail(f"{name}: terminal not in raw mode while the guest runs (lflag {lflag:#x})")
    if not oflag & termios.OPOST:
        fail(f"{name}: output processing turned off (a guest's \\n would not start a line)")


def check_restored(run, name):
    if run.attrs() != run.before:
        fail(f"{name}: terminal not restored: {run.attrs()} != {run.before}")
    else:
        print(f"PASS: {name}: terminal restored", flush=True)


def case(name, args, action, want_status):
    run = Run(args)
    if not run.read_until(b"echo: ready"):
        fail(f"{name}: guest never said ready; output: {run.out[-300:]!r}")
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        run.close()
        return None
    time.sleep(0.2)
    check_raw(run, name)
    action(run)
    st = run.wait()
    if st != want_status:
        fail(f"{name}: exit status {st}, expected {want_status}; output tail: {run.out[-400:]!r}")
    else:
        print(f"PASS: {name}: exit status {st}", flush=True)
    check_restored(run, name)
    run.close()
    return run


def typed(run):
    # Ctrl-C reaches the guest (no ISIG); C-a C-a is one literal C-a; C-a h prints the keys
    run.send(b"hello\x03\x01\x01world\x01h")
    if not run.read_until(b"hello\x03\x01world"):
        fail(f"typed: echo of 'hello^C^Aworld' not seen: {run.out[-200:]!r}")
    if not run.read_until(b"C-a x stop"):
        fail("typed: C-a h printed no key list")
    run.send(b"\x01r")  # a hang report, the guest keeps running
    if not run.read_until(b"report requested"):
        fail(f"typed: C-a r gave no report: {run.out[-300:]!r}")
    # the report and the guest share the terminal: type on once it is out,
    # or the guest's closing line is cut by it
    if not run.read_until(b"hang report written"):
        fail(f"typed: the C-a r report did not finish: {run.out[-300:]!r}")
    run.send(b"bye\x04")


r = case("poweroff", ["run", "--guest", "echo", "--timeout", "60"], typed, 0)
if r and b"received 16 bytes" not in r.out:
    fail(f"poweroff: guest should count 16 bytes (hello ^C ^A world bye ^D): {r.out[-300:]!r}")
case("ctrl-a-x", ["run", "--guest", "echo", "--timeout", "60"], lambda run: run.send(b"ab\x01x"), 130)
case("timeout", ["run", "--guest", "echo", "--timeout", "3"], lambda run: None, 124)
case("sigterm", ["run", "--guest", "echo", "--timeout", "60"],
     lambda run: os.kill(run.pid, signal.SIGTERM), 143)
case("sigquit", ["run", "--guest", "echo", "--timeout", "60"],
     lambda run: os.kill(run.pid, signal.SIGQUIT), -signal.SIGQUIT)
case("record-ctrl-a-x", ["record", "-o", os.environ.get("TRACE", "/tmp/console-pty.irqrr"), "--guest", "echo",
                         "--timeout", "60"], lambda run: run.send(b"xyz\x01x"), 130)
print("console_pty: %d failure(s)" % failures)
sys.exit(1 if failures else 0)
