#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Recorder benchmarks on the built-in irq-bench guest (20000 interrupts: 10000
# level via the IOAPIC, 10000 edge via the PIC and LINT0 ExtINT), measured side
# by side in one run, alternating the configurations so machine noise hits
# all of them alike:
#   run  (split irqchip, no trace)   record (split irqchip + trace)
#   kernel (--irqchip=kernel: KVM's in-kernel PIC/IOAPIC/PIT)
# Usage: bench/bench_record.sh [IRQRR] [ROUNDS]   (default build/cli/irqrr, 7)
set -euo pipefail
irqrr=${1:-build/cli/irqrr} rounds=${2:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wall() { # command... -> seconds on stdout
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000 ))
}
for r in $(seq "$rounds"); do
	echo "run $(wall "$irqrr" run --guest irq-bench)" >>"$tmp/times"
	echo "record $(wall "$irqrr" record --guest irq-bench -o "$tmp/t.irqrr")" >>"$tmp/times"
	echo "kernel $(wall "$irqrr" run --guest irq-bench --irqchip kernel)" >>"$tmp/times"
done
"$irqrr" replay -q "$tmp/t.irqrr"
events=$("$irqrr" info "$tmp/t.irqrr" | sed -n 's/^events: //p')
bytes=$(stat -c %s "$tmp/t.irqrr")
python3 - "$tmp/times" "$rounds" "$events" "$bytes" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    k, us = line.split()
    times.setdefault(k, []).append(int(us) / 1e6)
med = {k: statistics.median(v) for k, v in times.items()}
rounds, events, size = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"irq-bench, {rounds} alternating rounds, median wall time per run:")
for k in ("run", "record", "kernel"):
    v = sorted(times[k])
    print(f"  {k:7s} {med[k]:.3f} s  (min {v[0]:.3f}, max {v[-1]:.3f})")
print(f"recording overhead (record / run): {med['record'] / med['run']:.4f}")
print(f"split / kernel irqchip (run / kernel): {med['run'] / med['kernel']:.3f}")
print(f"trace: {events} events, {size} bytes, {size / events:.3f} bytes/event, "
      f"{events / med['record']:.0f} events/s recorded")
PY
