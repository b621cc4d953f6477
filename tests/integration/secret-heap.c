// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The secret heap (issue 13), driven by tests/integration/secret.sh:
 *   secret-heap quick          the API, the guard pages (SIGSEGV in a child),
 *                              debug mode's canaries and guards, a double
 *                              free, wiping, fork children, memfd_secret,
 *                              smaps flags against memlock_secret_info()
 *   secret-heap million        1,000,000 live 32-byte secrets, locked bytes
 *                              and mappings (root or CAP_IPC_LOCK)
 *   secret-heap stress SECS    8 threads allocating and freeing, and passing
 *                              secrets to each other to free; each ends after
 *                              a while and a new one takes its place
 *   secret-heap strict|best    under a small RLIMIT_MEMLOCK, unprivileged
 *   secret-heap core HEX mlock|memfd|plain   write the bytes of HEX xor 0x5a
 *                              into a secret (plain: malloc) and abort
 * Each prints TAP; the subprocess checks run in forked children.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memlock.h"

#include "../helpers/self-vm.h"

static int tests;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* The VmFlags of the mapping holding @p, from /proc/self/smaps. */
static void vmflags(const void *p, char *out, size_t sz)
{
	char line[512];
	unsigned long lo, hi;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	snprintf(out, sz, "?");
	while (f != NULL && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0)
			snprintf(out, sz, "%.*s", (int)strcspn(line + 8, "\n"), line + 8);
	}
	if (f != NULL)
		fclose(f);
}

static bool has_flag(const char *flags, const char *f)
{
	char pat[8];

	snprintf(pat, sizeof(pat), " %s", f);
	return strstr(flags, pat) != NULL;
}

/* Run @fn in a child; its wait status. */
static int in_child(void (*fn)(void *), void *arg)
{
	int st = 0;
	pid_t p;

	fflush(stdout);
	p = fork();
	if (p == 0) {
		/* no core dumps of the expected crashes */
		setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
		signal(SIGSEGV, SIG_DFL);	/* not a sanitizer's report: the signal */
		fn(arg);
		_exit(0);
	}
	waitpid(p, &st, 0);
	return st;
}

static bool by_signal(int st, int sig)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == sig;
}

static void write_at(void *arg)
{
	*(volatile char *)arg = 1;
}

static int events[8];
static void on_event(enum memlock_secret_event ev, const void *p, size_t bytes, int err,
		     void *u)
{
	(void)p, (void)bytes, (void)err, (void)u;
	if ((unsigned int)ev < 8)
		events[ev]++;
	if (ev == MEMLOCK_SECRET_EV_OVERWRITE || ev == MEMLOCK_SECRET_EV_BAD_FREE)
		_exit(40 + ev);	/* the parent sees which event came before abort() */
}

/* ------------------------------------------------------------ debug mode */

static void debug_init(void)
{
	MEMLOCK_OPTS(memlock_secret_opts, o, .flags = MEMLOCK_SECRET_F_DEBUG,
		     .on_event = on_event);

	if (memlock_secret_init(&o) < 0)
		_exit(3);
}

static void debug_guard(void *arg)
{
	char *p;

	(void)arg;
	debug_init();
	p = memlock_secret_alloc(20);
	p[32] = 1;	/* past the 20 bytes and their 12 bytes of canary */
}

static void debug_canary(void *arg)
{
	char *p;

	(void)arg;
	debug_init();
	p = memlock_secret_alloc(20);
	p[20] = 1;	/* one byte past: caught on free */
	memlock_secret_free(p);
}

static void debug_clean(void *arg)
{
	struct memlock_secret_info in = { .sz = sizeof(in) };
	char *p;

	(void)arg;
	debug_init();
	p = memlock_secret_alloc(20);
	memset(p, 7, 20);
	if (memlock_secret_info(p, &in) < 0 || !in.guarded || !in.locked)
		_exit(4);
	memlock_secret_free(p);
	_exit(0);
}

