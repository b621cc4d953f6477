// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The follow table of memlock files --lock (cli/files-table.c): every path
 * added is found, under its directory and name, through the index's
 * growth (by half: slot counts that are not powers of two) and after
 * removals (backward shift, wrap-around at the end of the slots), checked
 * against a plain array; removed entries' places and names are used again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../cli/files.h"

#define N 60000

static char *path_of(unsigned int i)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "/srv/d%u/f%u.dat", i % 97, i);
	return buf;
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Every index i: present[i] says whether it is in the table, as the table does */
static void agree(struct follow_table *t, const bool *present)
{
	char buf[ENTRY_PATH_MAX];
	size_t live = 0;

	for (unsigned int i = 0; i < N; i++) {
		struct held_entry *e = table_find(t, path_of(i));

		if (!present[i]) {
			assert_null(e);
			continue;
		}
		live++;
		assert_non_null(e);
		assert_string_equal(entry_path(t, e, buf), path_of(i));
		assert_int_equal(e->id, i + 1);
	}
	assert_int_equal(t->live, live);
	assert_true(t->live * 4 <= t->nslots * 3);	/* at most three quarters full */
}

static void test_table(void **state)
{
	struct follow_table t;
	bool *present = calloc(N, sizeof(*present));
	uint32_t seed = 2463534242u;
	size_t nent;

	(void)state;
	assert_non_null(present);
	table_init(&t);
	for (unsigned int i = 0; i < N; i++) {
		struct held_entry *e = table_add(&t, path_of(i));

		assert_non_null(e);
		e->id = i + 1;
		present[i] = true;
	}
	assert_true(t.nslots & (t.nslots - 1));	/* grown by half: not a power of two */
	agree(&t, present);
	/* a random half goes, then some of it comes back: the same entries */
	for (unsigned int k = 0; k < N; k++) {
		unsigned int i = xorshift(&seed) % N;

		if (present[i]) {
			table_remove(&t, table_find(&t, path_of(i)));
			present[i] = false;
		}
	}
	agree(&t, present);
	nent = t.nent;
	for (unsigned int i = 0; i < N; i += 3) {
		if (present[i])
			continue;
		struct held_entry *e = table_add(&t, path_of(i));

		assert_non_null(e);
		e->id = i + 1;
		present[i] = true;
	}
	assert_int_equal(t.nent, nent);	/* removed entries' places, not new ones */
	agree(&t, present);
	/* all of them go: nothing is found, the table is empty */
	for (unsigned int i = 0; i < N; i++)
		if (present[i]) {
			table_remove(&t, table_find(&t, path_of(i)));
			present[i] = false;
		}
	agree(&t, present);
	assert_int_equal(t.live, 0);
	table_free(&t);
	free(present);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
