// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pacer of attach --max-pause: chunk sizes from the bound and from the
 * time the last chunk took. The stop times are given, not measured, so
 * these tests say what the sizing does whatever the machine's noise; the
 * times a real target sees are in make bench (docs/BENCHMARKS.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "inject/target.h"

#define PAGE 4096ull
#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define MS 1000000ull

static void assert_sane(uint64_t c)
{
	assert_int_equal(c % PAGE, 0);
	assert_true(c >= 256 * KiB);
	assert_true(c <= GiB);
}

/* Before any rate is known: an eighth of the bound at 512 MiB/s. */
static void test_first(void **state)
{
	(void)state;
	assert_int_equal(mlk_pace_first(20 * MS, PAGE), (512 * MiB / 400) & ~(PAGE - 1));
	assert_int_equal(mlk_pace_first(2 * MS, PAGE), 256 * KiB);	/* the floor */
	assert_int_equal(mlk_pace_first(100000 * MS, PAGE), GiB);	/* the ceiling */
	assert_sane(mlk_pace_first(7 * MS, PAGE));
	assert_sane(mlk_pace_first(7 * MS, 65536));
	assert_int_equal(mlk_pace_first(7 * MS, 65536) % 65536, 0);	/* 64 KiB pages */
}

static void test_steady_fast_slow(void **state)
{
	(void)state;
	/* took exactly the aim (an eighth of 40 ms): the same size again */
	assert_int_equal(mlk_pace_next(4 * MiB, 4 * MiB, 5 * MS, 40 * MS, PAGE), 4 * MiB);
	/* ten times faster than the aim: grows, but only 1.5x */
	assert_int_equal(mlk_pace_next(4 * MiB, 4 * MiB, MS / 2, 40 * MS, PAGE), 6 * MiB);
	/* no measurable time at all: 1.5x too */
	assert_int_equal(mlk_pace_next(4 * MiB, 4 * MiB, 0, 40 * MS, PAGE), 6 * MiB);
	/* twice the aim: half the size */
	assert_int_equal(mlk_pace_next(4 * MiB, 4 * MiB, 10 * MS, 40 * MS, PAGE), 2 * MiB);
	/* overran the bound threefold: sized from that rate at once, not smoothed */
	assert_int_equal(mlk_pace_next(24 * MiB, 24 * MiB, 60 * MS, 20 * MS, PAGE), MiB);
	/* very slow: the floor */
	assert_int_equal(mlk_pace_next(4 * MiB, 4 * MiB, 5000 * MS, 20 * MS, PAGE), 256 * KiB);
	/* very fast, big: the ceiling */
	assert_int_equal(mlk_pace_next(GiB, GiB, 1, 100000 * MS, PAGE), GiB);
}

/* The tail of a mapping, shorter than the chunk asked for. */
static void test_tail(void **state)
{
	(void)state;
	/* 8 KiB in 0.3 ms (mostly the stop's fixed cost): the chunk stays */
	assert_int_equal(mlk_pace_next(4 * MiB, 8 * KiB, 3 * MS / 10, 40 * MS, PAGE), 4 * MiB);
	/* a tail quick enough does not make it grow either */
	assert_int_equal(mlk_pace_next(4 * MiB, 2 * MiB, MS / 10, 40 * MS, PAGE), 4 * MiB);
	/* a tail that overran the aim: sized from its rate */
	assert_int_equal(mlk_pace_next(4 * MiB, 2 * MiB, 20 * MS, 40 * MS, PAGE), MiB / 2);
	/* a tail just over the aim but whose rate still covers the chunk: kept */
	assert_int_equal(mlk_pace_next(4 * MiB, 3 * MiB, 5 * MS + 1, 40 * MS, PAGE),
			 ((uint64_t)(3.0L * MiB * 5 * MS / (5 * MS + 1))) & ~(PAGE - 1));
}

/* Whatever came before: what the next chunk would take at the last rate is
 * within the aim (or it is the floor), and it is at most 1.5x the last one. */
static void test_sweep(void **state)
{
	static const uint64_t lens[] = { 256 * KiB, MiB, 3 * MiB + PAGE, 64 * MiB, GiB };
	static const uint64_t tooks[] = { 1, MS / 100, MS, 5 * MS, 19 * MS, 200 * MS, 9000 * MS };
	static const uint64_t bounds[] = { MS, 20 * MS, 1000 * MS };
	size_t i, j, k;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		for (j = 0; j < ARRAY_SIZE(tooks); j++)
			for (k = 0; k < ARRAY_SIZE(bounds); k++) {
				uint64_t l = lens[i], t = tooks[j], b = bounds[k];
				uint64_t c = mlk_pace_next(l, l, t, b, PAGE);
				long double at_last_rate = (long double)c * t / l;

				assert_sane(c);
				assert_true(c == 256 * KiB || at_last_rate <= b / 8.0L + 1);
				assert_true(c == 256 * KiB || c <= l + l / 2);
			}
}

/*
 * A 1 GiB lock simulated with a fault rate that changes up to 8x from one
 * chunk to the next (a VM's noise; measured up to 7x): aiming at an eighth
 * of the bound keeps every stop within the bound, in many stops.
 */
static void test_simulated_noise(void **state)
{
	uint64_t bound = 20 * MS, chunk = mlk_pace_first(bound, PAGE), left = GiB, stops = 0;
	uint32_t seed = 12345;
	long double rate;	/* bytes per ns */
	long double longest = 0;

	(void)state;
	while (left) {
		uint64_t len = left < chunk ? left : chunk;
		long double took;

		seed = seed * 1103515245u + 12345u;
		/* between 200 MiB/s and 1.6 GiB/s, jumping anywhere each time */
		rate = (200.0L + (seed >> 8) % 1400) * MiB / 1e9;
		took = len / rate;
		if (took > longest)
			longest = took;
		chunk = mlk_pace_next(chunk, len, (uint64_t)took, bound, PAGE);
		left -= len;
		stops++;
	}
	print_message("# simulated: %llu stops, longest %.1f ms for a 20 ms bound\n",
		      (unsigned long long)stops, (double)(longest / 1e6));
	assert_true(longest <= bound);
	assert_true(stops > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first),
		cmocka_unit_test(test_steady_fast_slow),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_simulated_noise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
