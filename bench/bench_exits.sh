#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The split irqchip's exits per delivered interrupt, per interrupt path,
# against KVM's in-kernel chips (docs/PERFORMANCE.md, "The split irqchip's
# exits, at the API's minimum"). Runs the irq-bench guest one path at a
# time (--append path=NAME, guests/irq_bench.c) under --irqchip split and
# --irqchip kernel and reads the VMM's exit counters (--verbose). A path=none
# run of the same configuration is the baseline (set-up, console, exit):
# its counts are subtracted, the rest divided by the interrupts the guest's
# handler counted. Exit counts on a real KVM are exact; times are not, so
# the device paths (edge, level, pic) also get a split/kernel time ratio:
# median of alternating runs, with min and max (host-dependent).
# rtc, msi (HPET FSB) and hpet exist under the split irqchip only (KVM has
# no RTC and no HPET): they are compared with the API's minimum alone.
# Usage: bench/bench_exits.sh [IRQRR] [ROUNDS]   (default build/cli/irqrr, 5)
# Exits 1 when a split path is above the API's minimum (docs/PERFORMANCE.md's
# table) by more than 0.1 exit or LVT read per interrupt.
# Needs /dev/kvm (the host's, or scripts/kvm-vm.sh's nested one).
set -euo pipefail
irqrr=${1:-build/cli/irqrr} rounds=${2:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
paths="none edge level pic pit pit-pic rtc msi hpet"
kernel_paths="none edge level pic pit pit-pic"
# run CHIP PATH -> one line: chip path interrupts seconds counters...
run() {
	local chip=$1 path=$2 extra=() t0 t1 out
	case $path in msi | hpet) extra=(--hpet on) ;; esac
	t0=$(date +%s%N)
	out=$("$irqrr" run --guest irq-bench --irqchip "$chip" --append "path=$path" --verbose --timeout 120 \
		"${extra[@]}" 2>&1) || { echo "bench_exits: $chip path=$path failed:" >&2; echo "$out" >&2; exit 1; }
	t1=$(date +%s%N)
	printf '%s\n' "$out" >"$tmp/out"
	python3 - "$chip" "$path" "$(( (t1 - t0) / 1000 ))" "$tmp/out" >>"$tmp/runs" <<'PY'
import re, sys
chip, path, us = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(sys.argv[4]).read()
n = int(re.search(r"exit-bench: path=\S+ interrupts=(\d+)", text).group(1))
ex = re.search(r"irqrr: \d+ exits in \S+ s \(\d+/s\): (.*)", text).group(1).split()
c = {ex[i]: int(ex[i + 1]) for i in range(0, len(ex), 2)}
m = re.search(r"extint injections (\d+), nmis \d+, lvt reads (\d+)(?: \((\d+) skipped\))?, msis (\d+)", text)
c["injections"], c["lvt_reads"], c["msis"] = int(m.group(1)), int(m.group(2)), int(m.group(4))
c["kicks"] = int(re.search(r"kick signals (\d+)", text).group(1))
print(chip, path, n, us, " ".join(f"{k}={v}" for k, v in c.items()))
PY
}
# counts: one run of every (chip, path); counts do not depend on timing
# except where a timer ticks while the guest is elsewhere, so round 1 gives
# them and the other rounds only add times for the device paths
for r in $(seq "$rounds"); do
	for p in $paths; do
		if [ "$r" -gt 1 ]; then
			case $p in edge | level | pic) ;; *) continue ;; esac
		fi
		run split "$p"
		case " $kernel_paths " in *" $p "*) run kernel "$p" ;; esac
	done
done
python3 - "$tmp/runs" "$rounds" <<'PY'
import statistics, sys
runs = [l.split() for l in open(sys.argv[1])]
first, times = {}, {}
for chip, path, n, us, *kv in runs:
    key = (chip, path)
    c = {k: int(v) for k, v in (x.split("=") for x in kv)}
    first.setdefault(key, (int(n), c))
    times.setdefault(key, []).append(int(us) / 1e6)
reasons = ["io", "mmio", "ioapic_eoi", "irq_window", "intr"]
extra = ["lvt_reads", "kicks", "injections", "msis"]
print(f"irq-bench path=NAME, exits per delivered interrupt (baseline path=none subtracted; "
      f"{sys.argv[2]} alternating rounds for times)")
print(f"{'path':8s} {'chip':6s} {'irqs':>5s} {'exits':>6s} " + " ".join(f"{r:>10s}" for r in reasons) +
      " | " + " ".join(f"{r:>9s}" for r in extra))
for path in ["edge", "level", "pic", "pit", "pit-pic", "rtc", "msi", "hpet"]:
    for chip in ["split", "kernel"]:
        if (chip, path) not in first:
            continue
        n, c = first[(chip, path)]
        _, b = first[(chip, "none")]
        per = {k: (c.get(k, 0) - b.get(k, 0)) / n for k in reasons + extra}
        tot = sum(per[k] for k in reasons)
        print(f"{path:8s} {chip:6s} {n:5d} {tot:6.2f} " + " ".join(f"{per[k]:10.2f}" for k in reasons) +
              " | " + " ".join(f"{per[k]:9.2f}" for k in extra))
# the API's minimum per interrupt, split irqchip, beyond what the path's
# guest itself does (docs/PERFORMANCE.md): (reason, at most) pairs; `kick`
# counts intr + irq_window (a tick takes one or the other)
minimum = {
    "edge": {"io": 2, "ioapic_eoi": 0, "kick": 0, "lvt_reads": 0},
    "level": {"io": 2, "ioapic_eoi": 1, "kick": 0, "lvt_reads": 0},
    "pic": {"io": 3, "ioapic_eoi": 0, "kick": 0, "lvt_reads": 0},
    "pit": {"io": 0, "ioapic_eoi": 0, "kick": 0, "lvt_reads": 0},
    "pit-pic": {"io": 1, "ioapic_eoi": 0, "kick": 1},
    "rtc": {"io": 2, "ioapic_eoi": 0, "kick": 0},
    "msi": {"io": 0, "mmio": 0, "ioapic_eoi": 0, "kick": 0},
    "hpet": {"mmio": 1, "ioapic_eoi": 1, "kick": 0},
}
above = []
for path, lim in minimum.items():
    n, c = first[("split", path)]
    _, b = first[("split", "none")]
    per = {k: (c.get(k, 0) - b.get(k, 0)) / n for k in reasons + extra}
    per["kick"] = per["intr"] + per["irq_window"]
    for k, v in lim.items():
        if per[k] > v + 0.1:
            above.append(f"{path}: {k} {per[k]:.2f} per interrupt, minimum {v}")
print("above the API's minimum: " + ("; ".join(above) if above else "none"))
print("time split/kernel per device path, median of alternating runs (min..max of the runs' ratios; "
      "host-dependent):")
for path in ["edge", "level", "pic"]:
    s, k = times[("split", path)], times[("kernel", path)]
    ratios = sorted(a / b for a, b in zip(s, k))
    print(f"  {path:6s} split {statistics.median(s):.3f} s  kernel {statistics.median(k):.3f} s  "
          f"ratio {statistics.median(s) / statistics.median(k):.3f} ({ratios[0]:.3f}..{ratios[-1]:.3f})")
sys.exit(1 if above else 0)
PY
