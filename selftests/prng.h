/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzers' random numbers: xorshift64*, seeded by the caller through
 * rng_state, so that a printed seed replays the same run.
 */
#ifndef KVS_SELFTESTS_PRNG_H
#define KVS_SELFTESTS_PRNG_H

#include <stdbool.h>
#include <stdint.h>

static uint64_t rng_state;

static inline uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static inline uint32_t rnd(uint32_t n)	/* 0..n-1 */
{
	return n ? (uint32_t)(rnd64() >> 32) % n : 0;
}

static inline bool chance(unsigned int percent)
{
	return rnd(100) < percent;
}

#endif
