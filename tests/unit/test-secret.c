// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The secret heap's arithmetic and its sized structs: the object index by
 * multiplication is the exact division for every offset of every size
 * class; the size classes and alignments; the options, info and stats
 * structs refused below their 1.0 size; the backend names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "secret/secret.h"

static void index_is_division(void **state)
{
	(void)state;
	for (int c = 0; c < MLK_N_CLASS; c++) {
		struct mlk_slab s = { .base = 0x10000, .cls = c, .obj_size = mlk_class_size[c] };

		s.nobj = (unsigned int)(MLK_SLAB_BYTES / s.obj_size);
		s.inv = (uint32_t)((1ull << 32) / s.obj_size + 1);
		for (uintptr_t off = 0; off < MLK_SLAB_BYTES; off++) {
			long want = off / s.obj_size < s.nobj ? (long)(off / s.obj_size) : -1;
			long start = want >= 0 && off % s.obj_size == 0 ? want : -1;

			assert_int_equal(mlk_obj_index(&s, s.base + off, true), want);
			assert_int_equal(mlk_obj_index(&s, s.base + off, false), start);
		}
		assert_int_equal(mlk_obj_index(&s, s.base - 1, true), -1);
		assert_int_equal(mlk_obj_index(&s, s.base + MLK_SLAB_BYTES, true), -1);
	}
}

static void classes(void **state)
{
	(void)state;
	for (int c = 0; c < MLK_N_CLASS; c++) {
		assert_int_equal(mlk_class_size[c] % MLK_MIN_OBJ, 0);
		assert_true(c == 0 || mlk_class_size[c] > mlk_class_size[c - 1]);
		/* the bitmaps hold every object of a slab */
		assert_true(MLK_SLAB_BYTES / mlk_class_size[c] <= MLK_BITMAP_WORDS * 64);
	}
	assert_int_equal(mlk_class_size[MLK_N_CLASS - 1], MLK_SMALL_MAX);
}

static void sized_structs(void **state)
{
	struct memlock_secret_opts o = { .sz = 8 };
	struct memlock_secret_info in = { .sz = 8 };
	struct memlock_secret_stats st = { .sz = 8 };

	(void)state;
	errno = 0;
	assert_int_equal(memlock_secret_init(&o), -EINVAL);
	assert_int_equal(errno, EINVAL);
	o.sz = sizeof(o);
	o.flags = 1u << 5;
	assert_int_equal(memlock_secret_init(&o), -EINVAL);
	o.flags = 0;
	o.policy = 7;
	assert_int_equal(memlock_secret_init(&o), -EINVAL);
	assert_int_equal(memlock_secret_info(&o, &in), -EINVAL);
	assert_int_equal(memlock_secret_stats(&st), -EINVAL);
	in.sz = sizeof(in);
	assert_int_equal(memlock_secret_info(&o, &in), -ENOENT);
	assert_int_equal(memlock_secret_why(NULL), -EINVAL);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(memlock_secret_backend_name(MEMLOCK_SECRET_NONE), "none");
	assert_string_equal(memlock_secret_backend_name(MEMLOCK_SECRET_MLOCK), "mlock");
	assert_string_equal(memlock_secret_backend_name(MEMLOCK_SECRET_MEMFD), "memfd_secret");
	assert_string_equal(memlock_secret_backend_name(MEMLOCK_SECRET_UNLOCKED), "unlocked");
	assert_string_equal(memlock_secret_backend_name(42), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(index_is_division),
		cmocka_unit_test(classes),
		cmocka_unit_test(sized_structs),
		cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
