/* SPDX-License-Identifier: MIT */
/*
 * The i8254 input clock and exact integer conversions between virtual
 * nanoseconds and PIT clock ticks on an absolute grid (tick k happens at the
 * first nanosecond t with floor(t * F / 1e9) >= k).
 *
 * F = 14.31818 MHz / 12 = 1193181.67 Hz; we use 1193182 Hz like QEMU, crosvm
 * and the Linux guest's PIT_TICK_RATE (KVM uses 1193181; see docs/chips.md).
 * Both directions split t into whole seconds and a remainder, so they are
 * exact and never overflow for t < 2^64 ns (584 years).
 */
#ifndef IRQRR_CLOCK_H
#define IRQRR_CLOCK_H

#include <stdint.h>

#define PIT_HZ 1193182u
#define NS_PER_SEC 1000000000u

/* Number of PIT clock edges in (0, t]: floor(t * PIT_HZ / 1e9). */
static inline uint64_t pit_ticks_at(uint64_t t)
{
	uint64_t s = t / NS_PER_SEC, r = t % NS_PER_SEC;
	return s * PIT_HZ + r * PIT_HZ / NS_PER_SEC;
}

/* Time of tick s * PIT_HZ + r (r < PIT_HZ): ceil((s * PIT_HZ + r) * 1e9 /
 * PIT_HZ) = s * 1e9 + ceil(r * 1e9 / PIT_HZ). Saturates at UINT64_MAX. For
 * a caller that carries a tick as seconds and remainder (chips/board.c's
 * PIT edge), without the division of the tick by PIT_HZ. */
static inline uint64_t pit_tick_time_sr(uint64_t s, uint32_t r)
{
	if (s > UINT64_MAX / NS_PER_SEC)
		return UINT64_MAX;
	uint64_t base = s * NS_PER_SEC, frac = ((uint64_t)r * NS_PER_SEC + PIT_HZ - 1) / PIT_HZ;
	return frac > UINT64_MAX - base ? UINT64_MAX : base + frac;
}

/* Time of tick k: the least t with pit_ticks_at(t) >= k, i.e.
 * ceil(k * 1e9 / PIT_HZ). Saturates at UINT64_MAX. */
static inline uint64_t pit_tick_time(uint64_t k)
{
	return pit_tick_time_sr(k / PIT_HZ, (uint32_t)(k % PIT_HZ));
}

#endif