/* Free a secret, then @arg bytes into it: the start again (a double
 * free) or a byte inside it. */
static void bad_free(void *arg)
{
	MEMLOCK_OPTS(memlock_secret_opts, o, .on_event = on_event);
	char *p;

	if (memlock_secret_init(&o) < 0)
		_exit(3);
	p = memlock_secret_alloc(32);
	if (arg == NULL)
		memlock_secret_free(p);
	memlock_secret_free(p + (uintptr_t)arg);
}

static void test_debug(void)
{
	int st;

	st = in_child(debug_guard, NULL);
	ok(by_signal(st, SIGSEGV), "debug mode: a write past an object hits its guard page "
	   "(SIGSEGV in the child, status %#x)", st);
	st = in_child(debug_canary, NULL);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 40 + MEMLOCK_SECRET_EV_OVERWRITE,
	   "debug mode: a byte written past an object is caught on free (the callback, "
	   "then abort; status %#x)", st);
	st = in_child(debug_clean, NULL);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "debug mode: an object used within bounds frees cleanly, guarded and locked");
	st = in_child(bad_free, NULL);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 40 + MEMLOCK_SECRET_EV_BAD_FREE,
	   "a double free is reported to the callback, then abort (status %#x)", st);
	st = in_child(bad_free, (void *)8);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 40 + MEMLOCK_SECRET_EV_BAD_FREE,
	   "so is a free of a pointer inside a secret (status %#x)", st);
}

/* ------------------------------------------------------------ memfd_secret */

static void memfd_child(void *arg)
{
	char *p = arg;

	if (p[0] == 0x42)
		_exit(5);	/* the parent's secret, readable */
	_exit(6);
}

static void memfd_run(void *arg)
{
	MEMLOCK_OPTS(memlock_secret_opts, o, .flags = MEMLOCK_SECRET_F_MEMFD, .on_event = on_event);
	struct memlock_secret_info in = { .sz = sizeof(in) };
	char *p, flags[256];
	int st;

	(void)arg;
	if (memlock_secret_init(&o) < 0 || (p = memlock_secret_alloc(32)) == NULL)
		_exit(3);
	if (memlock_secret_info(p, &in) < 0)
		_exit(3);
	if (in.backend != MEMLOCK_SECRET_MEMFD)
		_exit(events[MEMLOCK_SECRET_EV_NO_MEMFD] ? 77 : 4);
	if (!in.locked || !in.not_in_child || !in.dump_excluded || in.wipe_on_fork)
		_exit(7);
	vmflags(p, flags, sizeof(flags));	/* the kernel refuses WIPEONFORK there */
	if (!has_flag(flags, "lo") || !has_flag(flags, "dd") || !has_flag(flags, "dc") ||
	    !has_flag(flags, "sh") || has_flag(flags, "wf"))
		_exit(9);
	memset(p, 0x42, 32);
	st = in_child(memfd_child, p);
	memlock_secret_free(p);
	_exit(by_signal(st, SIGSEGV) ? 0 : 8);
}

static void test_memfd(void)
{
	int st = in_child(memfd_run, NULL);

	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		ok(1, "memfd_secret backend # SKIP memfd_secret(2) is not available here");
		return;
	}
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "memfd_secret backend: locked, dump-excluded, and a fork child has no mapping there "
	   "(it faults), as info and smaps (lo dd dc sh) say (status %#x)", st);
}

/* ------------------------------------------------------------ normal mode */

static void fork_child_reads(void *arg)
{
	struct memlock_secret_info in = { .sz = sizeof(in) };
	unsigned char *p = arg, *q;

	for (int i = 0; i < 32; i++)
		if (p[i] != 0)
			_exit(10);
	if (memlock_secret_info(p, &in) < 0 || in.locked)
		_exit(11);	/* the lock is not inherited: it must say so */
	memlock_secret_free(p);
	q = memlock_secret_alloc(32);
	if (q == NULL || memlock_secret_info(q, &in) < 0 || !in.locked || q == p)
		_exit(12);	/* new secrets come from new locked slabs */
	_exit(0);
}

