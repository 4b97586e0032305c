#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 14: what a user must be able to trust (docs/HARDENING.md): progress
# on a terminal, outputs that never clobber inputs or device nodes, failed
# recordings that do not pass for good ones, replay ranges and skipped
# damage that are reported. Usage: test_hardening.sh IRQRR EXAMPLES_DIR
set -u
irqrr=$1 examples=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0
check() { # description, then the command; passes when it exits 0
	local what=$1; shift
	checks=$((checks + 1))
	if ! "$@"; then
		echo "FAIL: $what" >&2
		fails=$((fails + 1))
	fi
}
status_is() { # expected-status command...
	local want=$1; shift
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	local got=$?
	[ "$got" -eq "$want" ] || { echo "  exit $got, wanted $want: $*" >&2; cat "$tmp/stderr" >&2; return 1; }
}
stderr_has() { grep -q -- "$1" "$tmp/stderr" || { echo "  stderr lacks '$1':" >&2; cat "$tmp/stderr" >&2; return 1; }; }
stdout_has() { grep -q -- "$1" "$tmp/stdout" || { echo "  stdout lacks '$1':" >&2; cat "$tmp/stdout" >&2; return 1; }; }

# The example's PIC and PIT set-up, then N one-millisecond ticks each taken
# and acknowledged: a trace of about N/6000 chunks.
ticks_script() { # N
	grep -v '^time\|^in \|^intack\|^state\|out 0x20 0x20' "$examples/linux-pit-1khz.script"
	awk -v n="$1" 'BEGIN { t = 1500000; for (i = 0; i < n; i++) { t += 1000000;
		printf "time %.0f\nintack 0\nout 0x20 0x20\n", t } }'
}
ticks_script 120000 >"$tmp/many.script"
"$irqrr" chips --record "$tmp/many.irqrr" "$tmp/many.script" >/dev/null ||
	{ echo "FAIL: cannot record the multi-chunk trace" >&2; exit 1; }

# --- 1. replay progress on a terminal (use after free; ASan reports it)
have_pty=0
script -qfec true /dev/null >/dev/null 2>&1 && have_pty=1
progress_ok() { # the pty transcript: percentages shown, never falling, at most 100
	tr '\r' '\n' <"$tmp/pty" | grep -o 'replaying: *[0-9]*%' | grep -o '[0-9]*' >"$tmp/pcts"
	[ -s "$tmp/pcts" ] || { echo "  no progress shown:" >&2; cat "$tmp/pty" >&2; return 1; }
	sort -n -c "$tmp/pcts" 2>/dev/null || { echo "  progress went backwards:" >&2; tr '\n' ' ' <"$tmp/pcts" >&2; return 1; }
	[ "$(tail -1 "$tmp/pcts")" -le 100 ] || { echo "  progress beyond 100%" >&2; return 1; }
	! grep -q 'Sanitizer' "$tmp/pty" || { cat "$tmp/pty" >&2; return 1; }
}
if [ $have_pty = 1 ]; then
	script -qfec "'$irqrr' replay '$tmp/many.irqrr'" /dev/null >"$tmp/pty" 2>&1
	check "replay on a terminal exits 0" test $? -eq 0
	check "replay progress: rises to at most 100%, no sanitizer report" progress_ok
else
	echo "SKIP: no pseudo-terminal (script -qfec failed): progress not tested"
fi

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
