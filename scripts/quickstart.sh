#!/usr/bin/env bash
# Set everything up and run the main job: install the Debian packages, build,
# then drive the board with the shipped example script.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
echo "== irqrr chips examples/linux-pit-1khz.script"
./build/irqrr chips examples/linux-pit-1khz.script
