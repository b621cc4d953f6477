// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Real-time preparation: the options' checks, the steps that lock nothing,
 * the fork watch, the fault counters and the locked-stack threads. Under
 * ASan nothing here locks the whole process (mlockall would fault in the
 * shadow): the zero-fault proof is tests/integration/rt.sh, unsanitized.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "predict/predict.h"
#include "rt/rt.h"

#define PG ((size_t)getpagesize())

static int prep(const struct memlock_rt_opts *o, struct memlock_rt_result *r)
{
	errno = 0;
	return memlock_rt_prepare(o, r, NULL);
}

static void test_opts_refused(void **state)
{
	MEMLOCK_OPTS(memlock_rt_opts, o, .flags = MEMLOCK_F_CURRENT);
	struct memlock_rt_result r = { .sz = sizeof(r) };
	struct {
		struct memlock_rt_opts o;
		uint64_t later;
	} big = { .o = o, .later = 1 };

	(void)state;
	assert_int_equal(prep(NULL, &r), -EINVAL);
	assert_int_equal(errno, EINVAL);
	o.sz = 0;
	assert_int_equal(prep(&o, &r), -EINVAL);
	o.sz = MLK_SZ_RT_OPTS - 1;
	assert_int_equal(prep(&o, &r), -EINVAL);
	o.sz = sizeof(o);
	/* an unknown bit, a flag of another call, ONFAULT alone */
	o.flags = MEMLOCK_F_CURRENT | (1u << 20);
	assert_int_equal(prep(&o, &r), -EINVAL);
	o.flags = MEMLOCK_F_CURRENT | MEMLOCK_F_FORCE;
	assert_int_equal(prep(&o, &r), -EINVAL);
	o.flags = MEMLOCK_F_ONFAULT;
	assert_int_equal(prep(&o, &r), -EINVAL);
	/* anonymous memory only: no MCL_FUTURE, and CURRENT needed */
	o.scope = MEMLOCK_RT_ANON;
	o.flags = MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE;
	assert_int_equal(prep(&o, &r), -EINVAL);
	o.flags = 0;
	assert_int_equal(prep(&o, &r), -EINVAL);
	o.scope = (enum memlock_rt_scope)7;
	o.flags = MEMLOCK_F_CURRENT;
	assert_int_equal(prep(&o, &r), -EINVAL);
	/* a member this version does not know, set: E2BIG; zero: taken */
	big.o.sz = sizeof(big);
	big.o.flags = MEMLOCK_F_CURRENT | (1u << 20);
	assert_int_equal(prep(&big.o, &r), -E2BIG);
	/* a result too small to hold 1.1's members */
	o.scope = MEMLOCK_RT_ALL;
	o.flags = 0;
	r.sz = MLK_SZ_RT_RESULT - 1;
	assert_int_equal(prep(&o, &r), -EINVAL);
}

static void test_steps_without_lock(void **state)
{
	MEMLOCK_OPTS(memlock_rt_opts, o, .heap_reserve = 256 << 10, .stack_prefault = 64 << 10);
	struct memlock_rt_result r = { .sz = sizeof(r) };

	(void)state;
	assert_int_equal(prep(&o, &r), 0);
	assert_int_equal(r.done & ~MEMLOCK_RT_MALLOPT, MEMLOCK_RT_HEAP | MEMLOCK_RT_STACK);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.err, 0);
	/* a prefault beyond the thread's stack is refused, not a SIGSEGV */
	o.stack_prefault = (size_t)1 << 40;
	assert_int_equal(prep(&o, &r), -ERANGE);
	assert_int_equal(r.failed, MEMLOCK_RT_STACK);
	assert_int_equal(r.err, -ERANGE);
	assert_true(r.done & MEMLOCK_RT_HEAP);
	assert_false(r.done & MEMLOCK_RT_LOCK);
	/* no result at all is fine */
	o.stack_prefault = 0;
	assert_int_equal(memlock_rt_prepare(&o, NULL, NULL), 0);
}

static int fork_pipe[2];

static void on_fork(void *arg)
{
	(void)!write(fork_pipe[1], arg, 1);
}

