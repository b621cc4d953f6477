// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cases about the lock calls: chunked locking with a bound on every stop
 * (the library side of `memlock attach --max-pause MS`), and munlockall.
 */
#include <sys/syscall.h>

#include "cases.h"

#define MAX_PAUSE_MS 50
#define BIG_MB 64

/* One try; false when the only failure was a stop over the bound (host
 * noise under emulation: try again). */
static bool try_chunked(struct result *r, int attempt)
{
	struct memlock_target *t = NULL;
	struct memlock_stop_stats st = { .sz = sizeof(st) };
	bool settled = true;
	struct victim v;

	if (!victim_start(r, &v, "victim-sleep", "64", NULL))
		return true;
	if (wait_in_syscall(r, v.pid, SYS_clock_nanosleep, 5000) &&
	    (t = target_open(r, v.pid)) && lock_all(r, t, MAX_PAUSE_MS * 1000000ull)) {
		uint64_t lck = vmlck(v.pid);

		if (memlock_target_stats(t, &st) < 0)
			fail(r, "memlock_target_stats() failed");
		note(r, "attempt %d: VmLck %llu kB in %u stops, longest %.1f ms, total %.1f ms",
		     attempt, (unsigned long long)lck >> 10, st.stops, st.longest_ns / 1e6,
		     st.total_ns / 1e6);
		if (lck < (uint64_t)BIG_MB << 20)
			fail(r, "VmLck %llu kB, below the %d MiB mapping", (unsigned long long)lck >> 10,
			     BIG_MB);
		if (st.stops < 2)
			fail(r, "one stop for %d MiB: not chunked", BIG_MB);
		/* emulated: noise is large, but not ten times the bound */
		if (st.longest_ns > 10ull * MAX_PAUSE_MS * 1000000) {
			if (r->n == 0 && attempt < 3)
				settled = false;
			else
				fail(r, "longest stop %.1f ms, bound %d ms", st.longest_ns / 1e6,
				     MAX_PAUSE_MS);
		}
	}
	memlock_target_close(t);
	sleep_ms(100);
	if (victim_alive(r, &v))
		victim_finish(r, &v, 10000);
	victim_kill(&v);
	return settled || r->n;
}

void case_chunked(struct result *r)
{
	for (int attempt = 1; !try_chunked(r, attempt); attempt++)
		;
}

void case_unlock(struct result *r)
{
	struct memlock_target *t = NULL;
	struct victim v;

	if (!victim_start(r, &v, "victim-sleep", NULL, NULL))
		return;
	if (wait_in_syscall(r, v.pid, SYS_clock_nanosleep, 5000) &&
	    (t = target_open(r, v.pid)) && lock_all(r, t, 0) && unlock_all(r, t))
		inject_getpid(r, t);
	memlock_target_close(t);
	sleep_ms(100);
	if (victim_alive(r, &v))
		victim_finish(r, &v, 10000);
	victim_kill(&v);
}
