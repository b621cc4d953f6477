// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rules of the structs that start with their size (include/memlock/
 * common.h): an out-struct below its 1.0 size is refused and left as it
 * was, a bigger one is filled and its tail zeroed; an options or input
 * struct bigger than ours is taken only with a zero tail (else -E2BIG);
 * MEMLOCK_OPTS() zero-fills and sets sz.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/core.h"

#define FX "tests/fixtures/proc/"
#define LOCKED FX "locked"
#define MANYSWAPS FX "many-swaps"

#define assert_fails(call, err)				\
	do {						\
		errno = 0;				\
		assert_int_equal((call), -(err));	\
		assert_int_equal(errno, (err));		\
	} while (0)

/* A caller built against a later version: our struct and members after it. */
#define BIGGER(type) struct { type ours; unsigned char tail[40]; }

static bool all_bytes(const void *p, size_t n, unsigned char c)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != c)
			return false;
	return true;
}

static void out_too_small(void **state)
{
	struct memlock_status st;
	struct memlock_limits lim;
	struct memlock_meminfo mi;
	struct memlock_vmstat vs;
	struct memlock_mapping m;
	struct memlock_stop_stats ss = { .sz = sizeof(ss) };
	struct memlock_proc_maps *it;
	size_t sizes[] = { 0, 1, sizeof(size_t), MLK_SZ_STATUS - 1 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&st, 0x5a, sizeof(st));
		st.sz = sizes[i];
		assert_fails(memlock_proc_read_status(LOCKED, 9914, &st), EINVAL);
		assert_int_equal(st.sz, sizes[i]);
		assert_true(all_bytes((char *)&st + sizeof(size_t), sizeof(st) - sizeof(size_t), 0x5a));
	}
	lim.sz = MLK_SZ_LIMITS - 1;
	assert_fails(memlock_proc_read_limits(LOCKED, 9914, &lim), EINVAL);
	assert_fails(memlock_limit_get(0, &lim), EINVAL);
	mi.sz = 0;
	assert_fails(memlock_proc_read_meminfo(LOCKED, &mi), EINVAL);
	vs.sz = MLK_SZ_VMSTAT - 8;
	assert_fails(memlock_proc_read_vmstat(LOCKED, &vs), EINVAL);
	m.sz = 0;
	assert_fails(memlock_proc_read_rollup(LOCKED, 9914, &m), EINVAL);
	it = memlock_proc_maps_open(LOCKED, 9914);
	assert_non_null(it);
	assert_fails(memlock_proc_maps_next(it, &m), EINVAL);
	m.sz = sizeof(m);
	assert_int_equal(memlock_proc_maps_next(it, &m), 0);	/* the refusal read nothing */
	assert_int_equal(m.start, 0x563096f74000);
	memlock_proc_maps_close(it);
	assert_fails(memlock_target_stats(NULL, &ss), EINVAL);
}

static void out_exact_1_0_size(void **state)
{
	struct memlock_proc_swaps *it = memlock_proc_swaps_open(MANYSWAPS);
	struct memlock_swap sw;

	(void)state;
	/* the 1.0 size may be short of sizeof (tail padding): nothing past it
	 * is written */
	assert_non_null(it);
	memset(&sw, 0x5a, sizeof(sw));
	sw.sz = MLK_SZ_SWAP;
	assert_int_equal(memlock_proc_swaps_next(it, &sw), 0);
	assert_int_equal(sw.sz, MLK_SZ_SWAP);
	assert_string_equal(sw.path, "/tmp/memlock swap file");
	assert_int_equal(sw.prio, -2);
	assert_true(all_bytes((char *)&sw + MLK_SZ_SWAP, sizeof(sw) - MLK_SZ_SWAP, 0x5a));
	memlock_proc_swaps_close(it);
}

static void out_bigger(void **state)
{
	BIGGER(struct memlock_status) st;
	BIGGER(struct memlock_meminfo) mi;
	BIGGER(struct memlock_mapping) m;

	(void)state;
	memset(&st, 0x5a, sizeof(st));
	st.ours.sz = sizeof(st);
	assert_int_equal(memlock_proc_read_status(LOCKED, 9914, &st.ours), 0);
	assert_int_equal(st.ours.sz, sizeof(st));	/* kept: the caller's */
	assert_int_equal(st.ours.pid, 9914);
	assert_int_equal(st.ours.vm_lck, 208 * 1024);
	assert_true(all_bytes(st.tail, sizeof(st.tail), 0));	/* unknown: 0 */

	memset(&mi, 0x5a, sizeof(mi));
	mi.ours.sz = sizeof(mi);
	assert_int_equal(memlock_proc_read_meminfo(LOCKED, &mi.ours), 0);
	assert_int_equal(mi.ours.mlocked, 14756 * 1024);
	assert_true(all_bytes(mi.tail, sizeof(mi.tail), 0));

	memset(&m, 0x5a, sizeof(m));
	m.ours.sz = sizeof(m);
	assert_int_equal(memlock_proc_read_rollup(LOCKED, 9914, &m.ours), 0);
	assert_null(m.ours.path);
	assert_int_equal(m.ours.locked, 88 * 1024);
	assert_true(all_bytes(m.tail, sizeof(m.tail), 0));
}