/* fork a child that forks a grandchild; the bytes the callback wrote */
static ssize_t fork_and_count(char *buf, size_t len)
{
	pid_t pid, gc;
	int st;

	assert_int_equal(pipe(fork_pipe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child is not prepared: its own fork is not reported */
		gc = fork();
		if (gc == 0)
			_exit(0);
		_exit(gc > 0 && waitpid(gc, &st, 0) == gc ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(fork_pipe[1]);
	len = (size_t)read(fork_pipe[0], buf, len);
	close(fork_pipe[0]);
	return (ssize_t)len;
}

static void test_fork_watch(void **state)
{
	MEMLOCK_OPTS(memlock_rt_opts, o, .on_fork = on_fork, .fork_arg = "f");
	struct memlock_rt_result r = { .sz = sizeof(r) };
	char buf[8] = { 0 };

	(void)state;
	assert_int_equal(prep(&o, &r), 0);
	assert_true(r.done & MEMLOCK_RT_FORK_WATCH);
	assert_int_equal(fork_and_count(buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'f');
	/* a later preparation without a callback ends the watch */
	o.on_fork = NULL;
	assert_int_equal(prep(&o, &r), 0);
	assert_false(r.done & MEMLOCK_RT_FORK_WATCH);
	assert_int_equal(fork_and_count(buf, sizeof(buf)), 0);
}

static void *end_elsewhere(void *arg)
{
	return (void *)(intptr_t)memlock_rt_faults_end(arg);
}

static void test_faults(void **state)
{
	struct memlock_rt_faults f = { .sz = sizeof(f) };
	volatile char *p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t t;
	void *ret;
	size_t i;

	(void)state;
	assert_true(p != MAP_FAILED);
	assert_int_equal(memlock_rt_faults_begin(&f), 0);
	assert_int_equal(f.tid, gettid());
	for (i = 0; i < 16; i++)
		p[i * PG] = 1;
	assert_int_equal(memlock_rt_faults_end(&f), 0);
	assert_in_range(f.minor, 16, 64);
	assert_int_equal(f.major, 0);
	/* nothing touched: nothing counted */
	assert_int_equal(memlock_rt_faults_begin(&f), 0);
	p[0] = 2;
	assert_int_equal(memlock_rt_faults_end(&f), 0);
	assert_int_equal(f.minor + f.major, 0);
	/* a pair spans one thread */
	assert_int_equal(memlock_rt_faults_begin(&f), 0);
	assert_int_equal(pthread_create(&t, NULL, end_elsewhere, &f), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_int_equal((intptr_t)ret, -EINVAL);
	f.sz = MLK_SZ_RT_FAULTS - 1;
	assert_int_equal(memlock_rt_faults_begin(&f), -EINVAL);
	assert_int_equal(memlock_rt_faults_begin(NULL), -EINVAL);
	munmap((void *)p, 16 * PG);
}

/* the VmFlags lock bit of the mapping holding @addr */
static bool is_locked(const void *addr)
{
	struct memlock_proc_maps *it = memlock_proc_maps_open(NULL, 0);
	struct memlock_mapping m = { .sz = sizeof(m) };
	bool locked = false;

	while (it != NULL && memlock_proc_maps_next(it, &m) == 0)
		if ((uintptr_t)addr >= m.start && (uintptr_t)addr < m.end)
			locked = m.vmflags & MEMLOCK_VMA_LOCKED;
	memlock_proc_maps_close(it);
	return locked;
}

static void *report_stack(void *arg)
{
	struct memlock_rt_faults f = { .sz = sizeof(f) };
	volatile char here[16 << 10];
	size_t i;

	*(bool *)arg = is_locked((const void *)here);
	if (memlock_rt_faults_begin(&f) < 0)
		return (void *)1;
	for (i = 0; i < sizeof(here); i += 512)
		here[i] = 1;
	if (memlock_rt_faults_end(&f) < 0)
		return (void *)1;
	return (void *)(uintptr_t)(f.minor + f.major);
}

static void test_thread_create(void **state)
{
	pthread_attr_t a;
	pthread_t t;
	bool locked = false;
	void *faults = (void *)1;

	(void)state;
	assert_int_equal(memlock_rt_thread_create(&t, NULL, 256 << 10, report_stack, &locked,
						  NULL), 0);
	assert_int_equal(pthread_join(t, &faults), 0);
	assert_true(locked);
	assert_null(faults);
	/* the caller's attributes, their stack size kept */
	assert_int_equal(pthread_attr_init(&a), 0);
	assert_int_equal(pthread_attr_setstacksize(&a, 192 << 10), 0);
	assert_int_equal(pthread_attr_setguardsize(&a, 2 * PG), 0);
	locked = false;
	assert_int_equal(memlock_rt_thread_create(&t, &a, 0, report_stack, &locked, NULL), 0);
	assert_int_equal(pthread_join(t, &faults), 0);
	assert_true(locked);
	assert_null(faults);
	assert_int_equal(memlock_rt_thread_create(&t, &a, 0, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(memlock_rt_thread_create(NULL, &a, 0, report_stack, NULL, NULL), -EINVAL);
	pthread_attr_destroy(&a);
}

static void *must_not_run(void *arg)
{
	*(int *)arg = 1;
	return NULL;
}

/* In a child without CAP_IPC_LOCK and a 64 KiB limit, a 1 MiB stack: the
 * thread is refused, its function never runs, the verdict says why. */
static void test_thread_refused(void **state)
{
	struct rlimit rl = { 65536, 65536 };
	pid_t pid = fork();
	int st;

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0) {
		struct memlock_verdict *why = memlock_verdict_new();
		int ran = 0, rc;
		pthread_t t;

		if (why == NULL || setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
			_exit(10);
		if (geteuid() == 0 && (setresgid(65534, 65534, 65534) < 0 ||
				       setresuid(65534, 65534, 65534) < 0))
			_exit(11);
		rc = memlock_rt_thread_create(&t, NULL, 1 << 20, must_not_run, &ran, why);
		if (rc != -ENOMEM || errno != ENOMEM || ran)
			_exit(12);
		_exit(memlock_verdict_cause(why) == MEMLOCK_CAUSE_OVER_LIMIT ? 0 : 13);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_refused),
		cmocka_unit_test(test_steps_without_lock),
		cmocka_unit_test(test_fork_watch),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_thread_create),
		cmocka_unit_test(test_thread_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
