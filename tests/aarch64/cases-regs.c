// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cases where memlock injects into running threads (the borrowed-svc path
 * on arm64), which must keep every register: 4 threads computing checksums,
 * and an SVE spinner checking z0..z31 and p0..p15.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>

#include "cases.h"

#ifndef HWCAP_SVE
#define HWCAP_SVE (1 << 22)
#endif

/* The threads of @pid other than the main one, up to @max. */
static int other_threads(pid_t pid, pid_t *tids, int max)
{
	struct dirent *d;
	char path[64];
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL && n < max) {
		pid_t tid = (pid_t)atoi(d->d_name);

		if (tid > 0 && tid != pid)
			tids[n++] = tid;
	}
	closedir(dir);
	return n;
}

/* getpid injected through thread @tid, which must be the one used. */
static bool inject_through(struct result *r, struct memlock_target *t, pid_t tid)
{
	struct memlock_stop_stats st = { .sz = sizeof(st) };

	if (memlock_target_set_tid(t, tid) < 0) {
		fail(r, "memlock_target_set_tid(%d) failed", (int)tid);
		return false;
	}
	if (!inject_getpid(r, t))
		return false;
	if (memlock_target_stats(t, &st) < 0) {
		fail(r, "memlock_target_stats() failed");
		return false;
	}
	if (st.tid != tid) {
		fail(r, "the injection went through thread %d, not %d", (int)st.tid, (int)tid);
		return false;
	}
	return true;
}

void case_threads(struct result *r)
{
	struct memlock_target *t = NULL;
	pid_t tids[8];
	struct victim v;
	int n;

	if (!victim_start(r, &v, "victim-threads", NULL, NULL))
		return;
	n = other_threads(v.pid, tids, 8);
	if (n != 4)
		fail(r, "victim-threads has %d threads besides main, expected 4", n);
	else if ((t = target_open(r, v.pid)) != NULL) {
		bool ok = true;

		for (int round = 0; round < 2 && ok; round++)
			for (int i = 0; i < n && ok; i++) {
				ok = inject_through(r, t, tids[i]);
				sleep_ms(10);
			}
		/* the lock's populate in a spinning thread, too */
		if (ok && memlock_target_set_tid(t, tids[n - 1]) == 0)
			lock_all(r, t, 0);
	}
	memlock_target_close(t);
	sleep_ms(200);
	if (victim_alive(r, &v))
		victim_finish(r, &v, 10000);
	victim_kill(&v);
}

void case_sve(struct result *r)
{
	struct memlock_target *t = NULL;
	struct victim v;

	if (!(getauxval(AT_HWCAP) & HWCAP_SVE)) {
		r->skip = "no SVE (HWCAP_SVE unset)";
		return;
	}
	/* control: without memlock the victim passes, or the case means nothing */
	if (!victim_start(r, &v, "victim-sve", NULL, NULL))
		return;
	sleep_ms(200);
	if (victim_finish(r, &v, 10000))
		note(r, "control without memlock: every round right");
	else
		fail(r, "control without memlock: the victim failed");
	victim_kill(&v);
	if (r->n)
		return;
	if (!victim_start(r, &v, "victim-sve", NULL, NULL))
		return;
	sleep_ms(50);
	if ((t = target_open(r, v.pid)) != NULL) {
		bool ok = true;

		for (int i = 0; i < 3 && ok; i++) {
			ok = inject_getpid(r, t);
			sleep_ms(50);
		}
		if (ok)
			lock_all(r, t, 0);
	}
	memlock_target_close(t);
	sleep_ms(100);
	if (victim_alive(r, &v))
		victim_finish(r, &v, 10000);
	victim_kill(&v);
}
