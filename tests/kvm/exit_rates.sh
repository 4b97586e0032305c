#!/bin/sh
# SPDX-License-Identifier: MIT
# exit_rates.sh IRQRR [GUEST] [EXTRA...]: run a guest under both irqchips in
# one go and print the VMM's exit statistics side by side (docs/recorder.md).
set -u
irqrr=$1 guest=${2:-demo}
shift; [ $# -gt 0 ] && shift
for chip in split kernel; do
	printf '%-7s ' "$chip"
	"$irqrr" run --guest "$guest" --irqchip "$chip" --verbose --timeout 60 "$@" 2>&1 >/dev/null |
		grep '^irqrr: ' | sed 's/^irqrr: //' | tr '\n' ' '
	echo
done
