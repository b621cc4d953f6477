/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The caller's VmLck and map count, read from /proc/self: for the secret heap's
 * test (tests/integration/secret-heap.c) and benchmark (tests/bench/secret-bench.c). */
#ifndef MEMLOCK_TESTS_SELF_VM_H
#define MEMLOCK_TESTS_SELF_VM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A number of /proc/self/status ("VmLck:") in kB, -1 without the line. */
static inline long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			v = atol(line + strlen(key));
	if (f != NULL)
		fclose(f);
	return v;
}

/* The lines of /proc/self/maps: the caller's mappings. */
static inline long map_count(void)
{
	char line[512];
	long n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f != NULL && fgets(line, sizeof(line), f))
		n++;
	if (f != NULL)
		fclose(f);
	return n;
}

#endif