/* The object of a class at the very end (or start) of its slab. */
static char *at_slab_edge(char **keep, int n, uintptr_t want)
{
	for (int i = 0; i < n; i++) {
		keep[i] = memlock_secret_alloc(32);
		if (keep[i] != NULL && ((uintptr_t)keep[i] & 0xffff) == want)
			return keep[i];
	}
	return NULL;
}

static void test_guards(void)
{
	char **keep = calloc(4600, sizeof(*keep)), *last, *first;
	int st;

	/* past the thread's first slab (a page) and through a 64 KiB one */
	last = at_slab_edge(keep, 2300, 0x10000 - 32);
	first = at_slab_edge(keep + 2300, 2300, 0);
	ok(last != NULL && first != NULL, "the last and first objects of slabs are found");
	if (last != NULL) {
		st = in_child(write_at, last + 32);
		ok(by_signal(st, SIGSEGV), "a write past the last object of a slab hits the guard "
		   "page (SIGSEGV in the child, status %#x)", st);
	}
	if (first != NULL) {
		st = in_child(write_at, first - 1);
		ok(by_signal(st, SIGSEGV), "a write before the first object of a slab hits the "
		   "guard page (status %#x)", st);
	}
	for (int i = 0; i < 4600; i++)
		memlock_secret_free(keep[i]);
	free(keep);
}

static void test_api(void)
{
	struct memlock_secret_info in = { .sz = sizeof(in) };
	struct memlock_secret_stats st = { .sz = sizeof(st) };
	unsigned char *p, *q, *big;
	char flags[256];
	bool zero = true;
	int rc;

	p = memlock_secret_alloc(32);
	ok(p != NULL && ((uintptr_t)p & 15) == 0, "alloc(32): 16-byte aligned");
	ok(memlock_secret_info(p + 5, &in) == 0 && in.start == p && in.size == 32 && in.locked &&
	   in.dump_excluded && in.wipe_on_fork && in.backend == MEMLOCK_SECRET_MLOCK && !in.guarded,
	   "info: locked, dump-excluded, wiped on fork, backend mlock (any byte of it)");
	vmflags(p, flags, sizeof(flags));
	ok(has_flag(flags, "lo") && has_flag(flags, "dd") && has_flag(flags, "wf"),
	   "smaps says so too: VmFlags lo dd wf (%.60s)", flags);
	rc = memlock_secret_stats(&st);
	ok(rc == 0 && st.live == 1 && st.live_bytes == 32 &&
	   st.slabs == 1 && st.bytes_locked == (uint64_t)sysconf(_SC_PAGESIZE) &&
	   st.backend == MEMLOCK_SECRET_MLOCK && st.failures == 0 && st.fallbacks == 0,
	   "stats: 1 live, 1 slab of a page locked (a thread's first of a class) (live %llu, "
	   "slabs %llu, locked %llu)",
	   (unsigned long long)st.live, (unsigned long long)st.slabs,
	   (unsigned long long)st.bytes_locked);
	{
		MEMLOCK_OPTS(memlock_secret_opts, dbg, .flags = MEMLOCK_SECRET_F_DEBUG);
		MEMLOCK_OPTS(memlock_secret_opts, best, .policy = MEMLOCK_SECRET_BEST_EFFORT);

		ok(memlock_secret_init(&dbg) == -EBUSY && errno == EBUSY &&
		   memlock_secret_init(&best) == 0 && memlock_secret_init(NULL) == 0,
		   "init: debug mode refused while slabs are held (EBUSY), the policy changes");
	}
	memset(p, 0xa5, 32);
	memlock_secret_free(p);
	for (int i = 0; i < 32; i++)
		zero &= p[i] == 0;	/* our own mapping: still readable */
	ok(zero, "a freed secret is wiped");
	ok(memlock_secret_info(p, &in) == -ENOENT && errno == ENOENT, "info of a freed one: ENOENT");
	ok(memlock_secret_alloc(0) == NULL && errno == EINVAL, "alloc(0): EINVAL");
	ok(memlock_secret_calloc(SIZE_MAX / 2, 4) == NULL && errno == ENOMEM,
	   "calloc overflow: ENOMEM");
	ok(memlock_secret_aligned_alloc(24, 8) == NULL && errno == EINVAL,
	   "aligned_alloc(24): EINVAL");
	q = memlock_secret_calloc(10, 10);
	zero = q != NULL;
	for (int i = 0; q != NULL && i < 100; i++)
		zero &= q[i] == 0;
	ok(zero, "calloc(10, 10) is zero-filled");
	memlock_secret_free(q);
	for (size_t a = 32; a <= 65536; a *= 8) {
		q = memlock_secret_aligned_alloc(a, 40);
		ok(q != NULL && ((uintptr_t)q % a) == 0 && memlock_secret_info(q, &in) == 0 &&
		   in.locked, "aligned_alloc(%zu, 40): aligned and locked", a);
		memlock_secret_free(q);
	}
	big = memlock_secret_alloc(100000);
	ok(big != NULL && memlock_secret_info(big + 99999, &in) == 0 && in.size == 100000 &&
	   in.locked, "alloc(100000): a locked page run");
	memset(big, 1, 100000);
	memlock_secret_free(big);
	ok(memlock_secret_info(big, &in) == -ENOENT, "the page run is gone when freed");
	ok(memlock_secret_backend_name(MEMLOCK_SECRET_MEMFD) != NULL &&
	   strcmp(memlock_secret_backend_name(MEMLOCK_SECRET_MEMFD), "memfd_secret") == 0 &&
	   strcmp(memlock_secret_backend_name(99), "unknown") == 0, "backend names");
}

