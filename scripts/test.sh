#!/usr/bin/env bash
# The whole test suite: a normal build and an ASan+UBSan build, every test,
# then short fuzz runs of every harness. The KVM tests (meson suite 'kvm')
# run on a real KVM wherever this runs (docs/testbed.md):
#   IRQRR_KVM=auto    (default) the host's /dev/kvm when it is usable, else
#                     the nested-KVM test bed (scripts/kvm-vm.sh: SVM under
#                     QEMU TCG); where the host's KVM is a software one
#                     (kvm_pvm: its LAPIC EOIs at injection), both
#            host     the host's /dev/kvm only
#            nested   the test bed only
#            both     the host's, then the test bed (on a software KVM,
#                     the tests of suite 'hwkvm' in the test bed only)
#            none     no KVM tests: they count as skipped (the opt-out)
# A line before the closing line names the KVM(s) that ran them; the
# closing line is `tests: N passed, N failed, N skipped`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
status=0
pass=0 fail=0 skip=0 results=0
hostbugs=$(mktemp "${TMPDIR:-/tmp}/irqrr-hostbugs.XXXXXX")
trap 'rm -f "$hostbugs"' EXIT

. scripts/kvm-host.sh

mode=${IRQRR_KVM:-auto}
case $mode in
auto)
	if kvm_usable; then
		mode=host
		# a software KVM is not the KVM users run: test on a real one too
		host_kvm_is_software && mode=both
	else
		mode=nested
	fi ;;
host|nested|both|none) ;;
*) echo "test.sh: IRQRR_KVM=$mode: expected auto, host, nested, both or none" >&2; exit 2 ;;
esac
if [ "$mode" = host ] || [ "$mode" = both ]; then
	kvm_usable || { echo "test.sh: IRQRR_KVM=$mode but /dev/kvm is not usable here" >&2; exit 2; }
fi

nested_name= nested_ok=0
if [ "$mode" = nested ] || [ "$mode" = both ]; then
	# Can a VM start? (installs QEMU and fetches the kernel the first time)
	vm_status=0
	nested_name=$(./scripts/kvm-vm.sh --quiet --timeout 300 -- \
		bash -c '. scripts/kvm-host.sh; host_kvm_name "nested SVM KVM under QEMU TCG"') ||
		vm_status=$?
	if [ "$vm_status" -eq 0 ]; then
		nested_ok=1
	else
		echo "test.sh: the nested-KVM test bed failed (scripts/kvm-vm.sh exit $vm_status, above); its KVM tests are skipped" >&2
		nested_name="none (the test bed failed: exit $vm_status)"
	fi
	# the Linux boot test's kernel, fetched on the host (the VM has no network)
	./scripts/fetch-linux.sh linux-cache >/dev/null 2>&1 ||
		echo "test.sh: scripts/fetch-linux.sh failed: kvm-linux-boot will skip" >&2
fi

count() { # testlog.json -> "passed failed skipped"
	python3 - "$1" <<'PY'
import json, sys
p = f = s = 0
try:
    lines = open(sys.argv[1]).readlines()
except OSError:
    lines = []
for line in lines:
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
}
add_counts() { # testlog.json; also counts its results into $results
	local p f s
	read -r p f s < <(count "$1")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s)) results=$((results + p + f + s))
	[ "$f" -eq 0 ] || status=1
}
# known host-KVM bugs the guests detected (tests/kvm/run_guest.sh), and the
# test bed's own (tests/kvm/run_mboot.sh)
note_hostbugs() { grep -h "known host-KVM bug\|known test-bed bug" "$@" 2>/dev/null >>"$hostbugs" || true; }

# nested_suite DIR: the meson suite arguments of the KVM tests the test bed
# runs for DIR: all of them, except that the ASan build leaves the Linux
# boots with 1 and 4 vCPUs (suite 'linux-extra') to the plain build. Each
# costs the bed 3-7 minutes; the ASan build boots Linux with 2 vCPUs and
# types into its shell, the same recorder paths (docs/testbed.md).
nested_suite() {
	case ${1%/} in
	build-asan) echo "--suite kvm --no-suite linux-extra" ;;
	*) echo "--suite kvm" ;;
	esac
}
# run_nested DIR LOGBASE [TEST...]: the KVM suite (or the named tests) in
# the test bed, results in DIR/meson-logs/LOGBASE.{json,txt}
run_nested() {
	local dir=$1 base=$2
	shift 2
	# shellcheck disable=SC2046
	./scripts/kvm-vm.sh --rw "$dir" --timeout 3000 -- \
		meson test -C "$dir" --no-rebuild --print-errorlogs $(nested_suite "$dir") --timeout-multiplier 3 --logbase "$base" "$@"
}
# the KVM tests without a result in DIR/meson-logs/LOGBASE.json
tests_without_result() { # DIR LOGBASE...: the KVM tests none of the logs has
	local dir=$1
	shift
	# meson lists and logs "project:suite / name"; salvage_results logs
	# "name"
	# shellcheck disable=SC2046
	meson test -C "$dir" --list $(nested_suite "$dir") 2>/dev/null | grep ' / ' |
		python3 -c '
import json, sys
done = set()
for log in sys.argv[1:]:
    try:
        for line in open(log):
            try:
                done.add(json.loads(line)["name"].split(" / ", 1)[-1])
            except (ValueError, KeyError):
                pass
    except OSError:
        pass
names = [t.strip().split(" / ", 1)[1] for t in sys.stdin if " / " in t]
print(" ".join(n for n in names if n not in done))
' "${@/#/$dir/meson-logs/}"
}

