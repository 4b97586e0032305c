#!/bin/sh
# SPDX-License-Identifier: MIT
# stop.sh IRQRR CPUS EXTRA: the VMM stays responsive under the hostile
# guest. A run without end (secs=0: no time limit)
#   - gets SIGINT after 2 s: it must stop within 1 s with status 130 and a
#     finalised trace that replays identical;
#   - with --timeout 2: it must stop within 2 + 1.5 s with status 124 and a
#     trace that replays identical.
. "$(dirname "$0")/common.sh"
cpus=$2 extra=${3:-}
"$irqrr" record -o "$tmp/s.irqrr" --guest hostile --cpus "$cpus" --timeout 60 --verbose \
	--append "seed=7 secs=0 $extra" >/dev/null 2>"$tmp/err" &
pid=$!
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
[ $((t1 - t0)) -le 1000 ] || fail "SIGINT: took $((t1 - t0)) ms to stop (limit 1000)"
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
[ $((t1 - t0)) -le 3500 ] || fail "--timeout 2: took $((t1 - t0)) ms (limit 3500)"
kicks_bounded "$tmp/err" "$cpus"
replay_identical "$tmp/t.irqrr"
echo "PASS: hostile cpus=$cpus $extra: SIGINT and --timeout stop it promptly"