static void test_fork(void)
{
	unsigned char *p = memlock_secret_alloc(32);
	int st;

	memset(p, 0x5c, 32);
	st = in_child(fork_child_reads, p);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "a fork child reads zeros where the parent has a secret, is told it is not locked, "
	   "and gets new locked secrets (status %#x)", st);
	ok(p[0] == 0x5c, "the parent's secret is intact");
	memlock_secret_free(p);
}

/* ------------------------------------------------------------ threads */

enum { XN = 6000 };	/* 32-byte secrets: 3 slabs of 2048 and more */

struct xthread {
	unsigned char **p;
	int n, bad;
	pthread_barrier_t *gate;	/* NULL: end at once */
	bool wiped;			/* the slabs' owner lives: check the wipe */
	uint64_t slabs;			/* after the second allocations */
};

static uint64_t stat_of(size_t off)
{
	struct memlock_secret_stats st = { .sz = sizeof(st) };

	if (memlock_secret_stats(&st) < 0)
		return UINT64_MAX;
	return *(uint64_t *)((char *)&st + off);
}
#define STAT(f) stat_of(offsetof(struct memlock_secret_stats, f))

static void *x_alloc(void *arg)
{
	struct xthread *x = arg;

	for (int i = 0; i < x->n; i++) {
		x->p[i] = memlock_secret_alloc(32);
		if (x->p[i] == NULL)
			x->bad++;
		else
			memset(x->p[i], 0xa5, 32);
	}
	if (x->gate != NULL) {
		pthread_barrier_wait(x->gate);	/* the others free them */
		pthread_barrier_wait(x->gate);
		/* alive all along: the remote frees come back to it */
		for (int i = 0; i < x->n; i++)
			if ((x->p[i] = memlock_secret_alloc(32)) == NULL)
				x->bad++;
		x->slabs = STAT(slabs);
		pthread_barrier_wait(x->gate);
		for (int i = 0; i < x->n; i++)
			memlock_secret_free(x->p[i]);
	}
	return NULL;
}

