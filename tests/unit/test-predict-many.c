// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock_predict_many(): calls predicted in turn, each on top of the ones
 * before it. The fixture tests/fixtures/predict-many is process 4243 without
 * CAP_IPC_LOCK, RLIMIT_MEMLOCK 64 KiB, VmLck 16 kB, and in its smaps:
 *   A 0x10000000 40 kB anon      (a hole after it)
 *   B 0x10100000 40 kB anon
 *   C 0x1010a000 16 kB anon, locked
 *   D 0x7ffd0000  4 kB PROT_NONE
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "predict/predict.h"

#define ROOT "tests/fixtures/predict-many"
#define PID 4243
#define A 0x10000000ull
#define B 0x10100000ull
#define C 0x1010a000ull
#define KB 1024ull

static struct memlock_request range(uint64_t addr, uint64_t len)
{
	struct memlock_request r = { MEMLOCK_OP_MLOCK, 0, addr, len, true };

	return r;
}

static size_t fails_at(const struct memlock_request *r, size_t n, struct memlock_verdict *v)
{
	size_t at = SIZE_MAX;

	assert_int_equal(memlock_predict_many(ROOT, PID, r, n, v, &at), 0);
	return at;
}

/* each fits the limit alone (16 + 40 <= 64 kB), not both (96 kB) */
static void test_together_over_limit(void **state)
{
	struct memlock_request r[] = { range(A, 40 * KB), range(B, 40 * KB) };
	struct memlock_verdict v;

	(void)state;
	assert_int_equal(memlock_predict(ROOT, PID, &r[0], &v), 0);
	assert_true(v.ok);
	assert_int_equal(memlock_predict(ROOT, PID, &r[1], &v), 0);
	assert_true(v.ok);
	assert_int_equal(fails_at(r, 2, &v), 1);
	assert_false(v.ok);
	assert_int_equal(v.err, ENOMEM);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_OVER_LIMIT);
	assert_int_equal(fails_at(r, 1, &v), 1);	/* all of one: n */
	assert_true(v.ok);
}

/* a range locked by an earlier call is not counted twice, and C, locked
 * already, costs nothing */
static void test_already_locked_counts_once(void **state)
{
	struct memlock_request r[] = { range(A, 40 * KB), range(A, 40 * KB), range(C, 16 * KB),
				       range(A + 8 * KB, 8 * KB) };
	struct memlock_verdict v;

	(void)state;
	assert_int_equal(fails_at(r, 4, &v), 4);
	assert_true(v.ok);
}

/* a later range is checked against its own mappings: B and C are one
 * span with no hole, the end of A and what follows it are not */
static void test_ranges_checked_each(void **state)
{
	struct memlock_request ok[] = { range(C, 16 * KB), range(B, 56 * KB) };
	struct memlock_request hole[] = { range(C, 16 * KB), range(A + 36 * KB, 12 * KB) };
	struct memlock_verdict v;

	(void)state;
	assert_int_equal(fails_at(ok, 2, &v), 2);
	assert_int_equal(fails_at(hole, 2, &v), 1);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_UNMAPPED);
}

static void test_bad_input(void **state)
{
	struct memlock_request r = range(A, 4 * KB);
	struct memlock_verdict v;
	size_t at;

	(void)state;
	assert_int_equal(memlock_predict_many(ROOT, PID, &r, 0, &v, &at), -EINVAL);
	assert_int_equal(memlock_predict_many(ROOT, PID, NULL, 1, &v, &at), -EINVAL);
	assert_int_equal(memlock_predict_many(ROOT, 4244, &r, 1, &v, &at), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_together_over_limit),
		cmocka_unit_test(test_already_locked_counts_once),
		cmocka_unit_test(test_ranges_checked_each),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