static void opts_rules(void **state)
{
	BIGGER(struct memlock_exec_opts) big;
	struct memlock_exec_opts o;
	size_t min = MLK_SZ_EXEC_OPTS;

	(void)state;
	memset(&big, 0, sizeof(big));
	big.ours.flags = MEMLOCK_F_CURRENT;
	big.ours.sz = 0;
	assert_int_equal(mlk_opts_get(&o, sizeof(o), &big, min), -EINVAL);
	big.ours.sz = min - 1;
	assert_int_equal(mlk_opts_get(&o, sizeof(o), &big, min), -EINVAL);
	assert_int_equal(mlk_opts_get(&o, sizeof(o), NULL, min), -EINVAL);
	/* bigger, the tail zero: ours is taken */
	big.ours.sz = sizeof(big);
	assert_int_equal(mlk_opts_get(&o, sizeof(o), &big, min), 0);
	assert_int_equal(o.flags, MEMLOCK_F_CURRENT);
	/* a member we do not know, set: refused, not ignored */
	big.tail[sizeof(big.tail) - 1] = 1;
	assert_int_equal(mlk_opts_get(&o, sizeof(o), &big, min), -E2BIG);
	assert_int_equal(mlk_opts_valid(&big, sizeof(big), min, sizeof(big.ours)), -E2BIG);
	/* a byte past the caller's own size is never looked at */
	assert_int_equal(mlk_opts_valid(&big, sizeof(big) - 1, min, sizeof(big.ours)), 0);
	/* an older caller's shorter struct: what it lacks reads as 0 */
	{
		unsigned char newer[4 * sizeof(size_t)];
		size_t old = 2 * sizeof(size_t);

		memset(&big, 0x5a, sizeof(big));
		big.ours.sz = old;
		assert_int_equal(mlk_opts_get(newer, sizeof(newer), &big, old), 0);
		assert_true(all_bytes(newer + sizeof(size_t), old - sizeof(size_t), 0x5a));
		assert_true(all_bytes(newer + old, sizeof(newer) - old, 0));
	}
}

static void exec_opts_checked(void **state)
{
	BIGGER(struct memlock_exec_opts) big;
	struct memlock_exec_opts o;
	char *argv[] = { "memlock-no-such-program", NULL };

	(void)state;
	/* every refusal comes before the program is looked for; an accepted
	 * struct reaches the search (ENOENT): nothing runs either way */
	memset(&o, 0, sizeof(o));
	assert_fails(memlock_exec_locked(argv[0], argv, &o, NULL), EINVAL);	/* sz 0 */
	o.sz = sizeof(o);
	o.flags = MEMLOCK_F_FORCE;
	assert_fails(memlock_exec_locked(argv[0], argv, &o, NULL), EINVAL);
	o.flags = MEMLOCK_F_ONFAULT;	/* mlockall(MCL_ONFAULT) */
	assert_fails(memlock_exec_locked(argv[0], argv, &o, NULL), EINVAL);
	o.flags = MEMLOCK_F_FUTURE | MEMLOCK_F_BEST_EFFORT;
	assert_fails(memlock_exec_locked(argv[0], argv, &o, NULL), ENOENT);
	assert_fails(memlock_exec_locked(argv[0], argv, NULL, NULL), ENOENT);
	memset(&big, 0, sizeof(big));
	big.ours.sz = sizeof(big);
	assert_fails(memlock_exec_locked(argv[0], argv, &big.ours, NULL), ENOENT);
	big.tail[0] = 1;
	assert_fails(memlock_exec_locked(argv[0], argv, &big.ours, NULL), E2BIG);
}

static void input_structs(void **state)
{
	BIGGER(struct memlock_limits) lim;
	BIGGER(struct memlock_rescue) r;

	(void)state;
	/* refused before prlimit is called: nothing changes */
	memset(&lim, 0, sizeof(lim));
	lim.ours.soft = lim.ours.hard = MEMLOCK_UNLIMITED;
	assert_fails(memlock_limit_set(0, &lim.ours, NULL), EINVAL);
	lim.ours.sz = sizeof(lim);
	lim.tail[3] = 7;
	assert_fails(memlock_limit_set(0, &lim.ours, NULL), E2BIG);

	memset(&r, 0, sizeof(r));
	assert_fails(memlock_rescue_run(&r.ours), EINVAL);
	r.ours.sz = MLK_SZ_RESCUE - 1;
	assert_fails(memlock_rescue_run(&r.ours), EINVAL);
	r.ours.sz = sizeof(r);
	assert_int_equal(memlock_rescue_run(&r.ours), 0);	/* phase 0: nothing to do */
	r.tail[0] = 1;
	assert_fails(memlock_rescue_run(&r.ours), E2BIG);
}

static void opts_macro(void **state)
{
	struct memlock_exec_opts want;
	unsigned char junk[sizeof(want)];

	(void)state;
	/* leave non-zero bytes where the macro's struct may land */
	memset(junk, 0xa5, sizeof(junk));
	assert_true(junk[0] == 0xa5);
	{
		MEMLOCK_OPTS(memlock_exec_opts, o, .flags = MEMLOCK_F_CURRENT, .follow_ms = 7);
		MEMLOCK_OPTS(memlock_exec_opts, none);

		memset(&want, 0, sizeof(want));
		want.sz = sizeof(want);
		want.flags = MEMLOCK_F_CURRENT;
		want.follow_ms = 7;
		assert_int_equal(o.sz, sizeof(struct memlock_exec_opts));
		assert_memory_equal(&o, &want, sizeof(want));	/* padding too */
		want.flags = 0;
		want.follow_ms = 0;
		assert_memory_equal(&none, &want, sizeof(want));
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(out_too_small),
		cmocka_unit_test(out_exact_1_0_size),
		cmocka_unit_test(out_bigger),
		cmocka_unit_test(opts_rules),
		cmocka_unit_test(exec_opts_checked),
		cmocka_unit_test(input_structs),
		cmocka_unit_test(opts_macro),
	};

	return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
}
