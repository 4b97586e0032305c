#!/bin/sh
# SPDX-License-Identifier: MIT
# irqrr export on the 10^7-event timer-heavy trace: Perfetto protobuf
# (.pftrace) against trace-event JSON, side by side in alternating rounds.
# Reports size, bytes/event, the size ratio, wall time, events/s and peak
# RSS (/usr/bin/time), medians with min..max over the rounds. (No CPU time:
# on the development VM user time undercounts badly; count instructions with
# callgrind instead, see docs/PERFORMANCE.md.)
# Figures: docs/PERFORMANCE.md ("Timeline export").
#   bench/bench_export.sh BUILD_DIR [ROUNDS] [TMPDIR]
set -eu
B=${1:-build}
N=${2:-5}
D=${3:-/tmp}
I=$B/cli/irqrr
TR=$D/bench_export.irqrr
"$B/bench/bench_board" 870000 1 --trace "$TR" >/dev/null
EVENTS=$("$I" info "$TR" | awk '$1 == "events:" { print $2; exit }')
LOG=$D/bench_export.log
: >"$LOG"
r=0
while [ "$r" -lt "$N" ]; do
	r=$((r + 1))
	for f in pftrace json; do
		# to a file (what a user does) and to /dev/null (the export alone)
		/usr/bin/time -f "$f file %e %U %S %M" -a -o "$LOG" \
			"$I" export "$TR" --format "$f" --perfetto "$D/bench_export.$f"
		/usr/bin/time -f "$f null %e %U %S %M" -a -o "$LOG" \
			"$I" export "$TR" --format "$f" --perfetto /dev/null
	done
done
PF=$(stat -c %s "$D/bench_export.pftrace")
JS=$(stat -c %s "$D/bench_export.json")
if command -v protoc >/dev/null; then
	protoc --decode_raw <"$D/bench_export.pftrace" >/dev/null && echo "pftrace: protoc --decode_raw parses it"
fi
python3 - "$LOG" "$EVENTS" "$PF" "$JS" "$N" <<'PY'
import statistics, sys
log, events, pf, js, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
runs = {}
for line in open(log):
    f, where, e, u, s, m = line.split()
    runs.setdefault((f, where), []).append((float(e), float(u) + float(s), int(m)))
def span(xs, fmt):
    return "%s (min %s, max %s)" % (fmt % statistics.median(xs), fmt % min(xs), fmt % max(xs))
print("trace: %d events; %s alternating rounds" % (events, n))
print("size: pftrace %d bytes (%.2f bytes/event), json %d bytes (%.2f bytes/event), json/pftrace %.2f"
      % (pf, pf / events, js, js / events, js / pf))
for (f, where), rs in sorted(runs.items()):
    wall = [r[0] for r in rs]
    print("%-7s to %-4s wall %s s, %.1f Mevents/s by wall (best %.1f), max RSS %d KB"
          % (f, where, span(wall, "%.2f"), events / statistics.median(wall) / 1e6,
             events / min(wall) / 1e6, max(r[2] for r in rs)))
PY
rm -f "$TR" "$D/bench_export.pftrace" "$D/bench_export.json" "$LOG"
