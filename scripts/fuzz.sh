#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan+UBSan, -Dfuzz=true) in build-fuzz
# and run each for SECONDS on a temporary copy of its seed corpus
# (tests/fuzz/corpus/NAME), so the repository is never written.
#   scripts/fuzz.sh SECONDS [TARGET...]     (targets: reader script board fault replay import_qemu import_ftrace)
# Prints each target's executions and coverage and a closing line; exits 1
# if any target crashed, leaked, timed out or ran out of memory (the
# failing input's path is printed), 2 on a usage or build error.
set -euo pipefail
usage() { echo "usage: $0 SECONDS [reader|script|board|fault|replay|import_qemu|import_ftrace ...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
secs=$1; shift
[[ $secs =~ ^[0-9]+$ && $secs -gt 0 ]] || usage
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(reader script board fault replay import_qemu import_ftrace)

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
command -v clang >/dev/null || { echo "fuzz.sh: clang not found (scripts/deps.sh installs it)" >&2; exit 2; }
if [ ! -f "$build/build.ninja" ]; then
	# LTO off: clang's LTO needs a linker plugin; the cmocka suite is not needed here.
	CC=clang meson setup "$build" "$root" -Dfuzz=true -Db_lto=false -Dtests=disabled >/dev/null ||
		{ echo "fuzz.sh: meson setup failed" >&2; exit 2; }
fi
ninja -C "$build" $(printf 'tests/fuzz/fuzz_%s ' "${targets[@]}") >/dev/null ||
	{ echo "fuzz.sh: build failed" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/irqrr-fuzz.XXXXXX")
failed=0
for t in "${targets[@]}"; do
	seeds=$root/tests/fuzz/corpus/$t
	[ -d "$seeds" ] || { echo "fuzz.sh: no corpus $seeds" >&2; exit 2; }
	mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
	cp "$seeds"/* "$work/$t/corpus/"
	log=$work/$t/log
	rc=0
	"$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" \
		"$work/$t/corpus" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
	corp=$(ls "$work/$t/corpus" | wc -l)
	if [ $rc -ne 0 ]; then
		failed=1
		echo "fuzz_$t: FAILED (exit $rc) after ${execs:-?} execs; log $log"
		grep -E 'ERROR:|invariant failed|runtime error|SUMMARY' "$log" | head -n 5 | sed 's/^/  /'
		for a in "$work/$t/artifacts"/*; do [ -e "$a" ] && echo "  input: $a"; done
	else
		echo "fuzz_$t: ok, ${execs:-?} execs in ${secs}s, ${cov:-cov: ?}, corpus $corp files"
	fi
done
if [ $failed -ne 0 ]; then
	echo "fuzz.sh: FAILED (logs and inputs kept in $work)"
	exit 1
fi
rm -rf "$work"
echo "fuzz.sh: all ${#targets[@]} targets ran ${secs}s each without a crash"
