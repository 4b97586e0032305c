#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every read command against every file of the hostile-trace corpus
# (gen_hostile_traces.c; docs/HARDENING.md), each under a time limit: a hang
# is a failure, as is a crash, a sanitizer report, an exit status outside
# the command's documented ones, a multi-line or unnamed error, or a raw
# terminal escape on the output.
# Usage: run_hostile.sh IRQRR GEN_HOSTILE_TRACES [SECONDS]
set -u
irqrr=$1 gen=$2 limit=${3:-10}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
corpus=$tmp/corpus
mkdir "$corpus"
"$gen" "$corpus" || { echo "FAIL: gen_hostile_traces" >&2; exit 1; }
fails=0 runs=0

# command name, allowed exit statuses, then the arguments (FILE and OUT
# stand for the trace and an output path)
commands=(
	"replay|0 1 2 3|replay FILE"
	"replay-range|0 1 2 3|replay --from 5 --to 40 FILE"
	"dump|0 2|dump FILE"
	"dump-json|0 2|dump --format json FILE"
	"dump-script|0 2|dump --format script FILE"
	"dump-chips|0 2|dump --format chips FILE"
	"info|0 2|info FILE"
	"stats|0 2|stats FILE"
	"state|0 2|state --at 12 FILE"
	"state-16|0 2|state --at 16 FILE"
	"state-40|0 2|state --at 40 FILE"
	"state-300|0 2|state --at 300 FILE"
	"state-900|0 2|state --at 900 FILE"
	"state-end|0 2|state --at 4000000000 FILE"
	"bisect|0 1 2|bisect FILE --until no-intack>1ms"
	"bisect-line|0 1 2|bisect FILE --until line-undelivered:any>1ms"
	"diff|0 1 2|diff FILE FILE"
	"reduce|0 1 2|reduce FILE --until no-intack>1ms -o OUT --max-time 5"
	"export|0 2|export FILE --perfetto OUT --io"
	"export-pftrace|0 2|export FILE --format pftrace --perfetto OUT --io"
	"plot|0 2|plot FILE -o OUT"
	"explain|0 2|explain FILE --at 40"
)

for f in "$corpus"/*.irqrr; do
	base=$(basename "$f")
	for c in "${commands[@]}"; do
		IFS='|' read -r name allowed args <<<"$c"
		out=$tmp/out.$name
		rm -f "$out"
		read -r -a argv <<<"${args//FILE/$f}"
		argv=("${argv[@]//OUT/$out}")
		runs=$((runs + 1))
		timeout -k 2 "$limit" "$irqrr" "${argv[@]}" >"$tmp/stdout" 2>"$tmp/stderr"
		rc=$?
		why=
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			why="did not finish within ${limit}s"
		elif ! grep -qw -- "$rc" <<<"$allowed"; then
			why="exit $rc (allowed: $allowed)"
		elif grep -q 'Sanitizer\|runtime error' "$tmp/stderr"; then
			why="sanitizer report"
		elif [ $rc -eq 2 ] && ! grep -q '^irqrr' "$tmp/stderr"; then
			why="exit 2 without an 'irqrr...' message"
		elif grep -q $'\033' "$tmp/stdout" "$tmp/stderr"; then
			why="raw ESC byte on the output"
		fi
		if [ -n "$why" ]; then
			echo "FAIL: $base: irqrr ${argv[*]}: $why" >&2
			head -5 "$tmp/stderr" | sed 's/^/  /' >&2
			fails=$((fails + 1))
		fi
	done
done
echo "$runs runs over $(ls "$corpus" | wc -l) hostile traces, $fails failed"
[ $fails -eq 0 ]
