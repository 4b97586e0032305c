#!/bin/sh
# SPDX-License-Identifier: MIT
# Output errors: an unwritable path fails before the guest starts; a full
# disk (an 8 KiB tmpfs; skipped if mount is not permitted) stops the
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

# No report written: only a report file this run created is removed; a
# device node, a symlink and a file that was there stay (issue 14 item 2:
# `--report /dev/null` removed /dev/null).
echo keep >"$tmp/target"
ln -s "$tmp/target" "$tmp/link"
echo keep >"$tmp/pre.json"
if mknod "$tmp/null" c 1 3 2>/dev/null; then
	"$irqrr" record -o "$tmp/t2.irqrr" --report "$tmp/null" --report-json "$tmp/link" >/dev/null 2>"$tmp/err" \
		|| fail "record with --report into a device node: $(cat "$tmp/err")"
	[ -c "$tmp/null" ] || fail "--report DEVICE with no report: the device node was removed"
	[ -L "$tmp/link" ] || fail "--report-json SYMLINK with no report: the symlink was removed"
	[ -f "$tmp/target" ] || fail "--report-json SYMLINK with no report: its target was removed"
else
	echo "SKIP (device node part): mknod is not permitted"
fi
"$irqrr" record -o "$tmp/t3.irqrr" --report "$tmp/new.txt" --report-json "$tmp/pre.json" >/dev/null 2>"$tmp/err" \
	|| fail "record with --report: $(cat "$tmp/err")"
[ ! -e "$tmp/new.txt" ] || fail "--report NEW with no report: the empty file was left"
[ -f "$tmp/pre.json" ] || fail "--report-json EXISTING with no report: the file was removed"

mkdir "$tmp/mnt"
# (the demo guest's whole trace is ~15 KB since format 2.2's split records
# and exact timer deadlines: 24 KiB, the size before, holds all of it)
if ! mount -t tmpfs -o size=8k tmpfs "$tmp/mnt" 2>"$tmp/merr"; then
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