static void *x_free(void *arg)
{
	struct xthread *x = arg;

	for (int i = 0; i < x->n; i++) {
		for (int k = 0; k < 32; k++)
			x->bad += x->p[i][k] != 0xa5;
		memlock_secret_free(x->p[i]);
		for (int k = 0; x->wiped && k < 32; k++)	/* its owner keeps the slab mapped */
			x->bad += x->p[i][k] != 0;
	}
	return NULL;
}

static void run_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	pthread_create(&t, NULL, fn, arg);
	pthread_join(t, NULL);
}


/* Thread A allocates, thread B frees while A lives, A allocates them again
 * from its own slabs (no new one), frees them and ends. Then, three times,
 * A allocates and ends holding them, B frees them into slabs without an
 * owner: the slabs and VmLck come back each time to what they were (one
 * empty slab of the class is kept for the next thread, no more). */
static void test_threads(void)
{
	unsigned char **p = calloc(XN, sizeof(*p));
	struct xthread a = { .p = p, .n = XN }, b = { .p = p, .n = XN, .wiped = true };
	uint64_t live0 = STAT(live), slabs0 = STAT(slabs), locked0 = STAT(bytes_locked);
	long lck0, lck, held = 0;
	pthread_barrier_t gate;
	uint64_t slabs1;
	pthread_t ta;
	bool same = true;

	pthread_barrier_init(&gate, NULL, 2);
	a.gate = &gate;
	pthread_create(&ta, NULL, x_alloc, &a);
	pthread_barrier_wait(&gate);
	slabs1 = STAT(slabs);
	run_thread(x_free, &b);
	ok(a.bad == 0 && b.bad == 0 && STAT(live) == live0,
	   "cross-thread free: %d secrets of thread A freed by thread B while A lives, each "
	   "intact, then wiped; none live (%d bad)", XN, a.bad + b.bad);
	pthread_barrier_wait(&gate);	/* A allocates them again */
	pthread_barrier_wait(&gate);
	ok(a.bad == 0 && a.slabs == slabs1, "A allocates them again from the slabs B freed "
	   "into: no new slab (%llu, %llu)", (unsigned long long)a.slabs,
	   (unsigned long long)slabs1);
	pthread_join(ta, NULL);
	ok(STAT(live) == live0 && STAT(slabs) <= slabs0 + 1 && STAT(bytes_locked) <= locked0 + 65536,
	   "A frees them and ends: its slabs are unmapped, one at most kept (%llu slabs, "
	   "%llu before)", (unsigned long long)STAT(slabs), (unsigned long long)slabs0);
	slabs0 = STAT(slabs);
	locked0 = STAT(bytes_locked);
	lck0 = status_kb("VmLck:");
	a.gate = NULL;
	b.wiped = false;	/* the last free of a slab may unmap it */
	for (int k = 0; k < 3; k++) {
		run_thread(x_alloc, &a);
		lck = status_kb("VmLck:");
		held = lck - lck0;
		same &= a.bad == 0 && STAT(live) == live0 + XN &&
			(uint64_t)held * 1024 == STAT(bytes_locked) - locked0;
		run_thread(x_free, &b);
		same &= b.bad == 0 && STAT(live) == live0 && STAT(slabs) == slabs0 &&
			STAT(bytes_locked) == locked0 && status_kb("VmLck:") == lck0;
	}
	ok(same, "3 times, a thread ends holding %d secrets (VmLck +%ld kB), another frees them: "
	   "the slabs, bytes locked and VmLck are back each time (%ld kB)", XN, held,
	   status_kb("VmLck:"));
	pthread_barrier_destroy(&gate);
	free(p);
}

