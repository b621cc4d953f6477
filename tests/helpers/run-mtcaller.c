// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run-mtcaller fork|report PROGRAM [ARGS...] - memlock_exec_locked()
 * called by a multithreaded process, whose fork children may only call
 * async-signal-safe functions until they exec (a JVM launcher, a daemon).
 *
 *   fork    a pthread_atfork() child handler says on stderr "fork child
 *           ran" whenever the library forks (posix_spawn runs none); then
 *           PROGRAM runs locked, without a report callback
 *   report  with a report callback that takes a mutex another thread holds
 *           (a logger's, say): in a fork child it would wait forever, here
 *           for at most 2 s, then says "report: deadlocked"
 *
 * If memlock_exec_locked() returns, it prints the error and the reason
 * and exits 125.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memlock.h"

static pthread_mutex_t logger = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t started;

static void fork_child(void)
{
	static const char msg[] = "run-mtcaller: fork child ran\n";

	(void)!write(2, msg, sizeof(msg) - 1);
}

/* holds the logger's mutex, as a thread that logs at the wrong moment */
static void *busy(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&logger);
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

static void report(pid_t pid, long ret, const struct memlock_verdict *why, uint64_t vmlck,
		   void *data)
{
	struct timespec until;

	(void)why;
	(void)data;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	if (pthread_mutex_timedlock(&logger, &until) != 0) {
		fprintf(stderr, "report: deadlocked\n");
		return;
	}
	fprintf(stderr, "report: pid %d ret %ld vmlck %llu\n", (int)pid, ret,
		(unsigned long long)vmlck);
	pthread_mutex_unlock(&logger);
}

int main(int argc, char **argv)
{
	struct memlock_exec_opts o = { .sz = sizeof(o) };
	struct memlock_verdict *why = memlock_verdict_new();
	pthread_t th;
	int rc;

	if (argc < 3 || (strcmp(argv[1], "fork") && strcmp(argv[1], "report"))) {
		fprintf(stderr, "usage: run-mtcaller fork|report PROGRAM [ARGS...]\n");
		return 2;
	}
	if (strcmp(argv[1], "report") == 0)
		o.report = report;
	pthread_atfork(NULL, NULL, fork_child);
	pthread_barrier_init(&started, NULL, 2);
	pthread_create(&th, NULL, busy, NULL);
	pthread_barrier_wait(&started);
	rc = memlock_exec_locked(argv[2], argv + 2, &o, why);
	fprintf(stderr, "run-mtcaller: %s: %s\n", strerror(-rc),
		why ? memlock_verdict_reason(why) : "?");
	return 125;
}
