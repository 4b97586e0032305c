#!/bin/sh
# SPDX-License-Identifier: MIT
# Crash consistency (issue 7): SIGKILL recorders at random moments, several
# times, different guests; `irqrr replay` must verify every complete chunk
# (exit 0, "identical") and name the damage in one warning line. A kill
# before the first chunk is sealed leaves a header only: exit 2, one line.
# Delays count from the moment the trace file exists, so a slow host (the
# nested test bed, ~100 us per exit) shifts nothing.
. "$(dirname "$0")/common.sh"
n=0
for guest in demo pit-modes bug-lvt0 demo pic-modes bug-noeoi; do
	# 0.40 .. 1.90 s: after the first chunk (250 ms) is sealed
	d=$(awk -v s="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { printf "%.2f", 0.4 + (s % 150) / 100 }')
	rm -f "$tmp/k.irqrr"
	"$irqrr" record -o "$tmp/k.irqrr" --guest "$guest" --timeout 20 >/dev/null 2>&1 &
	pid=$!
	wait_file "$tmp/k.irqrr" $pid
	sleep "$d"
	kill -KILL $pid 2>/dev/null
	wait $pid
	st=$?
	"$irqrr" replay "$tmp/k.irqrr" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	echo "$guest killed at ${d}s (recorder status $st): replay $rc: $(cat "$tmp/out" "$tmp/err" | tr '\n' ' ')"
	[ $rc -eq 0 ] || fail "$guest killed at ${d}s: replay exit $rc"
	grep -q "^identical" "$tmp/out" || fail "no identical line"
	if [ $st -eq 137 ] && [ ! -s "$tmp/err" ] && "$irqrr" info "$tmp/k.irqrr" | grep -q "^recovery: none needed"; then
		# the kill landed after the recorder had closed the trace (the
		# guest had ended; ASan's exit-time leak check on the nested
		# test bed takes that long): a complete trace, no warning due
		echo "$guest: the trace was complete before the kill"
	elif [ $st -eq 137 ]; then
		[ "$(wc -l <"$tmp/err")" -ge 1 ] && grep -q "^irqrr: .*k.irqrr: " "$tmp/err" \
			|| fail "$guest: a killed trace replayed without a warning line"
		n=$((n + 1))
	fi
done
[ $n -ge 3 ] || fail "only $n recorders were actually killed"
# killed before any chunk is complete: a chunk spans 10 s of recording
"$irqrr" record -o "$tmp/e.irqrr" --chunk-ms 10000 --timeout 20 >/dev/null 2>&1 &
pid=$!
wait_file "$tmp/e.irqrr" $pid
sleep 0.3
kill -KILL $pid
wait $pid
"$irqrr" replay "$tmp/e.irqrr" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/err"
[ $rc -eq 2 ] || fail "header-only trace: replay exit $rc, expected 2"
grep -q "no complete chunk\|holds no events\|not an irqrr trace\|truncated" "$tmp/err" || fail "header-only trace: unclear message"
echo "PASS: $n killed recorders, every complete chunk verified"
