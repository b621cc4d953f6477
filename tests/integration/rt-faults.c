// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rt-faults MODE RESERVE_KIB STACK_KIB: a real-time critical section (malloc
 * and free of the heap reserve's size classes, and STACK_KIB * 3/4 of
 * stack), and the page faults it takes, as memlock_rt_faults_*() count them.
 *   plain   no preparation
 *   all     memlock_rt_prepare(): mlockall(MCL_CURRENT | MCL_FUTURE)
 *   lockonly  the same without the heap reserve and the stack prefault
 *   anon    memlock_rt_prepare(): the anonymous mappings only
 *   fork    as all, then a fork (the child exits at once): the callback
 *           fires in the child, and the section faults again
 *   thread  the section's stack part in a thread of memlock_rt_thread_create()
 *           (after a preparation that locks nothing), then in a plain one
 * Prints "faults MINOR MAJOR" (thread: "rt-thread ..." and "plain-thread
 * ..."; anon: "file-locked N" too, the locked file mappings), or "refused STEP ERRNO CAUSE: REASON" and exits 3 when the
 * preparation fails. Never sanitized: mlockall(MCL_CURRENT) would fault in
 * ASan's shadow.
 */
#include <alloca.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memlock.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static size_t reserve, stack;
static int fork_pipe[2];

static void __attribute__((noinline)) stack_part(size_t bytes)
{
	volatile char *p = alloca(bytes);
	size_t i;

	for (i = 0; i < bytes; i += 4096)
		p[i] = 1;
}

static void __attribute__((noinline)) heap_part(void)
{
	static void *small[256];
	volatile char *big = malloc(reserve / 2);
	size_t i;

	if (big == NULL)
		abort();
	for (i = 0; i < reserve / 2; i += 4096)
		big[i] = 1;
	/* 16 B to 2 KiB, 130 KiB in all */
	for (i = 0; i < ARRAY_LEN(small); i++) {
		small[i] = malloc((size_t)16 << (i % 8));
		if (small[i] == NULL)
			abort();
		memset(small[i], 1, (size_t)16 << (i % 8));
	}
	for (i = 0; i < ARRAY_LEN(small); i++)
		free(small[i]);
	free((void *)big);
}

static void section(struct memlock_rt_faults *f)
{
	f->sz = sizeof(*f);
	if (memlock_rt_faults_begin(f) < 0)
		abort();
	heap_part();
	stack_part(stack * 3 / 4);
	if (memlock_rt_faults_end(f) < 0)
		abort();
}

/* the fork callback: async-signal-safe, in the child */
static void on_fork(void *arg)
{
	(void)arg;
	(void)!write(fork_pipe[1], "c", 1);
}

static int prepare(enum memlock_rt_scope scope, unsigned int flags, bool bare)
{
	MEMLOCK_OPTS(memlock_rt_opts, o, .scope = scope, .flags = flags,
		     .heap_reserve = bare ? 0 : reserve, .stack_prefault = bare ? 0 : stack,
		     .on_fork = on_fork);
	struct memlock_rt_result r = { .sz = sizeof(r) };
	struct memlock_verdict *why = memlock_verdict_new();
	int rc;

	if (why == NULL)
		return -ENOMEM;
	rc = memlock_rt_prepare(&o, &r, why);
	if (rc < 0)
		printf("refused step=0x%x %s %s: %s (fixes %zu)\n", r.failed, strerrorname_np(-rc),
		       memlock_cause_name(memlock_verdict_cause(why)), memlock_verdict_reason(why),
		       memlock_verdict_fix_count(why));
	else
		printf("prepared done=0x%x locked=%llu anon=%llu skipped=%llu\n", r.done,
		       (unsigned long long)r.locked, (unsigned long long)r.anon,
		       (unsigned long long)r.skipped);
	memlock_verdict_free(why);
	return rc;
}

/* mappings of files (a path) that are locked */
static unsigned int file_locked(void)
{
	struct memlock_proc_maps *it = memlock_proc_maps_open(NULL, 0);
	struct memlock_mapping m = { .sz = sizeof(m) };
	unsigned int n = 0;

	while (it != NULL && memlock_proc_maps_next(it, &m) == 0)
		n += m.path[0] == '/' && (m.vmflags & MEMLOCK_VMA_LOCKED);
	memlock_proc_maps_close(it);
	return n;
}

static sem_t measured, release;

static void *thread_fn(void *arg)
{
	struct memlock_rt_faults *f = arg;

	f->sz = sizeof(*f);
	if (memlock_rt_faults_begin(f) < 0)
		abort();
	stack_part(stack * 3 / 4);
	if (memlock_rt_faults_end(f) < 0)
		abort();
	return NULL;
}

/* the plain thread stays until the rt one has ended: else glibc would hand
 * the rt thread its cached stack, faulted in already (or the other way) */
static void *plain_fn(void *arg)
{
	thread_fn(arg);
	sem_post(&measured);
	sem_wait(&release);
	return NULL;
}

static int threads(void)
{
	struct memlock_rt_faults rt = { 0 }, plain = { 0 };
	pthread_t t, p;
	pthread_attr_t a;
	int rc;

	sem_init(&measured, 0, 0);
	sem_init(&release, 0, 0);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, stack);
	if (pthread_create(&p, &a, plain_fn, &plain) != 0)
		return 1;
	sem_wait(&measured);
	rc = memlock_rt_thread_create(&t, NULL, stack, thread_fn, &rt, NULL);
	if (rc < 0) {
		printf("rt-thread: %s\n", strerror(-rc));
		return 1;
	}
	pthread_join(t, NULL);
	sem_post(&release);
	pthread_join(p, NULL);
	printf("rt-thread %llu %llu\nplain-thread %llu %llu\n", (unsigned long long)rt.minor,
	       (unsigned long long)rt.major, (unsigned long long)plain.minor,
	       (unsigned long long)plain.major);
	return 0;
}

int main(int argc, char **argv)
{
	struct memlock_rt_faults f;
	const char *mode;
	int rc = 0;

	if (argc != 4 || pipe(fork_pipe) < 0) {
		fprintf(stderr, "usage: rt-faults plain|all|lockonly|anon|fork|thread RESERVE_KIB STACK_KIB\n");
		return 2;
	}
	mode = argv[1];
	reserve = strtoul(argv[2], NULL, 10) << 10;
	stack = strtoul(argv[3], NULL, 10) << 10;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "all") == 0 || strcmp(mode, "fork") == 0 || strcmp(mode, "lockonly") == 0)
		rc = prepare(MEMLOCK_RT_ALL, MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE,
			     strcmp(mode, "lockonly") == 0);
	else if (strcmp(mode, "anon") == 0 &&
		 (rc = prepare(MEMLOCK_RT_ANON, MEMLOCK_F_CURRENT, false)) == 0)
		printf("file-locked %u\n", file_locked());
	else if (strcmp(mode, "thread") == 0)
		return prepare(MEMLOCK_RT_ALL, 0, false) < 0 ? 3 : threads();
	else if (strcmp(mode, "plain") != 0)
		return 2;
	if (rc < 0)
		return 3;
	if (strcmp(mode, "fork") == 0) {
		pid_t pid = fork();
		char c = 0;

		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			return 1;
		close(fork_pipe[1]);
		printf("fork-callback %s\n", read(fork_pipe[0], &c, 1) == 1 && c == 'c' ? "fired" : "silent");
	}
	section(&f);
	printf("faults %llu %llu\n", (unsigned long long)f.minor, (unsigned long long)f.major);
	return 0;
}
