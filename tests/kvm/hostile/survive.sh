#!/bin/sh
# SPDX-License-Identifier: MIT
# survive.sh IRQRR CPUS SEED [EXTRA]: record the hostile guest for OPS
# operations per vCPU (a bound by work done, the same on a fast or a slow
# KVM; default 1000, EXTRA may say ops=N); the VMM must end cleanly with the guest's status 0 (it survived and powered
# off), the guest's rep-I/O self-checks must pass, and the trace must replay
# identical.
. "$(dirname "$0")/common.sh"
cpus=$2 seed=$3 extra=${4:-}
"$irqrr" record -o "$tmp/t.irqrr" --guest hostile --cpus "$cpus" --timeout 600 --verbose \
	--append "seed=$seed secs=0 ops=1000 $extra" >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/err"
grep -a "^hostile:\|^PASS:\|^FAIL:" "$tmp/out"
[ $status -eq 0 ] || fail "exit status $status, expected 0"
kicks_bounded "$tmp/err" "$cpus"
grep -aq "^hostile: all checks passed" "$tmp/out" || fail "no 'all checks passed'"
grep -aq "^hostile: survived: seed=$seed " "$tmp/out" || fail "no survival summary"
grep -aq "^FAIL" "$tmp/out" && fail "a guest check failed"
replay_identical "$tmp/t.irqrr"
echo "PASS: hostile cpus=$cpus seed=$seed $extra"
