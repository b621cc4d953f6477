// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sample - the demo's sample process, and a small example of libmemlock:
 * it keeps a 64 KiB "key" buffer locked (so it can never reach swap), leaves
 * a 4 MiB cache unlocked, locks a 1 MiB ring on fault, then waits to be
 * inspected until it is killed.
 *
 *   cc sample.c $(pkg-config --cflags --libs memlock)
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <memlock.h>

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int main(void)
{
	char *key = map(64 << 10), *cache = map(4 << 20), *ring = map(1 << 20);
	struct memlock_verdict *why = memlock_verdict_new();
	int rc;

	if (!key || !cache || !ring || !why) {
		perror("sample: mmap");
		return 1;
	}
	rc = memlock_self_lock(key, 64 << 10, 0, why);
	if (rc < 0) {
		fprintf(stderr, "sample: cannot lock the key buffer: %s\n  why: %s\n",
			strerror(-rc), memlock_verdict_reason(why));
		/* the fixes are data: a kind, and the numbers to go with it */
		for (size_t i = 0; i < memlock_verdict_fix_count(why); i++) {
			struct memlock_fix f = { .sz = sizeof(f) };

			if (memlock_verdict_fix(why, i, &f) == 0)
				fprintf(stderr, "  fix: %s (%llu bytes)\n",
					memlock_fix_kind_name(f.kind), (unsigned long long)f.bytes);
		}
		return 1;
	}
	memset(key, 0x5a, 64 << 10);
	memset(cache, 1, 4 << 20);
	rc = memlock_self_lock(ring, 1 << 20, MEMLOCK_F_ONFAULT, why);
	if (rc < 0)
		fprintf(stderr, "sample: ring not locked: %s\n", memlock_verdict_reason(why));
	memset(ring, 2, 256 << 10);	/* a quarter of the ring becomes resident */
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	pause();
	return 0;
}
