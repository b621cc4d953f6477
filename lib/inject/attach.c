// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Locking a running process, with the pause bounded. mlockall(MCL_CURRENT)
 * faults in every page inside the one stop (0.4-2.1 s for an untouched
 * GiB), and even over pages already present its populate walk takes
 * ~25 ms per GiB. In bounded mode no mlockall(MCL_CURRENT) is made at all:
 * each unlocked mapping is locked whole, on fault (mlock2 MLOCK_ONFAULT:
 * no populate, and whole mappings, so none is split - a split would make
 * the program's own mremap of it fail with EFAULT), then faulted in by
 * MADV_POPULATE_READ/WRITE in chunks of one stop each, sized from the rate
 * the previous chunk achieved; the pages fault in locked. The walk repeats
 * until nothing unlocked is left, then MCL_FUTURE (if asked) is set - last,
 * so that a failing chunk does not leave it set - and one more walk takes
 * the mappings made in between. The mappings show "lf" in smaps where
 * mlockall would give "lo": the same VmLck, every page resident and locked.
 * Before Linux 5.14 (no MADV_POPULATE_*) chunks of mlock() do the faulting.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "inject/target.h"

#define CHUNK_MIN (256ull << 10)
#define CHUNK_MAX (1ull << 30)
/* the slowest fault rate seen for untouched anonymous memory on a VM here
 * (1 GiB in 2.1 s): the first chunk's guess, before any rate is measured */
#define RATE_FIRST (512ull << 20)	/* bytes per second */
/* Each chunk aims at 1/AIM of the bound: on a VM, a chunk of untouched
 * memory now and then takes up to 7x the one before it (the host allocating
 * its pages; measured here: 4.9 ms, then 32.6 ms). The price is the fixed
 * cost of twice as many stops, about 0.1 ms each. */
#define AIM 8

struct range {
	uint64_t start, end;
	bool none;	/* PROT_NONE */
	bool write;	/* private and writable: faulted in for writing, as mlock does */
};

/* The mappings worth faulting in: not already locked (@locked: the locked
 * ones, to unlock), not the special ones mlock skips anyway. */
struct ranges {
	bool locked;
	struct range *r;
	size_t n, cap;
};

static int add_range(const struct memlock_mapping *m, void *arg)
{
	struct ranges *rs = arg;
	struct range *last = rs->n ? &rs->r[rs->n - 1] : NULL, *nr;
	bool none = m->perms[0] != 'r' && m->perms[1] != 'w' && m->perms[2] != 'x';
	bool write = m->perms[1] == 'w' && m->perms[3] == 'p';

	if ((m->vmflags & (MEMLOCK_VMA_IO | MEMLOCK_VMA_PFNMAP | MEMLOCK_VMA_DONTEXPAND |
			   MEMLOCK_VMA_MIXEDMAP | MEMLOCK_VMA_HUGETLB | MEMLOCK_VMA_DROPPABLE)) ||
	    !(m->vmflags & MEMLOCK_VMA_LOCKED) != !rs->locked || strcmp(m->path, "[vsyscall]") == 0)
		return 0;
	/* neighbours make one range: fewer, fuller stops */
	if (last && last->end == m->start && last->none == none && last->write == write) {
		last->end = m->end;
		return 0;
	}
	nr = mlk_grow(rs->r, &rs->cap, rs->n, sizeof(*nr));
	if (nr == NULL)
		return -ENOMEM;
	rs->r = nr;
	rs->r[rs->n++] = (struct range){ m->start, m->end, none, write };
	return 0;
}

/* *@out is the caller's to free, whatever the answer. */
static int lockable_ranges(pid_t pid, bool locked, struct range **out, size_t *n)
{
	struct ranges rs = { .locked = locked };
	int rc = mlk_maps_walk(NULL, pid, "smaps", add_range, &rs);

	*out = rs.r;
	*n = rc < 0 ? 0 : rs.n;
	return rc;
}

/* Is [start, end) still fully mapped? */
static int cover(const struct memlock_mapping *m, void *arg)
{
	uint64_t *at = arg;

	if (m->start <= at[0] && m->end > at[0])
		at[0] = m->end;
	return at[0] >= at[1];	/* 1: covered, done */
}

static bool still_mapped(pid_t pid, uint64_t start, uint64_t end)
{
	uint64_t at[2] = { start, end };

	return start >= end || mlk_maps_walk(NULL, pid, "maps", cover, at) == 1;
}

/* Chunk sizes for a bound, from the rate the previous chunk achieved. */
struct pacer {
	uint64_t bound, chunk;
};

static uint64_t pace_clamp(long double next, uint64_t page)
{
	uint64_t c = next < CHUNK_MIN ? CHUNK_MIN : next > CHUNK_MAX ? CHUNK_MAX : (uint64_t)next;

	return c & ~(page - 1);
}

uint64_t mlk_pace_first(uint64_t bound_ns, uint64_t page)
{
	return pace_clamp((long double)RATE_FIRST * bound_ns / AIM / 1000000000, page);
}

/*
 * The chunk after one of @len bytes that took @took_ns, when @chunk was the
 * size asked for. Aim at 1/AIM of the bound, growing at most 1.5x a step.
 * Shrinking is not smoothed: a chunk that overran is followed by one sized
 * from that slow rate. A shorter tail (the end of a mapping) says little of
 * the rate - the stop's fixed cost weighs more in it - and leaves @chunk as
 * it was unless it overran the aim itself.
 */
uint64_t mlk_pace_next(uint64_t chunk, uint64_t len, uint64_t took_ns, uint64_t bound_ns,
		       uint64_t page)
{
	long double aim = (long double)bound_ns / AIM, next = 1.5L * len;

	if (len < chunk) {
		if (took_ns <= aim)
			return chunk;
		next = chunk;
	}
	if (took_ns > 0 && (long double)len * aim / took_ns < next)
		next = (long double)len * aim / took_ns;
	return pace_clamp(next, page);
}

/*
 * mlock (mlock2 with @mflags; munlock with @unlock) of [@at, @end) in chunks
 * of one stop each, paced by @p; *@calls counts the injections. @vanish_ok:
 * ENOMEM over a range no longer fully mapped means it went away meanwhile,
 * not an error. Return as memlock_target_syscall(), the first failing
 * answer in *@ret.
 */
static int lock_span(struct memlock_target *t, bool unlock, uint64_t at, uint64_t end,
		     unsigned int mflags, bool vanish_ok, struct pacer *p, long *ret,
		     unsigned int *calls)
{
	uint64_t page = (uint64_t)getpagesize();
	bool none = mflags & MLOCK_ONFAULT;	/* nothing to fault in: one call */
	long nr = unlock ? SYS_munlock : mflags ? SYS_mlock2 : SYS_mlock;
	int rc;

	*ret = 0;
	while (at < end) {
		uint64_t len = none || end - at < p->chunk ? end - at : p->chunk;
		uint64_t before = t->stats.total_ns, took;
		long a[6] = { (long)at, (long)len, (long)mflags };

		rc = memlock_target_syscall(t, nr, ret, a);
		if (rc < 0)
			return rc;
		(*calls)++;
		if (*ret == -ENOMEM && vanish_ok && !still_mapped(t->pid, at, at + len)) {
			*ret = 0;	/* unmapped meanwhile: nothing to lock */
			return 0;
		}
		if (*ret < 0)
			return 0;
		at += len;
		took = t->stats.total_ns - before;
		if (!none && p->bound)
			p->chunk = mlk_pace_next(p->chunk, len, took, p->bound, page);
	}
	return 0;
}

/*
 * [@at, @end), whole mappings: mlock2(MLOCK_ONFAULT) in one stop, then
 * MADV_POPULATE_WRITE (@write) or _READ in chunks paced by @p. -EINVAL
 * from the first populate: a kernel without it; *@fallback is set and the
 * caller faults the rest in with mlock() chunks. Return and *@ret as
 * lock_span().
 */
static int populate_span(struct memlock_target *t, uint64_t at, uint64_t end, bool write,
			 struct pacer *p, long *ret, unsigned int *calls, bool *fallback)
{
	uint64_t page = (uint64_t)getpagesize();
	long a[6] = { (long)at, (long)(end - at), MLOCK_ONFAULT };
	bool first = true;
	int rc;

	*ret = 0;
	rc = memlock_target_syscall(t, SYS_mlock2, ret, a);
	if (rc < 0)
		return rc;
	(*calls)++;
	if (*ret == -ENOMEM && !still_mapped(t->pid, at, end)) {
		*ret = 0;	/* unmapped meanwhile: nothing to lock */
		return 0;
	}
	if (*ret < 0)
		return 0;
	while (at < end) {
		uint64_t len = end - at < p->chunk ? end - at : p->chunk;
		uint64_t before = t->stats.total_ns;

		a[0] = (long)at;
		a[1] = (long)len;
		a[2] = write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
		rc = memlock_target_syscall(t, SYS_madvise, ret, a);
		if (rc < 0)
			return rc;
		(*calls)++;
		if (*ret == -EINVAL && first) {
			*ret = 0;
			*fallback = true;
			return 0;
		}
		/* ENOMEM/EFAULT: part of it went away meanwhile */
		if ((*ret == -ENOMEM || *ret == -EFAULT) && !still_mapped(t->pid, at, at + len)) {
			*ret = 0;
			return 0;
		}
		if (*ret < 0)
			return 0;
		first = false;
		at += len;
		p->chunk = mlk_pace_next(p->chunk, len, t->stats.total_ns - before, p->bound, page);
	}
	return 0;
}

/* One pass over the unlocked mappings; *calls counts the injections. */
static int chunked(struct memlock_target *t, uint64_t bound, long *ret, unsigned int *calls)
{
	struct pacer p = { bound, mlk_pace_first(bound, (uint64_t)getpagesize()) };
	struct range *r = NULL;
	size_t n = 0, i;
	int rc;

	*calls = 0;
	*ret = 0;
	rc = lockable_ranges(t->pid, false, &r, &n);
	for (i = 0; i < n && rc == 0 && *ret == 0; i++) {
		if (r[i].none || t->no_populate) {
			rc = lock_span(t, false, r[i].start, r[i].end,
				       r[i].none ? MLOCK_ONFAULT : 0, true, &p, ret, calls);
			continue;
		}
		rc = populate_span(t, r[i].start, r[i].end, r[i].write, &p, ret, calls,
				   &t->no_populate);
		if (rc == 0 && *ret == 0 && t->no_populate)	/* before Linux 5.14 */
			rc = lock_span(t, false, r[i].start, r[i].end, 0, true, &p, ret, calls);
	}
	free(r);
	return rc;
}

int memlock_target_lock_range(struct memlock_target *t, uint64_t start, uint64_t len,
			   unsigned int flags, uint64_t max_pause_ns, long *ret)
{
	uint64_t page = (uint64_t)getpagesize(), end;
	struct pacer p = { max_pause_ns, max_pause_ns ? mlk_pace_first(max_pause_ns, page)
							: UINT64_MAX };
	unsigned int calls = 0;

	if (t == NULL || ret == NULL || (flags & ~MEMLOCK_F_ONFAULT))
		return mlk_err(-EINVAL);
	flags = flags & MEMLOCK_F_ONFAULT ? MLOCK_ONFAULT : 0;
	if (len == 0) {	/* no shortcut: the kernel still takes the limit test */
		long a[6] = { (long)start, 0, (long)flags };

		return mlk_err(memlock_target_syscall(t, flags ? SYS_mlock2 : SYS_mlock, ret, a));
	}
	/* the kernel rounds each chunk out to pages: a page may be asked twice.
	 * A range that wraps is the kernel's to refuse (EINVAL), unclipped. */
	end = start + len;
	if (end < start) {
		long a[6] = { (long)start, (long)len, (long)flags };

		return mlk_err(memlock_target_syscall(t, flags ? SYS_mlock2 : SYS_mlock, ret, a));
	}
	return mlk_err(lock_span(t, false, start, end, flags, false, &p, ret, &calls));
}

#define MAX_PASSES 8

int memlock_target_lock_all(struct memlock_target *t, unsigned int flags, uint64_t max_pause_ns,
			    long *ret)
{
	unsigned int calls = 0, pass, mcl = mlk_mcl_of(flags);
	long a[6] = { 0 };
	int rc;

	if (t == NULL || ret == NULL ||
	    (flags & ~(MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE | MEMLOCK_F_ONFAULT)))
		return mlk_err(-EINVAL);
	/* on fault there is nothing to populate: one stop is short anyway */
	if (!max_pause_ns || !(mcl & MCL_CURRENT) || (mcl & MCL_ONFAULT)) {
		a[0] = (long)mcl;
		return mlk_err(memlock_target_syscall(t, SYS_mlockall, ret, a));
	}
	/* again until a pass finds nothing left (mappings come and go); a
	 * process that maps faster than the passes lock is not reported as
	 * locked: -EAGAIN in *ret, and MCL_FUTURE is not set */
	for (pass = 0; pass < MAX_PASSES; pass++) {
		rc = chunked(t, max_pause_ns, ret, &calls);
		if (rc < 0 || *ret < 0)
			return mlk_err(rc);
		if (calls == 0)
			break;
	}
	if (pass == MAX_PASSES) {
		pr_err("process %d kept mapping memory: after %d passes some was still unlocked",
		       (int)t->pid, MAX_PASSES);
		*ret = -EAGAIN;
		return 0;
	}
	/* MCL_FUTURE last: a chunk that failed (over the limit) must not leave
	 * the process with every later mmap and brk checked against a limit it
	 * has already reached. Then the mappings made since the last pass. */
	if (mcl & MCL_FUTURE) {
		a[0] = MCL_FUTURE;
		rc = memlock_target_syscall(t, SYS_mlockall, ret, a);
		if (rc < 0 || *ret < 0)
			return mlk_err(rc);
		rc = chunked(t, max_pause_ns, ret, &calls);
		if (rc < 0 || *ret < 0)
			return mlk_err(rc);
	}
	return 0;
}

/*
 * Unlocking, bounded: munlock walks the locked pages as mlock's populate
 * does (munlockall of 1 GiB locked: one 26 ms stop), so each locked mapping
 * is unlocked in chunks paced as the lock's are. A mapping half-way through
 * is split in two (locked, unlocked) between two stops; its last chunk makes
 * it whole again. A last munlockall() ends MCL_FUTURE and unlocks what was
 * mapped (and locked by MCL_FUTURE) during the walk.
 */
int memlock_target_unlock_all(struct memlock_target *t, uint64_t max_pause_ns, long *ret)
{
	struct pacer p = { max_pause_ns, 0 };
	unsigned int calls = 0;
	long a[6] = { 0 };
	struct range *r = NULL;
	size_t n = 0, i;
	int rc;

	if (t == NULL || ret == NULL)
		return mlk_err(-EINVAL);
	*ret = 0;
	if (max_pause_ns) {
		p.chunk = mlk_pace_first(max_pause_ns, (uint64_t)getpagesize());
		rc = lockable_ranges(t->pid, true, &r, &n);
		for (i = 0; i < n && rc == 0 && *ret == 0; i++)
			rc = lock_span(t, true, r[i].start, r[i].end,
				       r[i].none ? MLOCK_ONFAULT : 0, true, &p, ret, &calls);
		free(r);
		if (rc < 0 || *ret < 0)
			return mlk_err(rc);
	}
	return mlk_err(memlock_target_syscall(t, SYS_munlockall, ret, a));
}

int memlock_target_unlock_range(struct memlock_target *t, uint64_t start, uint64_t len,
			     uint64_t max_pause_ns, long *ret)
{
	struct pacer p = { max_pause_ns, max_pause_ns ? mlk_pace_first(max_pause_ns,
								       (uint64_t)getpagesize())
						     : UINT64_MAX };
	unsigned int calls = 0;
	long a[6] = { (long)start, (long)len };

	if (t == NULL || ret == NULL)
		return mlk_err(-EINVAL);
	/* zero or wrapping: the kernel's to answer, as it is */
	if (len == 0 || start + len < start)
		return mlk_err(memlock_target_syscall(t, SYS_munlock, ret, a));
	return mlk_err(lock_span(t, true, start, start + len, 0, false, &p, ret, &calls));
}