static void *x_free_one(void *arg)
{
	memlock_secret_free(arg);
	return NULL;
}

/* A double free from a third thread: @arg NULL, of an object whose
 * thread lives (a remote free), else of one whose thread ended. */
static void x_double(void *arg)
{
	MEMLOCK_OPTS(memlock_secret_opts, o, .on_event = on_event);
	unsigned char *p[1] = { NULL };
	struct xthread a = { .p = p, .n = 1 };
	pthread_barrier_t gate;
	pthread_t ta;

	if (memlock_secret_init(&o) < 0)
		_exit(3);
	pthread_barrier_init(&gate, NULL, 2);
	if (arg == NULL) {
		a.gate = &gate;
		pthread_create(&ta, NULL, x_alloc, &a);
		pthread_barrier_wait(&gate);
	} else {
		run_thread(x_alloc, &a);
	}
	run_thread(x_free_one, p[0]);
	run_thread(x_free_one, p[0]);
	_exit(0);
}

static void test_double_threads(void)
{
	int st;

	st = in_child(x_double, NULL);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 40 + MEMLOCK_SECRET_EV_BAD_FREE,
	   "A allocates, B frees, C frees again: caught (the callback, then abort; status %#x)",
	   st);
	st = in_child(x_double, (void *)1);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 40 + MEMLOCK_SECRET_EV_BAD_FREE,
	   "so when A has ended before (status %#x)", st);
}

static int quick(void)
{
	test_debug();	/* first: debug mode wants a heap without slabs */
	test_memfd();
	test_api();
	test_guards();
	test_fork();
	test_threads();
	test_double_threads();
	return 0;
}

/* ------------------------------------------------------------ big runs */

static int million(void)
{
	enum { N = 1000000 };
	struct memlock_secret_stats st = { .sz = sizeof(st) };
	long lck0 = status_kb("VmLck:"), maps0 = map_count(), lck, maps;
	void **p = malloc(N * sizeof(*p));
	int got = 0;

	for (; got < N; got++) {
		p[got] = memlock_secret_alloc(32);
		if (p[got] == NULL)
			break;
		memset(p[got], got & 0xff, 32);
	}
	ok(got == N, "1,000,000 live 32-byte secrets (%d: %s)", got, got == N ? "" : strerror(errno));
	lck = status_kb("VmLck:") - lck0;
	maps = map_count() - maps0;
	if (memlock_secret_stats(&st) < 0)
		st.live = UINT64_MAX;
	ok(st.live == (uint64_t)got &&
	   st.bytes_locked <= 2ull * 32 * N && st.bytes_unlocked == 0,
	   "stats: %llu live, %llu bytes locked (<= 2x the payload), %llu slabs",
	   (unsigned long long)st.live, (unsigned long long)st.bytes_locked,
	   (unsigned long long)st.slabs);
	ok(lck * 1024 >= 32l * got && lck * 1024 <= 2l * 32 * N,
	   "VmLck grew by %ld kB: the payload, at most twice over", lck);
	ok(maps <= 3 * (long)st.slabs + 32 && maps < 2000, "%ld more mappings (3 a slab at most)",
	   maps);
	for (int i = 0; i < got; i++)
		memlock_secret_free(p[i]);
	free(p);
	if (memlock_secret_stats(&st) < 0)
		st.live = UINT64_MAX;
	ok(st.live == 0 && st.slabs <= 2,
	   "all freed: 0 live, the empty slabs unmapped (%llu left)",
	   (unsigned long long)st.slabs);
	return 0;
}

static atomic_bool stop;
static atomic_long pairs, bad, handed;

/* Secrets passed between the threads: each freed by another thread than
 * the one that allocated it (a remote free), or, once the threads have
 * ended, by main (into slabs without an owner). */
#define BOX 16
#define HAND 48
static _Atomic(unsigned char *) box[BOX];