# prepare DIR MESON-ARGS...: configure and build DIR, run everything but
# the KVM tests on the host, and the KVM tests on the host's KVM when asked
prepare() {
	local dir=$1 t0
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >/dev/null
	fi
	# (quiet, but a failed build says why: CI once exited 1 here silently)
	local log
	if ! log=$(ninja -C "$dir" 2>&1); then
		printf '%s\n' "$log" | tail -n 40
		echo "test.sh: $dir: the build failed"
		exit 1
	fi
	rm -f "$dir"/meson-logs/{host,kvm-host,kvm-nested,kvm-nested-2,kvm-nested-3}.{json,txt} "$dir/meson-logs/kvm-nested.out"
	meson test -C "$dir" --no-rebuild --print-errorlogs --num-processes 2 --no-suite kvm \
		--logbase host || true
	add_counts "$dir/meson-logs/host.json"
	if [ "$mode" = host ] || [ "$mode" = both ]; then
		t0=$SECONDS
		# tests that need a hardware KVM (suite 'hwkvm': a Linux shell
		# takes over 20 minutes to reach on an emulating one) run in the
		# test bed only when it runs too
		local only_hw=()
		if [ "$mode" = both ] && host_kvm_is_software; then
			only_hw=(--no-suite hwkvm)
			echo "test.sh: $dir: $(meson test -C "$dir" --list --suite hwkvm 2>/dev/null | grep -c ' / ' || true) KVM tests need a hardware KVM: the test bed runs them, this emulating KVM does not"
		fi
		meson test -C "$dir" --no-rebuild --print-errorlogs --suite kvm "${only_hw[@]}" --logbase kvm-host || true
		add_counts "$dir/meson-logs/kvm-host.json"
		note_hostbugs "$dir/meson-logs/kvm-host.txt"
		echo "test.sh: $dir: KVM tests on the host's KVM: $((SECONDS - t0)) s"
	fi
}

# salvage_results DIR LOGBASE OUTFILE FROM-LINE: when the VM was stopped
# (timeout, stall) meson's JSON log is lost or cut (it is written through
# a buffer); the results meson printed to OUTFILE from FROM-LINE on are
# added to DIR/meson-logs/LOGBASE.json, so only tests without a result run
# again.
salvage_results() {
	python3 - "$1/meson-logs/$2.json" "$3" "$4" <<'PY'
import json, re, sys
log, out, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
have = {}
try:
    for line in open(log):
        try:
            r = json.loads(line)
            have[r["name"]] = r
        except (ValueError, KeyError):
            pass
except OSError:
    pass
pat = re.compile(r"^\s*\d+/\d+ \S+ / (\S+)\s+(OK|FAIL|SKIP|TIMEOUT|EXPECTEDFAIL|UNEXPECTEDPASS|ERROR)\s")
found = {}
for n, line in enumerate(open(out, errors="replace"), 1):
    m = pat.match(line)
    if n >= first and m and m.group(1) not in have:
        found[m.group(1)] = m.group(2)
with open(log, "w") as f:
    for r in have.values():
        f.write(json.dumps(r) + "\n")
    for name, res in found.items():
        f.write(json.dumps({"name": name, "result": res, "salvaged": True}) + "\n")
if found:
    print(f"test.sh: {len(found)} results salvaged from meson's output (its log was cut)")
PY
}

