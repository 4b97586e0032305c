#!/bin/sh
# SPDX-License-Identifier: MIT
# run|record --model KEY=VALUE (issue 13): a real guest against a variant
# board; the variants are in the trace header and its keyframes, so the
# replay (without --model) is identical; a bad key is refused, exit 2.
. "$(dirname "$0")/lib.sh"
"$irqrr" record -o "$tmp/m.irqrr" --model nope=1 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "unknown model key" "$tmp/err" || fail "--model nope=1 must be refused"
# the guest checks the datasheet's behaviour: under a variant a check may
# fail (guest status 3); only a VMM error (2) or a timeout is wrong here
"$irqrr" record -o "$tmp/m.irqrr" --guest pit-modes --model pit.cw_keeps_counting=1 \
	--model pic.poll_no_0x80=1 --timeout 20 >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st -eq 0 ] || [ $st -eq 3 ] || { cat "$tmp/err"; fail "record --model: exit $st"; }
"$irqrr" info "$tmp/m.irqrr" >"$tmp/info" || fail "info"
grep -q "^  model.pit.cw_keeps_counting = 1$" "$tmp/info" || fail "no model.pit.cw_keeps_counting in the header"
grep -q "^  model.pic.poll_no_0x80 = 1$" "$tmp/info" || fail "no model.pic.poll_no_0x80 in the header"
"$irqrr" state "$tmp/m.irqrr" --at 10 | grep -q "poll_no_0x80=1" || fail "keyframe lacks the variant"
"$irqrr" replay "$tmp/m.irqrr" | head -n 1 | grep -q "^identical" || fail "replay with the recorded variants"
"$irqrr" run --guest demo --model lint0=bsp --timeout 20 >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "run --model lint0=bsp"; }
echo "PASS: --model"