static void hand_over(unsigned int *seed)
{
	unsigned char *p = memlock_secret_alloc(HAND), *q;

	if (p == NULL) {
		atomic_fetch_add(&bad, 1);
		return;
	}
	memset(p, 0x77, HAND);
	q = atomic_exchange(&box[rand_r(seed) % BOX], p);
	if (q == NULL)
		return;
	for (int k = 0; k < HAND; k++)
		if (q[k] != 0x77)
			atomic_fetch_add(&bad, 1);
	memlock_secret_free(q);
	atomic_fetch_add_explicit(&handed, 1, memory_order_relaxed);
}

static void *stress_thread(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	unsigned char *held[64] = { 0 };
	size_t sizes[64] = { 0 };
	/* then it ends, and another takes its place: its slabs go to the
	 * pools while the others free into them */
	long life = 1000 + rand_r(&seed) % 10000;

	while (!atomic_load(&stop) && life-- > 0) {
		int i = (int)(rand_r(&seed) % 64);
		size_t n = 1 + rand_r(&seed) % (rand_r(&seed) % 16 ? 96 : 5000);

		if (held[i] != NULL) {
			for (size_t k = 0; k < sizes[i]; k++)
				if (held[i][k] != (unsigned char)(i + sizes[i]))
					atomic_fetch_add(&bad, 1);
			memlock_secret_free(held[i]);
		}
		held[i] = memlock_secret_alloc(n);
		sizes[i] = n;
		if (held[i] == NULL) {
			atomic_fetch_add(&bad, 1);
			continue;
		}
		memset(held[i], (unsigned char)(i + n), n);
		atomic_fetch_add_explicit(&pairs, 1, memory_order_relaxed);
		if (rand_r(&seed) % 8 == 0)
			hand_over(&seed);
	}
	for (int i = 0; i < 64; i++)
		memlock_secret_free(held[i]);
	return NULL;
}

static int stress(int secs)
{
	struct memlock_secret_stats st = { .sz = sizeof(st) };
	long end = (long)time(NULL) + secs, threads = 8;
	pthread_t t[8];

	for (uintptr_t i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, stress_thread, (void *)(i + 1));
	while (time(NULL) < end) {
		usleep(20000);
		for (int i = 0; i < 8; i++)
			if (pthread_tryjoin_np(t[i], NULL) == 0)
				pthread_create(&t[i], NULL, stress_thread, (void *)(uintptr_t)++threads);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < BOX; i++)
		memlock_secret_free(atomic_exchange(&box[i], NULL));
	ok(atomic_load(&bad) == 0 && atomic_load(&pairs) > 1000 && atomic_load(&handed) > 100,
	   "8 threads at a time (%ld in all), %d s: %ld allocations, %ld freed by another "
	   "thread, none failed or corrupted", threads, secs, atomic_load(&pairs),
	   atomic_load(&handed));
	if (memlock_secret_stats(&st) < 0)
		st.live = UINT64_MAX;
	ok(st.live == 0 && st.bytes_unlocked == 0,
	   "then nothing live (%llu), nothing unlocked", (unsigned long long)st.live);
	return 0;
}

/* ------------------------------------------------------------ the limit */

