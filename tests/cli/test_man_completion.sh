#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages (scripts/mkman.py, built from --help) and the bash
# completion (completions/irqrr.bash).
# Usage: test_man_completion.sh IRQRR MAN_DIR COMPLETION_SCRIPT
set -u
irqrr=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") mandir=$2 completion=$3
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }

commands=$("$irqrr" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' | grep -vx 'help\|version')
[ -n "$commands" ] && ok "commands listed" || bad "commands listed"

# --- man pages: one per command, with the sections and options of --help
if command -v man >/dev/null; then
	for c in - $commands; do
		page=$mandir/irqrr-$c.1
		[ "$c" = - ] && page=$mandir/irqrr.1
		if [ ! -f "$page" ]; then bad "$page exists"; continue; fi
		text=$(MANWIDTH=200 man -l "$page" 2>"$mandir/man.err" | col -b)
		if [ -s "$mandir/man.err" ]; then bad "$page renders without warnings"; cat "$mandir/man.err"; fi
		for s in NAME SYNOPSIS "EXIT STATUS"; do
			grep -q "^$s" <<<"$text" || bad "$page has $s"
		done
		[ "$c" = - ] && continue
		for o in $("$irqrr" "$c" --help | grep -oE -- '^  (-[a-z], )?--[a-z][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+'); do
			grep -q -- "$o" <<<"$text" || bad "$page documents $o"
		done
		ok "man page of $c"
	done
else
	echo "skip: no man here"
fi

# --- completion
# complete WORDS...: COMPREPLY for the last word, one a line
complete_words() {
	bash -c 'source "$1"; PATH=$(dirname "$2"):$PATH; shift 2; COMP_WORDS=("$@");
		COMP_CWORD=$(($# - 1)); _irqrr; printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" "$irqrr" "$@"
}
has_word() { # WORD DESCRIPTION WORDS...
	local want=$1 what=$2; shift 2
	if complete_words "$@" | grep -qx -- "$want"; then ok "$what"; else bad "$what: no $want in:"; complete_words "$@" | head; fi
}
has_word replay "subcommands" irqrr re
has_word version "version is a subcommand" irqrr ver
has_word --from-time "dump options" irqrr dump --fr
has_word --json "info options" irqrr info --
if complete_words irqrr info -- | grep -qx -- --from; then bad "info does not offer --from"; else ok "only info's own options"; fi
has_word dump "help CMD" irqrr help du
has_word explain "explain is a subcommand" irqrr expl
has_word --line "explain options" irqrr explain --li
has_word 'isr-held:' "predicates" irqrr bisect --until is
has_word 'pic.poll_no_0x80=1' "--model keys" irqrr replay --model pic.poll
if "$irqrr" run --list-guests >/dev/null 2>&1; then
	has_word demo "built-in guests" irqrr record --guest de
	has_word 'pic.poll_no_0x80=1' "record --model keys" irqrr record --model pic.poll
fi
has_word chips "dump formats" irqrr dump --format ch
# every kind the completion offers is one dump --kind takes
kinds=$(sed -n 's/.*--kind)//; /compgen -W "reset/{s/.*-W "\([^"]*\)".*/\1/p}' "$completion")
[ -n "$kinds" ] && ok "kinds found in the completion" || bad "kinds found in the completion"
for k in $kinds; do
	"$irqrr" dump --kind "$k" --help >/dev/null 2>&1 || true
	"$irqrr" dump --kind "$k" /nonexistent 2>&1 | grep -q "unknown kind" && bad "kind $k is one dump knows"
done
ok "completion kinds are dump's"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
