/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/rt.h - real-time preparation: locked memory, a heap reserve, prefaulted stacks, fault counts. Include <memlock.h>. */
#ifndef MEMLOCK_RT_H
#define MEMLOCK_RT_H

#include <pthread.h>

#include <memlock/predict.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What memlock_rt_prepare() locks (struct memlock_rt_opts @scope). */
enum memlock_rt_scope {
	MEMLOCK_RT_ALL = 0,	/* mlockall() with @flags (0: lock nothing) */
	MEMLOCK_RT_ANON,	/* the anonymous mappings (heap, stacks, anonymous and
				 * named anonymous memory) mapped once the reserve and
				 * the stack are in place; file mappings are left alone */
};

/*
 * Called in the child of a fork() made after memlock_rt_prepare(), from
 * the C library's atfork child handler: only async-signal-safe calls
 * (write(2), _exit(2)...), no malloc, no locks.
 */
typedef void (*memlock_rt_fork_fn)(void *arg);

/**
 * struct memlock_rt_opts - what memlock_rt_prepare() does.
 * @sz: sizeof(struct memlock_rt_opts), set by the caller (MEMLOCK_OPTS()).
 * @scope: MEMLOCK_RT_ALL or MEMLOCK_RT_ANON.
 * @flags: MEMLOCK_RT_ALL: 0, or MEMLOCK_F_CURRENT and/or MEMLOCK_F_FUTURE,
 *         optionally MEMLOCK_F_ONFAULT and MEMLOCK_F_BEST_EFFORT (as
 *         memlock_self_lock_all()). MEMLOCK_RT_ANON: MEMLOCK_F_CURRENT,
 *         optionally MEMLOCK_F_ONFAULT and MEMLOCK_F_BEST_EFFORT (as
 *         memlock_self_lock()); MEMLOCK_F_FUTURE is -EINVAL there (the
 *         kernel has no "future anonymous memory only").
 * @heap_reserve: bytes malloc'ed, touched and freed, so that they stay in
 *                the calling thread's malloc arena for later allocations.
 * @stack_prefault: bytes of the calling thread's stack, below the caller's
 *                  frame, touched so that they are mapped.
 * @on_fork: if not NULL, called in the child of every fork() after this
 *           call (see memlock_rt_fork_fn); @fork_arg is passed to it.
 */
struct memlock_rt_opts {
	size_t sz;
	enum memlock_rt_scope scope;
	unsigned int flags;
	size_t heap_reserve;
	size_t stack_prefault;
	memlock_rt_fork_fn on_fork;
	void *fork_arg;
};

/* The steps of memlock_rt_prepare(), in the order it takes them
 * (struct memlock_rt_result @done and @failed). */
#define MEMLOCK_RT_MALLOPT	(1u << 0)	/* M_TRIM_THRESHOLD -1, M_MMAP_MAX 0 (glibc) */
#define MEMLOCK_RT_HEAP		(1u << 1)	/* the heap reserve */
#define MEMLOCK_RT_STACK	(1u << 2)	/* the stack prefault */
#define MEMLOCK_RT_LOCK		(1u << 3)	/* mlockall(), or the anonymous mappings */
#define MEMLOCK_RT_FORK_WATCH	(1u << 4)	/* @on_fork registered */

/**
 * struct memlock_rt_result - what memlock_rt_prepare() did.
 * @sz: sizeof(struct memlock_rt_result), set by the caller.
 * @done: the MEMLOCK_RT_* steps taken.
 * @failed: the step that failed (one MEMLOCK_RT_* bit), 0 when none did.
 * @err: its -errno, 0 when none failed.
 * @locked: VmLck of the process after the call, bytes.
 * @anon: MEMLOCK_RT_ANON: bytes of anonymous mappings the call locked.
 * @skipped: MEMLOCK_RT_ANON: bytes of mappings left alone (files, shared
 *           memory, the vDSO, inaccessible guards, ranges already locked).
 * @downgraded: MEMLOCK_F_BEST_EFFORT made the lock populate up front
 *              because the kernel lacks lock on fault.
 */
