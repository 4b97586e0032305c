#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""testbed_deadlock.py REPORT.json: exit 0 when irqrr's hang report (the
watchdog's, --report-json) shows the nested test bed's deadlock, 1 if not.

The bed's L0 (QEMU TCG's nested SVM) now and then delivers an interrupt a
second time with IF=0, inside the handler of the first (docs/testbed.md,
Limits). A Linux handler holds a lock or a seqcount's write side there (an
edge IRQ's descriptor lock; the timekeeper's seqcount in the tick), so the
vCPU waits on it forever with IF=0: spinning (runnable), or, with KVM's
paravirt spinlocks (used once CPUID says KVM), halted with IF=0 right after
the hlt of kvm_wait. The watchdog fired (no vCPU made a VM exit for 60 s)
and a vCPU waits like that: the others may be idle or wait for it in turn.
Used by linux_boot.sh and linux_shell.py, in the test bed only."""
import json
import sys


def code(c):
    return c.get("code") if isinstance(c.get("code"), list) else []


def after_hlt(c):
    cur = [i for i, x in enumerate(code(c)) if x["current"]]
    return bool(cur) and cur[0] > 0 and code(c)[cur[0] - 1]["text"] == "hlt"


def is_deadlock(report):
    cpus = [c for c in report["cpus"] if c.get("valid")]
    blocked = [c for c in cpus if c.get("if") == 0 and
               (c.get("mp_state") == "runnable" or (c.get("mp_state") == "halted" and after_hlt(c)))]
    return bool(blocked) and len(cpus) == len(report["cpus"])


def file_is_deadlock(path):
    try:
        return is_deadlock(json.load(open(path)))
    except (OSError, ValueError, KeyError, TypeError):
        return False


if __name__ == "__main__":
    sys.exit(0 if file_is_deadlock(sys.argv[1]) else 1)
