#!/usr/bin/env bash
# Set everything up and run the main job: install the Debian packages, build,
# record the built-in demo guest and verify the trace by replaying it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
irqrr=./build/cli/irqrr
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	echo "== irqrr record -o demo.irqrr   (built-in demo guest, split irqchip)"
	$irqrr record -o demo.irqrr
	echo "== irqrr replay demo.irqrr"
	$irqrr replay demo.irqrr
	$irqrr info demo.irqrr | tail -4
else
	echo "irqrr: /dev/kvm is not usable here; recording needs it." >&2
	echo "== irqrr chips --record example.irqrr examples/linux-pit-1khz.script"
	$irqrr chips --record example.irqrr examples/linux-pit-1khz.script
	echo "== irqrr replay example.irqrr"
	$irqrr replay example.irqrr
fi
