#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Replay throughput with 1 and 2 (or more) threads, measured side by side:
# each round runs `irqrr replay -q --stats -j N TRACE` once per N, in turn,
# so a noisy, shared machine slows every N alike. Prints per N the median,
# min and max of events/s (wall) and of CPU ns/event (user+sys), and the
# median and spread of the per-round ratio to the first N.
# BASE=/path/to/older/irqrr adds that binary's replay with each N as columns
# (bN), in the same rounds, and the per-round ratios jN/bN.
# Usage: bench_replay.sh IRQRR TRACE [ROUNDS] [N...]   (default 9 rounds, N 1 2)
# Make the timer-heavy trace with: build/bench/bench_board 1000000 1 --trace T
set -u
irqrr=$1 trace=$2 rounds=${3:-9}
shift 3 2>/dev/null || shift $#
jobs=("$@")
[ ${#jobs[@]} -eq 0 ] && jobs=(1 2)
out=$(mktemp) || exit 1
trap 'rm -f "$out" "$out.t"' EXIT
cols=()
for j in "${jobs[@]}"; do cols+=("j$j"); done
if [ -n "${BASE:-}" ]; then for j in "${jobs[@]}"; do cols+=("b$j"); done; fi
for ((r = 0; r < rounds; r++)); do
	for c in "${cols[@]}"; do
		if [ "${c#b}" != "$c" ]; then
			cmd=("$BASE" replay -q --stats -j "${c#b}" "$trace")
		else
			cmd=("$irqrr" replay -q --stats -j "${c#j}" "$trace")
		fi
		/usr/bin/time -f "%U %S" -o "$out.t" "${cmd[@]}" >"$out.r" || { echo "replay failed: ${cmd[*]}" >&2; exit 1; }
		# "replay: 52.5 Mevents/s (11500015 events in 0.219 s)"
		read -r _ rate _ events _ <"$out.r"
		read -r user sys <"$out.t"
		echo "$r $c $rate ${events#(} $user $sys" >>"$out"
	done
done
rm -f "$out.r"
python3 - "$out" "${cols[@]}" <<'EOF'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1])]
cols = sys.argv[2:]
by = {c: {} for c in cols}
for r, c, rate, ev, u, s in rows:
    by[c][int(r)] = (float(rate), 1e9 * (float(u) + float(s)) / int(ev))
n = len(by[cols[0]])
print(f"{n} alternating rounds ({', '.join(cols)} in turn each round)")
for c in cols:
    rates = [v[0] for v in by[c].values()]
    cpu = [v[1] for v in by[c].values()]
    print(f"  {c:5} {st.median(rates):6.1f} Mevents/s (min {min(rates):.1f}, max {max(rates):.1f});"
          f" CPU {st.median(cpu):5.2f} ns/event (min {min(cpu):.2f}, max {max(cpu):.2f})")
pairs = [(c, cols[0]) for c in cols[1:] if c.startswith("j")]
pairs += [("j" + c[1:], c) for c in cols if c.startswith("b")]
for a, b in pairs:
    ratios = [by[a][r][0] / by[b][r][0] for r in by[a]]
    print(f"  {a}/{b} per round: median {st.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")
EOF
