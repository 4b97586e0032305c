# SPDX-License-Identifier: MIT
# Sourced by the hostile-guest tests: $irqrr, a temporary directory $tmp,
# fail(), wait_file() (../lib.sh), and ms() (monotonic milliseconds).
. "$(dirname "$0")/../lib.sh"
# (date, not python3: a Python start-up costs seconds under the nested test
# bed's TCG, and was counted into the SIGINT stop time)
ms() {
	date +%s%3N
}
replay_identical() {
	"$irqrr" replay "$1" >"$tmp/replay" 2>&1 || { cat "$tmp/replay"; fail "replay of $1"; }
	grep -q "^identical" "$tmp/replay" || { cat "$tmp/replay"; fail "replay did not say identical"; }
	head -1 "$tmp/replay"
}
# kicks_bounded ERRFILE CPUS: from a --verbose run's statistics, at most one
# kick signal in flight per vCPU (recorder/vcpu.c): kicks <= passes + CPUS.
# Unbounded real-time kick signals wedged the VMM under the PIT storm.
kicks_bounded() {
	line=$(grep -a "^irqrr: kick signals " "$1") || fail "no kick statistics in $1"
	kicks=$(echo "$line" | sed 's/^irqrr: kick signals \([0-9]*\),.*/\1/')
	passes=$(echo "$line" | sed 's/.*loop passes \([0-9]*\).*/\1/')
	[ "$kicks" -le $((passes + $2)) ] || fail "$kicks kick signals for $passes vCPU loop passes"
	echo "$line"
}
