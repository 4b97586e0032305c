#!/bin/sh
# SPDX-License-Identifier: MIT
# script_roundtrip.sh IRQRR GUEST [irqrr options...]
# DESIGN.md: "A trace dumped as a script and fed to irqrr chips prints the
# same outputs." Records a built-in guest, then checks that
#   irqrr dump --format script T | irqrr chips
# prints exactly what `irqrr dump --format chips T` says the trace holds.
set -u
irqrr=$1 guest=$2
shift 2
if [ ! -e /dev/kvm ]; then
	echo "SKIP: /dev/kvm is missing: KVM tests cannot run here" >&2
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$irqrr" record -o "$tmp/t.irqrr" --guest "$guest" --timeout 30 "$@" >"$tmp/console" || {
	echo "FAIL: record --guest $guest: exit $?" >&2; cat "$tmp/console" >&2; exit 1; }
"$irqrr" dump --format script "$tmp/t.irqrr" >"$tmp/t.script" 2>"$tmp/warn" || exit 1
if [ -s "$tmp/warn" ]; then
	echo "FAIL: dump --format script warned:" >&2; cat "$tmp/warn" >&2; exit 1
fi
"$irqrr" chips "$tmp/t.script" >"$tmp/chips.out" || { echo "FAIL: irqrr chips on the dumped script" >&2; exit 1; }
"$irqrr" dump --format chips "$tmp/t.irqrr" >"$tmp/trace.out" || exit 1
lines=$(wc -l <"$tmp/trace.out")
if ! cmp -s "$tmp/chips.out" "$tmp/trace.out"; then
	echo "FAIL: outputs differ (first difference below)" >&2
	diff "$tmp/trace.out" "$tmp/chips.out" | head -5 >&2
	exit 1
fi
echo "$guest: $lines output lines, identical through the chip script"
