#!/bin/sh
# Chip-script tests (docs/chips-script.md): each tests/chips/NAME.script runs
# on a bare board and must print exactly NAME.out; recorded with
# `chips --record` it must replay identical, name the model variants its
# board line turns on (KEY=1) in its header, and its trace dumped back as a
# script must print the same lines again.
# Usage: run_scripts.sh IRQRR DIR
irqrr=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0
for s in "$dir"/*.script; do
	name=$(basename "$s" .script)
	n=$((n + 1))
	if ! "$irqrr" chips "$s" >"$tmp/$name.got" 2>"$tmp/$name.err"; then
		echo "FAIL $name: irqrr chips exited $?: $(cat "$tmp/$name.err")"
		fails=$((fails + 1))
		continue
	fi
	if ! cmp -s "$tmp/$name.got" "$dir/$name.out"; then
		echo "FAIL $name: output differs from $name.out"
		diff "$dir/$name.out" "$tmp/$name.got" | head -20
		fails=$((fails + 1))
		continue
	fi
	if ! "$irqrr" chips --record "$tmp/$name.irqrr" "$s" >/dev/null ||
	   ! "$irqrr" replay "$tmp/$name.irqrr" >/dev/null 2>"$tmp/$name.err"; then
		echo "FAIL $name: recording does not replay identical: $(cat "$tmp/$name.err")"
		fails=$((fails + 1))
		continue
	fi
	# a model variant the board line turns on is named in the trace's header
	missing=
	for kv in $(sed -n 's/#.*//; s/^board[[:space:]]//p' "$s"); do
		case $kv in
		*.*=1) "$irqrr" info "$tmp/$name.irqrr" | grep -qFx "  model.${kv%=1} = 1" ||
			missing="$missing ${kv%=1}" ;;
		esac
	done
	if [ -n "$missing" ]; then
		echo "FAIL $name: the trace's header does not name model.KEY for:$missing"
		fails=$((fails + 1))
		continue
	fi
	"$irqrr" dump --format script "$tmp/$name.irqrr" >"$tmp/$name.dumped"
	if ! "$irqrr" chips "$tmp/$name.dumped" >"$tmp/$name.again" ||
	   ! cmp -s "$tmp/$name.got" "$tmp/$name.again"; then
		echo "FAIL $name: dump --format script | chips prints other lines"
		fails=$((fails + 1))
		continue
	fi
	echo "ok $name"
done
[ "$n" -gt 0 ] || { echo "FAIL: no scripts in $dir"; exit 1; }
echo "$((n - fails)) of $n chip scripts passed"
[ "$fails" -eq 0 ]
