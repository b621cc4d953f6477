// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Threads with locked, faulted-in stacks, and the fault counts of a thread.
 * A thread locks its own stack (pthread_getattr_np() knows where it is,
 * whoever allocated it) before the caller's function runs, and tells its
 * creator how that went: a thread whose stack could not be locked never
 * runs the function, and the creation fails with the predictor's verdict.
 */
#include <pthread.h>
#include <semaphore.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rt/rt.h"

struct start {
	void *(*fn)(void *);
	void *arg;
	struct memlock_verdict *why;
	sem_t done;
	int rc;
};

/* mlock() of the calling thread's whole stack (but the guard), which
 * faults every page in: 0 or -errno */
static int lock_own_stack(struct memlock_verdict *why)
{
	pthread_attr_t a;
	void *lo = NULL;
	size_t size = 0;
	int rc;

	rc = -pthread_getattr_np(pthread_self(), &a);
	if (rc < 0)
		return rc;
	rc = -pthread_attr_getstack(&a, &lo, &size);
	pthread_attr_destroy(&a);
	if (rc < 0)
		return rc;
	rc = memlock_self_lock(lo, size, 0, why);
	return rc < 0 ? rc : 0;
}

static void *trampoline(void *p)
{
	struct start *s = p;
	void *(*fn)(void *) = s->fn;
	void *arg = s->arg;
	int rc = lock_own_stack(s->why);

	s->rc = rc;
	sem_post(&s->done);	/* @s is the creator's: gone from here on */
	return rc < 0 ? NULL : fn(arg);
}

static int copy_sched(pthread_attr_t *to, const pthread_attr_t *from)
{
	struct sched_param sp;
	int v, rc;

	rc = pthread_attr_getinheritsched(from, &v);
	if (rc == 0)
		rc = pthread_attr_setinheritsched(to, v);
	if (rc == 0)
		rc = pthread_attr_getschedpolicy(from, &v);
	if (rc == 0)
		rc = pthread_attr_setschedpolicy(to, v);
	if (rc == 0)
		rc = pthread_attr_getschedparam(from, &sp);
	if (rc == 0)
		rc = pthread_attr_setschedparam(to, &sp);
	if (rc == 0)
		rc = pthread_attr_getscope(from, &v);
	if (rc == 0)
		rc = pthread_attr_setscope(to, v);
	return rc;
}

static int copy_np(pthread_attr_t *to, const pthread_attr_t *from)
{
	int rc = 0;
#ifdef __GLIBC__
	cpu_set_t cpus;
#if __GLIBC_PREREQ(2, 32)
	sigset_t mask;
#endif

	if (pthread_attr_getaffinity_np(from, sizeof(cpus), &cpus) == 0)
		rc = pthread_attr_setaffinity_np(to, sizeof(cpus), &cpus);
#if __GLIBC_PREREQ(2, 32)
	if (rc == 0 && pthread_attr_getsigmask_np(from, &mask) == 0)
		rc = pthread_attr_setsigmask_np(to, &mask);
#endif
#else
	(void)to, (void)from;
#endif
	return rc;
}

/* The attributes of @from (default ones if NULL) into @to, but the stack
 * size: @size when not 0. glibc's non-portable ones too (CPU affinity, the
 * signal mask). 0 or an errno. */
static int copy_attr(pthread_attr_t *to, const pthread_attr_t *from, size_t size)
{
	void *addr = NULL;
	size_t have = 0;
	int v, rc;

	if (from == NULL)
		return size ? pthread_attr_setstacksize(to, size) : 0;
	/* a stack of the caller's own? glibc answers "stack address 0 less
	 * the size" when none is set, musl EINVAL */
	if (pthread_attr_getstack(from, &addr, &have) != 0 || (uintptr_t)addr + have == 0)
		addr = NULL;
	if (addr != NULL)
		rc = size ? EINVAL : pthread_attr_setstack(to, addr, have);
	else
		rc = pthread_attr_getstacksize(from, &have);
	if (rc == 0 && addr == NULL)
		rc = pthread_attr_setstacksize(to, size ? size : have);
	if (rc == 0)
		rc = pthread_attr_getdetachstate(from, &v);
	if (rc == 0)
		rc = pthread_attr_setdetachstate(to, v);
	if (rc == 0)
		rc = pthread_attr_getguardsize(from, &have);
	if (rc == 0)
		rc = pthread_attr_setguardsize(to, have);
	if (rc == 0)
		rc = copy_sched(to, from);
	return rc == 0 ? copy_np(to, from) : rc;
}

int memlock_rt_thread_create(pthread_t *thread, const pthread_attr_t *attr, size_t stack_size,
			     void *(*fn)(void *), void *arg, struct memlock_verdict *why)
{
	struct start s = { .fn = fn, .arg = arg, .why = why };
	pthread_attr_t a;
	pthread_t t;
	int rc, detached = PTHREAD_CREATE_JOINABLE;

	if (thread == NULL || fn == NULL)
		return mlk_err(-EINVAL);
	rc = -pthread_attr_init(&a);
	if (rc < 0)
		return mlk_err(rc);
	rc = -copy_attr(&a, attr, stack_size);
	if (rc == 0)
		rc = -pthread_attr_getdetachstate(&a, &detached);
	if (rc == 0 && sem_init(&s.done, 0, 0) < 0)
		rc = -errno;
	if (rc == 0) {
		rc = -pthread_create(&t, &a, trampoline, &s);
		while (rc == 0 && sem_wait(&s.done) < 0)
			;	/* EINTR */
		if (rc == 0)
			rc = s.rc;
		if (rc < 0 && s.rc < 0 && detached == PTHREAD_CREATE_JOINABLE)
			pthread_join(t, NULL);	/* it ends without running @fn */
		sem_destroy(&s.done);
	}
	pthread_attr_destroy(&a);
	if (rc == 0)
		*thread = t;
	return mlk_err(rc);
}

/* ------------------------------------------------------------- faults */
static int thread_faults(struct memlock_rt_faults *f)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return -errno;
	f->minor = (uint64_t)ru.ru_minflt;
	f->major = (uint64_t)ru.ru_majflt;
	return 0;
}

int memlock_rt_faults_begin(struct memlock_rt_faults *f)
{
	struct memlock_rt_faults now = { .sz = sizeof(now), .tid = gettid() };
	int rc;

	rc = mlk_out_check(f, MLK_SZ_RT_FAULTS);
	if (rc == 0)
		rc = thread_faults(&now);
	if (rc == 0)
		mlk_out_copy(f, &now, sizeof(now));
	return mlk_err(rc);
}

int memlock_rt_faults_end(struct memlock_rt_faults *f)
{
	struct memlock_rt_faults now = { .sz = sizeof(now), .tid = gettid() };
	int rc;

	rc = mlk_out_check(f, MLK_SZ_RT_FAULTS);
	if (rc == 0 && f->tid != now.tid)
		rc = -EINVAL;
	if (rc == 0)
		rc = thread_faults(&now);
	if (rc < 0)
		return mlk_err(rc);
	now.minor -= f->minor;
	now.major -= f->major;
	mlk_out_copy(f, &now, sizeof(now));
	return 0;
}