struct memlock_rt_result {
	size_t sz;
	unsigned int done;
	unsigned int failed;
	int err;
	uint64_t locked;
	uint64_t anon;
	uint64_t skipped;
	bool downgraded;
};

/**
 * memlock_rt_prepare() - prepare the calling process for code that must
 * take no page fault: mallopt(), a heap reserve, a stack prefault, then
 * the lock, and a fork watch.
 * @opts: the options.
 * @res: if not NULL, filled (@res->sz set by the caller), also on failure.
 * @why: if not NULL (a verdict of memlock_verdict_new()), filled with the
 *       predictor's explanation when the lock fails or would not fit.
 *
 * The steps run in the order of the MEMLOCK_RT_* bits and stop at the
 * first that fails; the ones done are not undone (a lock that fails half
 * way is: the anonymous ranges this call locked are unlocked). Nothing is
 * downgraded silently. mallopt() is glibc's: elsewhere the step is left
 * out of @res->done, and freed reserve memory may go back to the system.
 * The reserve lives in the calling thread's arena: prepare from the thread
 * that will allocate, or keep one arena (mallopt M_ARENA_MAX 1).
 * Return: 0; -EINVAL (@opts NULL or its @sz too small, unknown @scope or
 * @flags, MEMLOCK_F_FUTURE with MEMLOCK_RT_ANON, @res->sz too small),
 * -E2BIG (a member this version does not know is set), -ENOMEM (the
 * reserve could not be allocated; the lock does not fit: @why says why),
 * -ERANGE (@stack_prefault beyond the thread's stack), -EPERM, -EAGAIN
 * (the lock: @why says why).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_rt_prepare(const struct memlock_rt_opts *opts,
						      struct memlock_rt_result *res,
						      struct memlock_verdict *why);

/**
 * memlock_rt_thread_create() - pthread_create() of a thread whose stack of
 * @stack_size bytes is locked and faulted in before @fn runs.
 * @attr: NULL, or the caller's attributes: all of them are kept (a stack
 *        set with pthread_attr_setstack() too, then @stack_size is 0),
 *        but the stack size, which is @stack_size.
 * @stack_size: the stack's size; 0 keeps the one of @attr.
 * @why: if not NULL, filled with the predictor's explanation when the stack
 *       cannot be locked.
 *
 * The new thread locks its own stack and reports back before @fn runs;
 * when it cannot, it ends without calling @fn and the call fails.
 * Return: 0 with *@thread set; -EINVAL (@thread or @fn NULL, a bad size),
 * -EAGAIN (no thread; or the lock could not fault pages in), -ENOMEM,
 * -EPERM (the lock: @why says why).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_rt_thread_create(pthread_t *thread, const pthread_attr_t *attr, size_t stack_size,
			 void *(*fn)(void *), void *arg, struct memlock_verdict *why);

/**
 * struct memlock_rt_faults - page faults of one thread.
 * @sz: sizeof(struct memlock_rt_faults), set by the caller.
 * @minor, @major: faults (getrusage(RUSAGE_THREAD) ru_minflt, ru_majflt):
 *                 the counters at memlock_rt_faults_begin(), the faults in
 *                 between after memlock_rt_faults_end().
 * @tid: the thread that called memlock_rt_faults_begin().
 */
struct memlock_rt_faults {
	size_t sz;
	uint64_t minor, major;
	pid_t tid;
};

/**
 * memlock_rt_faults_begin() - start counting the calling thread's faults.
 * @f: filled; @f->sz set by the caller.
 * Return: 0, -EINVAL (@f NULL or @f->sz too small).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_rt_faults_begin(struct memlock_rt_faults *f);

/**
 * memlock_rt_faults_end() - the faults the calling thread took since
 * memlock_rt_faults_begin(@f): @f is filled with them.
 * Return: 0, -EINVAL (@f NULL or @f->sz too small, or @f begun on another
 * thread).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_rt_faults_end(struct memlock_rt_faults *f);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_RT_H */
