// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pairtime RUNS A... :: B... - time command A against command B, the runs
 * alternating (A, B, A, B, ...) so that both see the same machine, and
 * print the median wall time of each and the median and 90th percentile of
 * the paired differences B - A, in milliseconds. Output goes to /dev/null.
 * For make bench (hyperfine runs each command's runs as one block).
 * pairtime once COMMAND... - the wall time of one run of COMMAND, in ms.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double run(char **argv)
{
	struct timespec t0, t1;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pairtime: %s failed\n", argv[0]);
		exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[(n - 1) * p / 100];
}

int main(int argc, char **argv)
{
	int n, i, sep = 0;
	double *a, *b, *d;

	if (argc > 2 && strcmp(argv[1], "once") == 0) {
		printf("%.3f\n", run(argv + 2));
		return 0;
	}
	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "::") == 0 && sep == 0)
			sep = i;
	if (argc < 5 || sep < 3 || sep == argc - 1 || (n = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: pairtime RUNS A... :: B...\n");
		return 2;
	}
	argv[sep] = NULL;
	a = calloc((size_t)n, sizeof(*a));
	b = calloc((size_t)n, sizeof(*b));
	d = calloc((size_t)n, sizeof(*d));
	for (i = 0; i < 5; i++) {	/* warm-up */
		run(argv + 2);
		run(argv + sep + 1);
	}
	for (i = 0; i < n; i++) {
		a[i] = run(argv + 2);
		b[i] = run(argv + sep + 1);
		d[i] = b[i] - a[i];
	}
	printf("%.3f %.3f %.3f %.3f\n", pct(a, n, 50), pct(b, n, 50), pct(d, n, 50),
	       pct(d, n, 90));
	return 0;
}
