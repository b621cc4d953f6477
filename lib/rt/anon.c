// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * MEMLOCK_RT_ANON: lock the caller's anonymous memory and leave its file
 * mappings alone, for programs that map large files (a database) which
 * mlockall() would pin whole (hashicorp/vault#9093, etcd-io/bbolt#760).
 * The ranges are read first and locked afterwards: locking splits and
 * merges mappings, which a reader of /proc/self/smaps would see mid-way.
 */
#include <string.h>

#include "core/sys.h"
#include "procfs/procfs.h"
#include "rt/rt.h"

struct range {
	uint64_t start, end;
};

struct anon_walk {
	struct range *r;
	size_t n, cap;
	uint64_t bytes, skipped;
};

/* Anonymous memory as smaps names it: no path, [heap], [stack] (and the
 * [stack:TID] of old kernels), [anon:NAME] and [anon_shmem:NAME] set with
 * PR_SET_VMA_ANON_NAME. Not [vdso], [vvar], [vsyscall], nor a file or
 * shared memory ("/dev/zero (deleted)", "/SYSV...", "/memfd:..."). */
static bool is_anon(const struct memlock_mapping *m)
{
	return m->path[0] == '\0' || strcmp(m->path, "[heap]") == 0 ||
	       strncmp(m->path, "[stack", 6) == 0 || strncmp(m->path, "[anon", 5) == 0;
}

static int collect(const struct memlock_mapping *m, void *arg)
{
	struct anon_walk *w = arg;
	bool accessible = strpbrk(m->perms, "rwx") != NULL;

	/* a PROT_NONE guard cannot be populated (mlock's ENOMEM); a locked
	 * range is locked already */
	if (!is_anon(m) || !accessible || (m->vmflags & MEMLOCK_VMA_LOCKED)) {
		w->skipped += m->end - m->start;
		return 0;
	}
	if (w->n > 0 && w->r[w->n - 1].end == m->start) {
		w->r[w->n - 1].end = m->end;
	} else {
		struct range *g = mlk_grow(w->r, &w->cap, w->n, sizeof(*w->r));

		if (g == NULL)
			return -ENOMEM;
		w->r = g;
		w->r[w->n++] = (struct range){ m->start, m->end };
	}
	w->bytes += m->end - m->start;
	return 0;
}

/* Would @bytes more locked memory fit? The predictor's verdict in @why. */
static int fits(uint64_t bytes, unsigned int flags, struct memlock_verdict *why)
{
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCK, .len = bytes };
	struct memlock_verdict *v;
	int rc;

	if (bytes == 0)
		return 0;
	v = why != NULL ? why : memlock_verdict_new();
	if (v == NULL)
		return -ENOMEM;
	if (flags & MEMLOCK_F_ONFAULT) {
		req.op = MEMLOCK_OP_MLOCK2;
		req.kflags = MLOCK_ONFAULT;
	}
	rc = memlock_predict(NULL, 0, &req, v);
	if (rc == 0 && !memlock_verdict_ok(v))
		rc = memlock_verdict_err(v) ? -memlock_verdict_err(v) : -ENOMEM;
	if (v != why)
		memlock_verdict_free(v);
	return rc;
}

int mlk_rt_lock_anon(unsigned int flags, struct memlock_rt_result *res,
		     struct memlock_verdict *why)
{
	struct anon_walk w = { 0 };
	size_t n = 0;	/* ranges locked */
	int rc;

	rc = mlk_maps_walk(NULL, 0, "smaps", collect, &w);
	res->skipped = w.skipped;
	if (rc == 0)
		rc = fits(w.bytes, flags, why);
	for (; rc == 0 && n < w.n; n++) {
		rc = memlock_self_lock((void *)(uintptr_t)w.r[n].start, w.r[n].end - w.r[n].start,
				       flags & (MEMLOCK_F_ONFAULT | MEMLOCK_F_BEST_EFFORT), why);
		if (rc == MEMLOCK_DOWNGRADED)
			res->downgraded = true;
		if (rc > 0)
			rc = 0;
	}
	if (rc == 0)
		res->anon = w.bytes;
	/* half a lock is no lock: undo the ranges locked here (n - 1 failed) */
	for (n = rc < 0 && n > 0 ? n - 1 : 0; rc < 0 && n > 0; n--)
		(void)mlk_sys_munlock((void *)(uintptr_t)w.r[n - 1].start,
				      w.r[n - 1].end - w.r[n - 1].start);
	free(w.r);
	return rc;
}
