// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * driver [DIR [CASE...]] - the check-aarch64 test driver, run by the guest's
 * /init: every case (or those named) against the victims in DIR (/test), as
 * TAP, then "N passed, N failed". Exit 0 only if none failed.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cases.h"

static const struct {
	const char *name, *what;
	void (*fn)(struct result *r);
} cases[] = {
	{ "nanosleep", "nanosleep loop: no EINTR, no short sleep", case_nanosleep },
	{ "read", "blocked pipe read gets its data", case_pipe_read },
	{ "sigsuspend", "sigsuspend returns only for its signal", case_sigsuspend },
	{ "eintr", "SIGUSR1 during the injection: read without SA_RESTART fails with EINTR",
	  case_read_eintr },
	{ "threads", "4 spinning threads keep their checksums", case_threads },
	{ "sve", "SVE spinner keeps z0-z31 and p0-p15", case_sve },
	{ "chunked", "chunked lock with a max pause", case_chunked },
	{ "unlock", "munlockall drops VmLck to 0", case_unlock },
};
#define N_CASES (int)(sizeof(cases) / sizeof(cases[0]))

static void log_to_tap(enum memlock_log_level level, const char *msg, void *userdata)
{
	(void)userdata;
	printf("# memlock %s: %s\n", level == MEMLOCK_LOG_ERR ? "error" : "warning", msg);
}

static bool wanted(int i, int argc, char **argv)
{
	if (argc <= 2)
		return true;
	for (int a = 2; a < argc; a++)
		if (strcmp(argv[a], cases[i].name) == 0)
			return true;
	return false;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int n = 0, passed = 0, failed = 0, planned = 0;

	if (argc > 1)
		victim_dir = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	memlock_set_log(log_to_tap, MEMLOCK_LOG_WARN, NULL);
	for (int i = 0; i < N_CASES; i++)
		planned += wanted(i, argc, argv);
	printf("1..%d\n", planned);
	for (int i = 0; i < N_CASES; i++) {
		struct result r = { 0 };
		double t0 = now_s();

		if (!wanted(i, argc, argv))
			continue;
		n++;
		cases[i].fn(&r);
		if (r.skip) {
			printf("ok %d - %s: %s # SKIP %s\n", n, cases[i].name, cases[i].what, r.skip);
			continue;
		}
		printf("%sok %d - %s: %s\n", r.n ? "not " : "", n, cases[i].name, cases[i].what);
		for (int m = 0; m < r.n; m++)
			printf("# %s\n", r.msg[m]);
		for (int m = 0; m < r.n_note; m++)
			printf("# %s\n", r.note[m]);
		printf("# %s took %.1f s\n", cases[i].name, now_s() - t0);
		if (r.n)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