# nested_job DIR: the KVM suite in its own test-bed VM (run in the
# background, output to DIR/meson-logs/kvm-nested.out). A VM that stalls
# (kvm-vm.sh exit 123: no heartbeat; docs/testbed.md) or dies leaves tests
# without a result: they run once more in a new VM.
nested_job() {
	local dir=$1 t0=$SECONDS missing out from logs=(kvm-nested.json) n
	out=$dir/meson-logs/kvm-nested.out
	run_nested "$dir" kvm-nested || salvage_results "$dir" kvm-nested "$out" 1
	# up to two more VMs, each for the tests still without a result
	for n in 2 3; do
		missing=$(tests_without_result "$dir" "${logs[@]}")
		[ -n "$missing" ] || break
		echo "test.sh: $dir: $(echo "$missing" | wc -w) KVM tests have no result from the nested VM; running them in a new one:" $missing
		from=$(($(wc -l <"$out") + 1))
		# shellcheck disable=SC2086
		run_nested "$dir" kvm-nested-$n $missing || salvage_results "$dir" kvm-nested-$n "$out" "$from"
		logs+=(kvm-nested-$n.json)
	done
	echo "test.sh: $dir: KVM tests on the nested KVM: $((SECONDS - t0)) s"
}

# nested_results DIR: print the job's output, count its results; tests
# still without one are failures
nested_results() {
	local dir=$1 nkvm left missing n
	# shellcheck disable=SC2046
	nkvm=$(meson test -C "$dir" --list $(nested_suite "$dir") 2>/dev/null | grep -c ' / ' || true)
	left=$(meson test -C "$dir" --list --suite linux-extra 2>/dev/null | grep ' / ' | sed 's/.* \/ //' | tr '\n' ' ')
	echo "test.sh: $dir: the KVM tests in the test bed:"
	[ "$(nested_suite "$dir")" = "--suite kvm" ] || [ -z "$left" ] ||
		echo "test.sh: $dir: left to the plain build (docs/testbed.md, what CI runs): $left"
	cat "$dir/meson-logs/kvm-nested.out"
	results=0
	add_counts "$dir/meson-logs/kvm-nested.json"
	for n in 2 3; do
		if [ -f "$dir/meson-logs/kvm-nested-$n.json" ]; then
			add_counts "$dir/meson-logs/kvm-nested-$n.json"
			note_hostbugs "$dir/meson-logs/kvm-nested-$n.txt"
		fi
	done
	# every test must have a result in one of the logs (a later VM runs
	# only the tests the earlier ones left without one)
	missing=$(tests_without_result "$dir" kvm-nested.json kvm-nested-2.json kvm-nested-3.json)
	if [ -n "$missing" ]; then
		echo "test.sh: $dir: $(echo "$missing" | wc -w) of $nkvm KVM tests without a result (failed):" $missing >&2
		fail=$((fail + $(echo "$missing" | wc -w))) status=1
	fi
	note_hostbugs "$dir/meson-logs/kvm-nested.txt"
}

builds=(build build-asan)
prepare build
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
prepare build-asan -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false
if [ "$mode" = nested ] || [ "$mode" = both ]; then
	if [ "$nested_ok" = 1 ]; then
		# one VM per build, side by side: each runs its vCPUs on one host
		# thread (kvm-vm.sh, docs/testbed.md)
		t0=$SECONDS pids=()
		for dir in "${builds[@]}"; do
			echo "test.sh: $dir: KVM tests starting in a test-bed VM"
			nested_job "$dir" >"$dir/meson-logs/kvm-nested.out" 2>&1 &
			pids+=($!)
		done
		wait "${pids[@]}" || true
		for dir in "${builds[@]}"; do
			nested_results "$dir"
		done
		echo "test.sh: KVM tests on the nested KVM, both builds side by side: $((SECONDS - t0)) s"
	else
		for dir in "${builds[@]}"; do
			skip=$((skip + $(meson test -C "$dir" --list --suite kvm 2>/dev/null | grep -c ' / ' || true)))
		done
	fi
fi
if [ "$mode" = none ]; then
	for dir in "${builds[@]}"; do
		n=$(meson test -C "$dir" --list --suite kvm 2>/dev/null | grep -c ' / ' || true)
		echo "test.sh: IRQRR_KVM=none: $dir: $n KVM tests not run"
		skip=$((skip + n))
	done
fi
# Bounded fuzz runs (libFuzzer, clang, ASan+UBSan), IRQRR_FUZZ_SECONDS each
# (default 20; 0 skips them); each target counts as one test.
fuzz_secs=${IRQRR_FUZZ_SECONDS:-20}
if [ "$fuzz_secs" -gt 0 ]; then
	for target in reader script board fault replay import_qemu import_ftrace; do
		if ./scripts/fuzz.sh "$fuzz_secs" "$target"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1)) status=1
		fi
	done
fi
sort -u "$hostbugs" | sed 's/^/test.sh: /'
case $mode in
host) echo "KVM tests ran on: $(host_kvm_name "host /dev/kvm")" ;;
nested) echo "KVM tests ran on: $nested_name" ;;
both) echo "KVM tests ran on: $(host_kvm_name "host /dev/kvm"); and on: $nested_name" ;;
none) echo "KVM tests ran on: none (IRQRR_KVM=none)" ;;
esac
echo "tests: $pass passed, $fail failed, $skip skipped"
exit $status
