#!/bin/sh
# SPDX-License-Identifier: MIT
# stop.sh IRQRR CPUS EXTRA: the VMM stays responsive under the hostile
# guest. A run without end (secs=0: no time limit)
#   - gets SIGINT after 2 s: it must stop within 1 s with status 130 (its
#     trace closed within 500 ms; the ASan build's runtime exit gets 3 s in
#     all) and a finalised trace that replays identical;
#   - with --timeout 2: status 124, the trace closed within 1 s of the
#     timeout firing, and a trace that replays identical.
. "$(dirname "$0")/common.sh"
cpus=$2 extra=${3:-}
# In the ASan build, LeakSanitizer also scans the process at exit (1322 ms
# in all on the nested test bed, the trace closed after 244 ms): no leak
# check in this half; the --timeout half below keeps it, on the same
# teardown.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
"$irqrr" record -o "$tmp/s.irqrr" --guest hostile --cpus "$cpus" --timeout 60 --verbose \
	--append "seed=7 secs=0 $extra" >/dev/null 2>"$tmp/err" &
pid=$!
wait_file "$tmp/s.irqrr" $pid
sleep 2
t0=$(ms)
kill -INT $pid
for i in $(seq 1 50); do
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
if kill -0 $pid 2>/dev/null; then
	kill -KILL $pid
	fail "still running 5 s after SIGINT"
fi
wait $pid
status=$?
t1=$(ms)
cat "$tmp/err"
echo "SIGINT: status $status after $((t1 - t0)) ms"
[ $status -eq 130 ] || fail "SIGINT: exit status $status, expected 130"
# irqrr's own stop path, as the recorder times it: at most 500 ms
closed=$(sed -n 's/^irqrr: stop: .* trace closed \([0-9]*\) ms after the end was decided$/\1/p' "$tmp/err")
[ -n "$closed" ] && [ "$closed" -le 500 ] || fail "SIGINT: the trace closed ${closed:-?} ms after the signal (limit 500)"
# and what the user waits for, the signal to the process's end: 1 s. The
# ASan build's runtime adds its own exit (shadow memory torn down): on the
# nested test bed 1066 ms in all with the trace closed after 168 ms, so that
# build gets 3 s for the whole
limit=1000
grep -qa __asan_init "$irqrr" && limit=3000
[ $((t1 - t0)) -le $limit ] || fail "SIGINT: took $((t1 - t0)) ms to stop (limit $limit)"
kicks_bounded "$tmp/err" "$cpus"
replay_identical "$tmp/s.irqrr"

t0=$(ms)
timeout -s KILL 20 "$irqrr" record -o "$tmp/t.irqrr" --guest hostile --cpus "$cpus" --timeout 2 --verbose \
	--append "seed=8 secs=0 $extra" >/dev/null 2>"$tmp/err"
status=$?
t1=$(ms)
cat "$tmp/err"
echo "--timeout 2: status $status after $((t1 - t0)) ms"
[ $status -eq 124 ] || fail "--timeout 2: exit status $status, expected 124"
# the 2 s count from the guest's start, after the VMM's set-up (which takes
# ~2 s in the ASan build on the nested test bed): what must be prompt is
# the stop once the timeout fired, as the recorder times it
closed=$(sed -n 's/^irqrr: stop: .* trace closed \([0-9]*\) ms after the end was decided$/\1/p' "$tmp/err")
[ -n "$closed" ] || fail "--timeout 2: no stop timing (--verbose)"
[ "$closed" -le 1000 ] || fail "--timeout 2: the trace closed $closed ms after the timeout fired (limit 1000)"
[ $((t1 - t0)) -le 10000 ] || fail "--timeout 2: took $((t1 - t0)) ms in all (limit 10000)"
kicks_bounded "$tmp/err" "$cpus"
replay_identical "$tmp/t.irqrr"
echo "PASS: hostile cpus=$cpus $extra: SIGINT and --timeout stop it promptly"
