#!/bin/sh
# SPDX-License-Identifier: MIT
# console_pipe.sh IRQRR: the guest's serial input from a pipe or a file
# (docs/recorder.md, "Console input"). The echo guest echoes every byte it
# receives until 0x04: 3000 bytes written in bursts must come back whole,
# in order, with no overrun (the recorder feeds the 16550 only when it has
# room), be recorded as console_in records, and replay identical. End of
# input leaves the guest running; --console none feeds nothing.
. "$(dirname "$0")/../lib.sh"

python3 -c '
import sys
sys.stdout.buffer.write(bytes((i * 7 + 32) % 95 + 32 for i in range(3000)))' >"$tmp/data" || fail "python3"
sum=$(python3 -c 'import sys; print(hex(sum(open(sys.argv[1], "rb").read()) + 4))' "$tmp/data")

# 1. A pipe whose writer sends bursts of 100 bytes with pauses, then 0x04.
python3 -c '
import os, sys, time
d = open(sys.argv[1], "rb").read()
for i in range(0, len(d), 100):
    os.write(1, d[i:i + 100])
    time.sleep(0.01)
os.write(1, b"\x04")' "$tmp/data" |
	timeout 60 "$irqrr" record -o "$tmp/t.irqrr" --guest echo --append slow --timeout 50 >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st -eq 0 ] || { cat "$tmp/err" "$tmp/out" >&2; fail "pipe: exit status $st, expected 0 (guest powered off)"; }
python3 -c '
import sys
out = open(sys.argv[1], "rb").read()
data = open(sys.argv[2], "rb").read()
start = out.index(b"echo: ready\n") + len(b"echo: ready\n")
end = out.index(b"\necho: received")
sys.exit(0 if out[start:end] == data else 1)' "$tmp/out" "$tmp/data" || fail "pipe: the echoed bytes differ from the input"
grep -q "echo: received 3001 bytes, sum $sum, .* 0 overruns" "$tmp/out" ||
	fail "pipe: guest summary: $(grep 'echo: received' "$tmp/out")"
grep "echo: received" "$tmp/out"
# every byte the guest read is in the trace, in order
"$irqrr" dump --format json --kind console_in "$tmp/t.irqrr" >"$tmp/in.json" || fail "dump --kind console_in"
python3 -c '
import json, sys
text = "".join(json.loads(l)["text"] for l in open(sys.argv[1]))
data = open(sys.argv[2], "rb").read().decode() + "\x04"
sys.exit(0 if text == data else 1)' "$tmp/in.json" "$tmp/data" || fail "pipe: console_in records differ from the input"
echo "console_in records: $(wc -l <"$tmp/in.json")"
"$irqrr" replay "$tmp/t.irqrr" || fail "pipe: the trace does not replay identical"

# 2. A file, and the FIFO disabled by nobody: same bytes back.
printf 'abc\004' >"$tmp/small"
timeout 30 "$irqrr" run --guest echo --timeout 20 <"$tmp/small" >"$tmp/out2" 2>&1 || fail "file: exit status $?"
grep -q "^abc$" "$tmp/out2" || fail "file: 'abc' not echoed: $(cat "$tmp/out2")"

# 2b. The same UART under KVM's chips (--irqchip kernel: IRQ4 by KVM_IRQ_LINE).
printf 'kchip\004' | timeout 30 "$irqrr" run --guest echo --irqchip kernel --timeout 20 >"$tmp/out2b" 2>&1 ||
	fail "kernel irqchip: exit status $?: $(tail -n 3 "$tmp/out2b")"
grep -q "^kchip$" "$tmp/out2b" || fail "kernel irqchip: 'kchip' not echoed"

# 3. End of input without 0x04: the guest keeps running until --timeout.
printf 'xyz' | timeout 30 "$irqrr" run --guest echo --timeout 3 >"$tmp/out3" 2>&1
st=$?
[ $st -eq 124 ] || fail "eof: exit status $st, expected 124 (the guest keeps running after end of input)"
grep -q "xyz" "$tmp/out3" || fail "eof: 'xyz' not echoed before the timeout"

# 4. --console none: the guest receives nothing.
printf 'qqq\004' | timeout 30 "$irqrr" run --guest echo --console none --timeout 3 >"$tmp/out4" 2>&1
st=$?
[ $st -eq 124 ] || fail "none: exit status $st, expected 124"
! grep -q "qqq" "$tmp/out4" || fail "none: input reached the guest"
# 5. A reader of the console that goes away (| head) must not kill the
#    recorder before it closes the trace (SIGPIPE is ignored).
{ printf 'abc'; sleep 1; printf 'def\004'; } |
	timeout 30 "$irqrr" record -o "$tmp/p.irqrr" --guest echo --timeout 20 2>"$tmp/err6" | head -c 1 >/dev/null
"$irqrr" info "$tmp/p.irqrr" >"$tmp/info6" 2>&1 || fail "head: irqrr info failed: $(cat "$tmp/info6")"
grep -q "^recovery: none needed" "$tmp/info6" || fail "head: the trace was not closed: $(tail -n 3 "$tmp/info6") $(cat "$tmp/err6")"
"$irqrr" run --console tty 2>"$tmp/err5"
[ $? -eq 2 ] && grep -q "^irqrr: --console tty: expected stdin or none$" "$tmp/err5" || fail "--console tty: $(cat "$tmp/err5")"
echo "console_pipe: all checks passed"