static int limited(bool best)
{
	MEMLOCK_OPTS(memlock_secret_opts, o, .on_event = on_event,
		     .policy = best ? MEMLOCK_SECRET_BEST_EFFORT : MEMLOCK_SECRET_STRICT);
	struct memlock_secret_stats st = { .sz = sizeof(st) };
	struct memlock_secret_info in = { .sz = sizeof(in) };
	struct memlock_verdict *v = memlock_verdict_new();
	enum { N = 400000 };	/* 12.8 MB of payload, past the 8 MiB limit */
	void *p = NULL;
	int got = 0, err = 0, rc;

	if (memlock_secret_init(&o) < 0)
		return 1;
	for (; got < N; got++) {
		p = memlock_secret_alloc(32);
		if (p == NULL) {
			err = errno;
			break;
		}
	}
	ok(memlock_secret_stats(&st) == 0, "stats");
	if (!best) {
		ok(got < N && err == ENOMEM, "strict: an allocation fails at the limit with ENOMEM "
		   "(after %d: %s)", got, strerror(err));
		rc = memlock_secret_why(v);
		ok(rc == 0 && memlock_verdict_cause(v) == MEMLOCK_CAUSE_OVER_LIMIT &&
		   memlock_verdict_fix_count(v) > 0,
		   "strict: the reason is the predictor's (%s: %s)",
		   memlock_cause_name(memlock_verdict_cause(v)), memlock_verdict_reason(v));
		ok(st.failures >= 1 && st.bytes_unlocked == 0 && st.fallbacks == 0 &&
		   st.bytes_locked <= 8u << 20 && status_kb("VmLck:") <= 8192,
		   "strict: %llu failure, nothing unlocked, %llu bytes locked",
		   (unsigned long long)st.failures, (unsigned long long)st.bytes_locked);
	} else {
		ok(got == N, "best effort: all %d allocations succeed (%d)", N, got);
		ok(st.fallbacks > 0 && st.bytes_unlocked > 0 && events[MEMLOCK_SECRET_EV_UNLOCKED] > 0 &&
		   (uint64_t)events[MEMLOCK_SECRET_EV_UNLOCKED] == st.fallbacks,
		   "best effort: counters and callback say so (%llu bytes unlocked in %llu slabs, "
		   "%d events)", (unsigned long long)st.bytes_unlocked,
		   (unsigned long long)st.fallbacks, events[MEMLOCK_SECRET_EV_UNLOCKED]);
		ok(memlock_secret_info(p, &in) == 0 && !in.locked &&
		   in.backend == MEMLOCK_SECRET_UNLOCKED && in.dump_excluded && in.wipe_on_fork,
		   "best effort: the last secret says it is not locked (still dump-excluded and wiped "
		   "on fork)");
		rc = memlock_secret_why(v);
		ok(rc == 0 && memlock_verdict_cause(v) == MEMLOCK_CAUSE_OVER_LIMIT,
		   "best effort: why: %s", memlock_verdict_reason(v));
		ok(st.bytes_locked > 0 && st.bytes_locked <= 8u << 20, "best effort: %llu bytes locked",
		   (unsigned long long)st.bytes_locked);
	}
	memlock_verdict_free(v);
	return 0;
}

/* ------------------------------------------------------------ core dumps */

static int core(const char *hex, const char *how)
{
	MEMLOCK_OPTS(memlock_secret_opts, o, .flags = MEMLOCK_SECRET_F_MEMFD);
	size_t n = strlen(hex) / 2;
	volatile unsigned char *p;

	if (strcmp(how, "memfd") == 0 && memlock_secret_init(&o) < 0)
		return 1;
	p = strcmp(how, "plain") == 0 ? malloc(n) : memlock_secret_alloc(n);
	if (p == NULL)
		return 1;
	/* the bytes are made where they are kept: no other copy in memory */
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		sscanf(hex + 2 * i, "%2x", &b);
		p[i] = (unsigned char)(b ^ 0x5a);
	}
	abort();
}

int main(int argc, char **argv)
{
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || strcmp(argv[1], "quick") == 0)
		rc = quick();
	else if (strcmp(argv[1], "million") == 0)
		rc = million();
	else if (strcmp(argv[1], "stress") == 0 && argc == 3)
		rc = stress(atoi(argv[2]));
	else if (strcmp(argv[1], "strict") == 0 || strcmp(argv[1], "best") == 0)
		rc = limited(argv[1][0] == 'b');
	else if (strcmp(argv[1], "core") == 0 && argc == 4)
		return core(argv[2], argv[3]);
	if (rc == 0)
		printf("1..%d\n", tests);
	return rc;
}
