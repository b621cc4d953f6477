// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memlock_rt_prepare(): the real-time recipe of the RT wiki (mlockall,
 * mallopt, a heap reserve, a stack prefault) as one call that says what it
 * did, and a fork watch: after a fork every first write to a locked page of
 * the parent is a copy-on-write fault again (2,212 in a section that took 0).
 */
#include <alloca.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "rt/rt.h"

#define ALL_FLAGS (MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE | MEMLOCK_F_ONFAULT | MEMLOCK_F_BEST_EFFORT)
#define ANON_FLAGS (MEMLOCK_F_CURRENT | MEMLOCK_F_ONFAULT | MEMLOCK_F_BEST_EFFORT)

static int check_opts(const struct memlock_rt_opts *o)
{
	switch (o->scope) {
	case MEMLOCK_RT_ALL:
		return o->flags & ~ALL_FLAGS ||
			       (o->flags && !(o->flags & (MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE)))
			       ? -EINVAL : 0;
	case MEMLOCK_RT_ANON:
		return (o->flags & ~ANON_FLAGS) || !(o->flags & MEMLOCK_F_CURRENT) ? -EINVAL : 0;
	}
	return -EINVAL;
}

/* glibc: free() never gives memory back (trim), malloc() never maps (each
 * mmap'ed chunk would be new pages, faulted in, and unmapped on free) */
static bool set_mallopt(void)
{
#ifdef __GLIBC__
	return mallopt(M_TRIM_THRESHOLD, -1) == 1 && mallopt(M_MMAP_MAX, 0) == 1;
#else
	return false;
#endif
}

static int reserve_heap(size_t bytes)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), i;
	volatile char *p;

	if (bytes == 0)
		return 0;
	p = malloc(bytes);
	if (p == NULL)
		return -ENOMEM;
	for (i = 0; i < bytes; i += pg)
		p[i] = 0;
	p[bytes - 1] = 0;
	free((void *)p);
	return 0;
}

/* The room of the calling thread's stack below @sp, in bytes (0 unknown). */
static size_t stack_room(const char *sp)
{
	pthread_attr_t a;
	void *lo;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &a) != 0)
		return 0;
	if (pthread_attr_getstack(&a, &lo, &size) != 0)
		lo = NULL;
	pthread_attr_destroy(&a);
	return lo != NULL && sp > (char *)lo ? (size_t)(sp - (char *)lo) : 0;
}

/* Touch @bytes of stack below this frame, top down (the main thread's stack
 * mapping grows page by page as it is touched). noinline: the frame must be
 * gone, not merged into the caller's, once the pages are mapped. */
static __attribute__((noinline)) int prefault_stack(size_t bytes)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), i;
	volatile char *p;
	char here;

	if (bytes == 0)
		return 0;
	/* a page and a half of margin for this frame, libc calls and signals */
	if (stack_room(&here) < bytes + 6 * pg)
		return -ERANGE;
	p = alloca(bytes);
	for (i = bytes; i >= pg; i -= pg)
		p[i - 1] = 0;
	p[0] = 0;
	return 0;
}

/* ---------------------------------------------------------- fork watch */
static struct {
	_Atomic(memlock_rt_fork_fn) fn;
	void *_Atomic arg;
} watch;
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;
static int watch_err;

/* In the child: the parent's preparation is not the child's (locks and
 * MCL_FUTURE are not inherited), so a fork in the child is not reported. */
static void watch_child(void)
{
	memlock_rt_fork_fn fn = atomic_exchange(&watch.fn, NULL);

	if (fn != NULL)
		fn(atomic_load(&watch.arg));
}

static void watch_register(void)
{
	watch_err = pthread_atfork(NULL, NULL, watch_child);
}

static int arm_fork_watch(memlock_rt_fork_fn fn, void *arg)
{
	pthread_once(&watch_once, watch_register);
	if (watch_err != 0)
		return -watch_err;
	atomic_store(&watch.fn, NULL);
	atomic_store(&watch.arg, arg);
	atomic_store(&watch.fn, fn);
	return 0;
}

/* -------------------------------------------------------------- prepare */
static int lock(const struct memlock_rt_opts *o, struct memlock_rt_result *r,
		struct memlock_verdict *why)
{
	int rc;

	if (o->scope == MEMLOCK_RT_ANON)
		return mlk_rt_lock_anon(o->flags, r, why);
	rc = memlock_self_lock_all(o->flags, why);
	if (rc == MEMLOCK_DOWNGRADED)
		r->downgraded = true;
	return rc < 0 ? rc : 0;
}

/* Step @step: @rc 0 marks it done, else failed. Returns @rc. */
static int step(struct memlock_rt_result *r, unsigned int step, int rc)
{
	if (rc == 0) {
		r->done |= step;
	} else {
		r->failed = step;
		r->err = rc;
	}
	return rc;
}

static void finish(struct memlock_rt_result *r, struct memlock_rt_result *out)
{
	struct memlock_status st = { .sz = sizeof(st) };

	if (memlock_proc_read_status(NULL, 0, &st) == 0)
		r->locked = st.vm_lck;
	if (out != NULL)
		mlk_out_copy(out, r, sizeof(*r));
}

int memlock_rt_prepare(const struct memlock_rt_opts *opts, struct memlock_rt_result *res,
		       struct memlock_verdict *why)
{
	struct memlock_rt_result r = { .sz = sizeof(r) };
	struct memlock_rt_opts o;
	int rc;

	rc = mlk_opts_get(&o, sizeof(o), opts, MLK_SZ_RT_OPTS);
	if (rc == 0)
		rc = check_opts(&o);
	if (rc == 0 && res != NULL)
		rc = mlk_out_check(res, MLK_SZ_RT_RESULT);
	if (rc < 0)
		return mlk_err(rc);
	if (set_mallopt())
		r.done |= MEMLOCK_RT_MALLOPT;
	rc = step(&r, MEMLOCK_RT_HEAP, reserve_heap(o.heap_reserve));
	if (rc == 0)
		rc = step(&r, MEMLOCK_RT_STACK, prefault_stack(o.stack_prefault));
	if (rc == 0 && o.flags != 0)
		rc = step(&r, MEMLOCK_RT_LOCK, lock(&o, &r, why));
	if (rc == 0 && o.on_fork != NULL)
		rc = step(&r, MEMLOCK_RT_FORK_WATCH, arm_fork_watch(o.on_fork, o.fork_arg));
	else if (rc == 0)
		atomic_store(&watch.fn, NULL);	/* the last preparation decides */
	finish(&r, res);
	return mlk_err(rc);
}
