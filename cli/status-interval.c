// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock status --interval SECONDS [--count N]: the table again every
 * SECONDS, as free -s and vmstat do, with the change of each process's
 * locked and swapped bytes since the sample before (LOCKED_DELTA,
 * SWAP_DELTA: empty for a process not in that sample). With -J each sample
 * is one JSON object, a stream. ^C (SIGINT) ends it after the sample being
 * printed, with status 0.
 */
#include <math.h>
#include <signal.h>
#include <time.h>

#include "status.h"

struct seen {
	pid_t pid;
	uint64_t locked, swap;
};

/* the sample before (sorted by PID) and the one being made */
static struct seen *prev, *cur;
static size_t nprev, capprev, ncur, capcur;
static bool active;
static volatile sig_atomic_t interrupted;

uint64_t interval_parse(const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < 0.01 || v > 86400) {
		warnx("invalid --interval: '%s'", user_str(arg));
		hint("give seconds, from 0.01 to 86400 (a day): 1, 0.5, 60");
		exit(EXIT_FAILURE);
	}
	return (uint64_t)(v * 1e9 + 0.5);
}

unsigned long interval_count_parse(const char *arg)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || end == arg || *arg == '-' || v == 0 || v > 1000000000) {
		warnx("invalid --count: '%s'", user_str(arg));
		hint("give how many samples to show, 1 or more");
		exit(EXIT_FAILURE);
	}
	return (unsigned long)v;
}

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* "+8M", "-4K", "0"; with -b or -J the bytes, signed */
static void set_delta(struct output *out, struct libscols_line *ln, int id, uint64_t now,
		      uint64_t before)
{
	uint64_t d = now >= before ? now - before : before - now;
	char buf[40], human[32];

	if (d == 0)
		snprintf(buf, sizeof(buf), "0");
	else if (out->bytes || out->json)
		snprintf(buf, sizeof(buf), "%s%" PRIu64, now < before ? "-" : out->json ? "" : "+", d);
	else
		snprintf(buf, sizeof(buf), "%c%s", now < before ? '-' : '+',
			 size_to_human(d, human, sizeof(human)));
	output_set_str(out, ln, id, buf);
}

void interval_delta(struct output *out, struct libscols_line *ln, pid_t pid, uint64_t locked,
		    uint64_t swap, int id_locked, int id_swap)
{
	struct seen key = { .pid = pid }, *p, *was;

	if (!active)
		return;
	if (ncur == capcur) {
		p = reallocarray(cur, capcur * 2 + 64, sizeof(*cur));
		if (p == NULL)
			err(EXIT_FAILURE, "cannot allocate memory");
		cur = p;
		capcur = capcur * 2 + 64;
	}
	cur[ncur++] = (struct seen){ pid, locked, swap };
	was = nprev ? bsearch(&key, prev, nprev, sizeof(*prev), cmp_seen) : NULL;
	if (was == NULL)
		return;
	set_delta(out, ln, id_locked, locked, was->locked);
	set_delta(out, ln, id_swap, swap, was->swap);
}

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

int status_interval(uint64_t ns, unsigned long count, bool json, int (*sample)(void *),
		    void *arg)
{
	struct sigaction sa = { .sa_handler = on_sigint, .sa_flags = SA_RESTART };
	struct timespec next;
	unsigned long n;
	struct seen *t;
	size_t tc;
	int rc = EXIT_SUCCESS;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	active = true;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (n = 0; !interrupted && (count == 0 || n < count); n++) {
		if (n > 0) {
			/* on a fixed beat, however long a sample took: a
			 * sleep interrupted by ^C is not restarted */
			next.tv_sec += (time_t)(ns / 1000000000u);
			next.tv_nsec += (long)(ns % 1000000000u);
			if (next.tv_nsec >= 1000000000L) {
				next.tv_sec++;
				next.tv_nsec -= 1000000000L;
			}
			while (!interrupted &&
			       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
				;
			if (interrupted)
				break;
			if (!json)
				putchar('\n');
		}
		ncur = 0;
		rc = sample(arg);
		fflush(stdout);
		qsort(cur, ncur, sizeof(*cur), cmp_seen);
		t = prev;
		tc = capprev;
		prev = cur;
		capprev = capcur;
		nprev = ncur;
		cur = t;
		capcur = tc;
		if (rc == EXIT_FAILURE)
			break;
	}
	free(prev);
	free(cur);
	active = false;
	return interrupted && rc != EXIT_FAILURE ? EXIT_SUCCESS : rc;
}
