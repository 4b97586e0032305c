#!/bin/sh
# SPDX-License-Identifier: MIT
# Output errors: an unwritable path fails before the guest starts; a full
# disk (a 24 KiB tmpfs; skipped if mount is not permitted) stops the
# recording with one clear error and leaves a readable trace prefix.
. "$(dirname "$0")/common.sh"
"$irqrr" record -o /nonexistent-dir/t.irqrr >"$tmp/out" 2>"$tmp/err"
st=$?
cat "$tmp/err"
[ $st -eq 2 ] || fail "unwritable path: exit $st, expected 2"
[ ! -s "$tmp/out" ] || fail "the guest started (console output) despite an unwritable trace path"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "nonexistent-dir/t.irqrr" "$tmp/err" || fail "unwritable path: not one clear line"
"$irqrr" record -o "$tmp/t.irqrr" --report /nonexistent-dir/r.txt >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q "^irqrr: --report /nonexistent-dir/r.txt: " "$tmp/err" \
	|| fail "unwritable --report path"

mkdir "$tmp/mnt"
if ! mount -t tmpfs -o size=24k tmpfs "$tmp/mnt" 2>"$tmp/merr"; then
	echo "SKIP (full disk part): mount tmpfs failed: $(cat "$tmp/merr")"
	exit 0
fi
trap 'umount "$tmp/mnt"; rm -rf "$tmp"' EXIT
"$irqrr" record -o "$tmp/mnt/t.irqrr" --timeout 20 >"$tmp/out" 2>"$tmp/err"
st=$?
cat "$tmp/err"
[ $st -eq 2 ] || fail "full disk: exit $st, expected 2"
grep -q "No space left on device" "$tmp/err" || fail "full disk: no clear error"
"$irqrr" replay "$tmp/mnt/t.irqrr" >"$tmp/rp" 2>&1
rc=$?
cat "$tmp/rp"
[ $rc -eq 0 ] && grep -q "^identical" "$tmp/rp" || fail "full disk: the trace prefix does not replay (exit $rc)"
echo "PASS: unwritable path, full disk"
