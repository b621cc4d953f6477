// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exec-thread PROGRAM [ARGS...] - memlock_exec_locked() called from a
 * second thread: the thread that execs takes the process's PID, and the
 * lock must follow it there.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "memlock.h"

static char **args;

static void *run(void *unused)
{
	struct memlock_exec_opts o = { .sz = sizeof(o) };
	struct memlock_verdict *why = memlock_verdict_new();
	int rc;

	(void)unused;
	rc = memlock_exec_locked(args[0], args, &o, why);
	fprintf(stderr, "exec-thread: %s: %s\n", strerror(-rc),
		why ? memlock_verdict_reason(why) : "?");
	_exit(125);
}

int main(int argc, char **argv)
{
	pthread_t th;

	if (argc < 2) {
		fprintf(stderr, "usage: exec-thread PROGRAM [ARGS...]\n");
		return 2;
	}
	args = argv + 1;
	pthread_create(&th, NULL, run, NULL);
	pthread_join(th, NULL);
	return 1;
}
