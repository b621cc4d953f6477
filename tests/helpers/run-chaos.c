// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run-chaos MODE TRIALS MAX_US -- MEMLOCK run [OPTIONS] -- PROGRAM...
 *
 * Runs the command TRIALS times and, at a random moment within MAX_US
 * microseconds of its start (kill-*: of its helper's start, or for an odd
 * number of microseconds of its seize), does MODE to it; one line per
 * trial, then
 * "N of TRIALS as expected"; exit status 0 when all were.
 *
 *   kill-strict  SIGKILL memlock's helper (the tracer of memlock's PID, or
 *   kill-best    before it traces, memlock-exec-helper among our children).
 *                PROGRAM is selfcheck, whose "vmlck=N" line says whether it
 *                ran locked. --strict: it ran locked, or did not run at all
 *                (killed, or 125). --best-effort: it ran, locked or unlocked
 *                and then saying "runs unlocked", or was killed before it
 *                ran (the helper died while it injected). Never "No child
 *                processes", which memlock once printed.
 *   term         SIGTERM to memlock's PID: it dies of SIGTERM (not lost).
 *   stopcont     SIGSTOP, then SIGCONT 20 ms later: it finishes (exit 0).
 *
 * RUN_CHAOS_SEED=N replays the moments of a run.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A line of /proc/@pid/@file's "@key: N", or 0. */
static int proc_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = atoi(line + n + 1);
	if (f)
		fclose(f);
	return v;
}

/* A child of @parent named memlock-exec-helper (comm "memlock-exec-he"). */
static pid_t helper_child(pid_t parent)
{
	char path[64], comm[32];
	pid_t found = 0;
	int pid;
	FILE *f, *c;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	f = fopen(path, "re");
	while (f && !found && fscanf(f, "%d", &pid) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		c = fopen(path, "re");
		if (c && fgets(comm, sizeof(comm), c) && strcmp(comm, "memlock-exec-he\n") == 0)
			found = pid;
		if (c)
			fclose(c);
	}
	if (f)
		fclose(f);
	return found;
}

/* memlock's helper: the tracer of memlock's PID @m; before it traces,
 * memlock-exec-helper as memlock's child or, reparented, ours */
static pid_t find_helper(pid_t m)
{
	pid_t h = proc_field(m, "status", "TracerPid");

	if (h == 0)
		h = helper_child(m);
	if (h == 0)
		h = helper_child(getpid());
	return h;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0)
		;
}

static void slurp(int fd, char *buf, size_t sz)
{
	ssize_t n = pread(fd, buf, sz - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

/* One trial: the verdict on its outcome, NULL when it is as expected. */
static const char *trial(const char *mode, char **cmd, long delay, char *out, char *err,
			 size_t sz, int *status, bool *acted)
{
	int o = memfd_create("out", 0), e = memfd_create("err", 0);
	pid_t m = fork(), h;
	long vmlck = -1;
	char *v;

	if (m == 0) {
		dup2(o, 1);
		dup2(e, 2);
		execv(cmd[0], cmd);
		_exit(127);
	}
	*acted = false;
	if (strncmp(mode, "kill-", 5) == 0) {
		/* from the helper's start, or (odd trials) from its seize, so
		 * that the moments cover all it does in its few ms */
		siginfo_t si = { 0 };

		for (int i = 0; i < 100000 && si.si_pid == 0; i++) {
			if ((delay & 1) ? proc_field(m, "status", "TracerPid") : find_helper(m))
				break;
			waitid(P_PID, m, &si, WEXITED | WNOHANG | WNOWAIT);
			sleep_us(10);
		}
		sleep_us(delay);
		h = find_helper(m);
		*acted = h > 0 && kill(h, SIGKILL) == 0;
	} else if (strcmp(mode, "term") == 0) {
		sleep_us(delay);
		*acted = kill(m, SIGTERM) == 0;
	} else {
		sleep_us(delay);
		*acted = kill(m, SIGSTOP) == 0;
		sleep_us(20000);
		kill(m, SIGCONT);
	}
	alarm(10);	/* a hang is a failure: SIGALRM ends this driver */
	waitpid(m, status, 0);
	while (wait(NULL) > 0)	/* the helper and the reporter, reparented to us */
		;
	alarm(0);
	slurp(o, out, sz);
	slurp(e, err, sz);
	if (strstr(err, "No child processes"))
		return "\"No child processes\"";
	if (strcmp(mode, "term") == 0)
		return WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM ? NULL : "SIGTERM lost";
	if (strcmp(mode, "stopcont") == 0)
		return WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? NULL : "did not finish";
	v = strstr(out, "vmlck=");
	if (v)
		vmlck = atol(v + 6);
	if (WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) {
		if (vmlck >= 0)
			return "killed after it ran";
		/* best effort is killed only while registers are changed */
		return strstr(err, "runs unlocked") ? "killed, and said to run unlocked" : NULL;
	}
	if (!WIFEXITED(*status))
		return "died otherwise";
	if (strcmp(mode, "kill-strict") == 0) {
		if (WEXITSTATUS(*status) == 125)
			return vmlck < 0 ? NULL : "125 after it ran";
		return WEXITSTATUS(*status) == 0 && vmlck > 0 ? NULL : "--strict, ran unlocked";
	}
	if (WEXITSTATUS(*status) != 0 || vmlck < 0)
		return "--best-effort, did not run";
	return vmlck > 0 || strstr(err, "runs unlocked") ? NULL : "ran unlocked without a word";
}

int main(int argc, char **argv)
{
	static char out[8192], err[8192];
	const char *seed_env = getenv("RUN_CHAOS_SEED");
	unsigned int seed = seed_env ? (unsigned int)atoi(seed_env) : (unsigned int)getpid();
	int trials, max_us, i, good = 0;

	if (argc < 6 || strcmp(argv[4], "--")) {
		fprintf(stderr, "usage: run-chaos kill-strict|kill-best|term|stopcont TRIALS MAX_US "
				"-- MEMLOCK run ... -- PROGRAM...\n");
		return 2;
	}
	trials = atoi(argv[2]);
	max_us = atoi(argv[3]);
	srand(seed);
	printf("# seed %u\n", seed);
	/* the helper and the reporter are reparented here, not to init */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (i = 0; i < trials; i++) {
		long delay = rand() % (max_us + 1);
		const char *bad;
		bool acted;
		int status;

		bad = trial(argv[1], argv + 5, delay, out, err, sizeof(out), &status, &acted);
		good += bad == NULL;
		out[strcspn(out, "\n")] = '\0';
		err[strcspn(err, "\n")] = '\0';
		printf("# %s %d: at %ld us%s: %s %d, out \"%.60s\", err \"%.150s\"%s%s\n",
		       bad ? "BAD" : "ok", i, delay, acted ? "" : " (nothing to act on)",
		       WIFSIGNALED(status) ? "signal" : "exit",
		       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), out, err,
		       bad ? ": " : "", bad ? bad : "");
	}
	printf("%d of %d as expected\n", good, trials);
	return good == trials ? 0 : 1;
}
