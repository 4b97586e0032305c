#!/bin/sh
# SPDX-License-Identifier: MIT
# bisect and reduce on a ~10^7-event trace (figures in docs/debugging.md).
#   bench/bench_debug.sh BUILD_DIR [TMPDIR]
set -eu
B=${1:-build}
D=${2:-/tmp}
I=$B/cli/irqrr
# 1. the board benchmark's stream, 10^7 events: a predicate that never holds
#    (worst case: every event examined)
"$B/bench/bench_board" 870000 1 --trace "$D/bench_debug_board.irqrr" >/dev/null
"$I" bisect "$D/bench_debug_board.irqrr" --until 'remote-irr:any>1ms' --stats || true
"$I" bisect "$D/bench_debug_board.irqrr" --until 'isr-held:any>1s' --stats || true
# 1b. the same stream in 250 ms chunks, as the recorder seals them, with a
#    forgotten EOI planted at 860 s: keyframe skips against --linear
"$B/bench/bench_board" 870000 1 --trace "$D/bench_debug_t250.irqrr" --chunk-ms 250 >/dev/null
"$B/bench/bench_board" 870000 1 --trace "$D/bench_debug_tp250.irqrr" --chunk-ms 250 --stuck-at 860000 >/dev/null
for m in "" --linear; do
	"$I" bisect "$D/bench_debug_tp250.irqrr" --until 'remote-irr:any>300ms' --stats $m | sed -n '1p;$p'
	"$I" bisect "$D/bench_debug_t250.irqrr" --until 'isr-held:any>300ms' --stats $m | tail -n 1
done
rm -f "$D/bench_debug_t250.irqrr" "$D/bench_debug_tp250.irqrr"
# 2. a planted bug near the end of a 1.08*10^7-event script: a level
#    interrupt on IOAPIC pin 10 that never gets its EOI
python3 - "$D/bench_debug_planted.script" <<'PY'
import sys
with open(sys.argv[1], 'w') as f:
    f.write("out 0x20 0x11\nout 0x21 0x30\nout 0x21 0x04\nout 0x21 0x01\n"
            "out 0xa0 0x11\nout 0xa1 0x38\nout 0xa1 0x02\nout 0xa1 0x01\n"
            "mmiow 0xfec00000 0x24\nmmiow 0xfec00010 0x804a\n"
            "out 0x43 0x34\nout 0x40 0xa9\nout 0x40 0x04\n")
    for ms in range(1, 830001):
        f.write("time %d\nintack\nout 0x20 0x20\nout 0x43 0x00\nin 0x40\nin 0x40\n" % (ms * 1000000 + 5000))
        if ms == 800000:
            f.write("irq 10 1\n")
PY
"$I" chips --record "$D/bench_debug_planted.irqrr" "$D/bench_debug_planted.script" >/dev/null
"$I" bisect "$D/bench_debug_planted.irqrr" --until 'remote-irr:10>20ms' --stats | sed -n '1,2p;$p'
/usr/bin/time -f "reduce: %e s, %M KB max RSS" \
	"$I" reduce "$D/bench_debug_planted.irqrr" --until 'remote-irr:10>20ms' -o "$D/bench_debug_min.script"
cat "$D/bench_debug_min.script"
rm -f "$D/bench_debug_board.irqrr" "$D/bench_debug_planted.script" "$D/bench_debug_planted.irqrr"
