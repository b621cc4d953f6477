// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * make bench (scripts/bench-secret.sh): the secret heap against malloc(3),
 * libsodium's sodium_malloc() and OpenSSL's secure heap, in one run.
 *   secret-bench time ROUNDS     32-byte alloc+free pairs, 1 and 2 threads:
 *                                the implementations take turns round by
 *                                round; the median of ns per pair
 *   secret-bench memory N        locked bytes (VmLck) and mappings added by
 *                                N live 32-byte secrets, each in a fresh child
 * Prints markdown rows.
 */
#include <openssl/crypto.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memlock.h"

#include "../helpers/self-vm.h"

struct impl {
	const char *name;
	void *(*alloc)(size_t);
	void (*free)(void *);
	long pairs;	/* per thread and round */
};

static void *ossl_alloc(size_t n) { return OPENSSL_secure_malloc(n); }
static void ossl_free(void *p) { OPENSSL_secure_free(p); }

static struct impl impls[] = {
	{ "malloc(32) + free", malloc, free, 2000000 },
	{ "memlock_secret_alloc(32) + memlock_secret_free", memlock_secret_alloc,
	  memlock_secret_free, 2000000 },
	{ "OPENSSL_secure_malloc(32) + OPENSSL_secure_free", ossl_alloc, ossl_free, 200000 },
	{ "sodium_malloc(32) + sodium_free", sodium_malloc, sodium_free, 2000 },
};
#define N_IMPL (sizeof(impls) / sizeof(impls[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* per thread: one shared by the two threads would be a cache line they
 * both write on every pair, which the measure would count against any
 * allocator whose hot path has a locked instruction (it waits for the
 * thread's stores to drain), not against glibc's malloc */
static __thread void *volatile sink;

static void *loop(void *arg)
{
	const struct impl *im = arg;

	for (long i = 0; i < im->pairs; i++) {
		unsigned char *p = im->alloc(32);

		p[0] = (unsigned char)i;	/* as the anchors' bench: one byte written */
		sink = p;
		im->free(p);
	}
	return NULL;
}

/* ns per pair of one round with @threads threads (each does im->pairs). */
static double round_ns(const struct impl *im, int threads)
{
	pthread_t t[2];
	double t0 = now();

	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, loop, (void *)im);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return (now() - t0) / (double)im->pairs;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int timing(int rounds)
{
	double ns[N_IMPL][2][64], med[N_IMPL][2];

	if (rounds > 64)
		rounds = 64;
	for (int th = 1; th <= 2; th++)
		for (size_t k = 0; k < N_IMPL; k++)
			loop(&impls[k]);	/* warm-up: slabs, arenas, caches */
	for (int r = 0; r < rounds; r++)
		for (int th = 0; th < 2; th++)
			for (size_t k = 0; k < N_IMPL; k++)
				ns[k][th][r] = round_ns(&impls[k], th + 1);
	printf("| pair | 1 thread: ns per pair, median of %d | 2 threads: ns per pair (each "
	       "thread), median | 1 thread vs memlock | pairs a round |\n", rounds);
	printf("|:---|---:|---:|---:|---:|\n");
	for (size_t k = 0; k < N_IMPL; k++)
		for (int th = 0; th < 2; th++) {
			qsort(ns[k][th], (size_t)rounds, sizeof(double), cmp);
			med[k][th] = ns[k][th][rounds / 2];
		}
	for (size_t k = 0; k < N_IMPL; k++)
		printf("| `%s` | %.1f | %.1f | %.2fx | %ld |\n", impls[k].name, med[k][0], med[k][1],
		       med[k][0] / med[1][0], impls[k].pairs);
	return 0;
}

/* In a fresh child: what @n live secrets of @k add (OpenSSL's arena made
 * first, as a program does, and counted: it is what the secrets take). */
static void memory_of(size_t k, long n)
{
	int st;
	pid_t p;

	fflush(stdout);
	p = fork();

	if (p == 0) {
		long lck0 = status_kb("VmLck:"), m0 = map_count(), got = 0;

		if (k == 2 && CRYPTO_secure_malloc_init(1 << 20, 16) != 1)
			_exit(1);
		for (; got < n; got++)
			if ((sink = impls[k].alloc(32)) == NULL)
				break;
		printf("| `%s` | %ld | %ld kB | %ld | %.1f |\n", impls[k].name, got,
		       status_kb("VmLck:") - lck0, map_count() - m0,
		       (double)(status_kb("VmLck:") - lck0) * 1024 / (32.0 * (double)got));
		fflush(stdout);
		_exit(0);
	}
	waitpid(p, &st, 0);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if (sodium_init() < 0)
		return 1;
	if (strcmp(argv[1], "memory") == 0) {
		printf("| %s live 32-byte secrets | live | locked (VmLck added) | mappings "
		       "added | locked / payload |\n", argv[2]);
		printf("|:---|---:|---:|---:|---:|\n");
		for (size_t k = 1; k < N_IMPL; k++)
			memory_of(k, atol(argv[2]));
		return 0;
	}
	if (CRYPTO_secure_malloc_init(1 << 20, 16) != 1)
		return 1;
	return timing(atoi(argv[2]));
}
