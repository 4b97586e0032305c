#!/usr/bin/env bash
# The whole test suite: a normal build and an ASan+UBSan build, every test
# (KVM tests skip, visibly, only when /dev/kvm is missing), then short fuzz
# runs of every harness.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
status=0
pass=0 fail=0 skip=0
run_suite() { # build-dir meson-args...
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir" >/dev/null
	if ! meson test -C "$dir" --print-errorlogs --num-processes 2; then
		status=1
	fi
	# meson writes one JSON object per test
	read -r p f s < <(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r == "OK" or r == "EXPECTEDFAIL": p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}
run_suite build
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false
# Bounded fuzz runs (libFuzzer, clang, ASan+UBSan), IRQRR_FUZZ_SECONDS each
# (default 20; 0 skips them); each target counts as one test.
fuzz_secs=${IRQRR_FUZZ_SECONDS:-20}
if [ "$fuzz_secs" -gt 0 ]; then
	for target in reader script board replay; do
		if ./scripts/fuzz.sh "$fuzz_secs" "$target"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1)) status=1
		fi
	done
fi
echo "tests: $pass passed, $fail failed, $skip skipped"
exit $status
