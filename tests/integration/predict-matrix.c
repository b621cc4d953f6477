// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The predictor against the real kernel. For every cell of
 *   credentials (root; uid 65534 without capabilities; the same inside a
 *   child user namespace, where it holds every capability of that namespace)
 *   x soft/hard RLIMIT_MEMLOCK (0, 4095, 1 page, 64 KiB, 8 MiB)
 *   x address-space size (natural; for 8 MiB also exactly the limit, and one
 *     page over it)
 *   x request (every mlockall flag combination and two invalid ones; mlock of
 *     1 byte, 1 page, more than the limit, with and without an address;
 *     mlock2 ONFAULT and bad flags; a zero length and one that wraps; with
 *     VmLck already over the limit; a range partly locked already, fitting by
 *     the overlap discount and one page over it; a hole; PROT_NONE)
 * a fresh victim is set up, memlock_predict() is asked from outside, then the
 * victim performs the call: verdict and errno must match in every cell.
 *
 * Usage: predict-matrix VICTIM      (TAP on stdout)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memlock.h"

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

enum cred { ROOT, NOBODY, USERNS };
static const char *const cred_name[] = { "root", "uid65534", "uid65534+userns" };

struct victim {
	pid_t pid;
	FILE *in, *out;
};

static const char *victim_path;
static long page;
static int cells, mismatches, tests;

static int victim_start(struct victim *v, enum cred cred)
{
	int to[2], from[2];
	char line[64];

	if (pipe2(to, O_CLOEXEC) < 0 || pipe2(from, O_CLOEXEC) < 0)
		return -errno;
	v->pid = fork();
	if (v->pid < 0)
		return -errno;
	if (v->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		if (cred == ROOT)
			execl(victim_path, victim_path, (char *)NULL);
		else
			execlp("setpriv", "setpriv", "--reuid=65534", "--regid=65534",
			       "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--",
			       victim_path, (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	v->in = fdopen(to[1], "w");
	v->out = fdopen(from[0], "r");
	setvbuf(v->in, NULL, _IOLBF, 0);
	if (fgets(line, sizeof(line), v->out) == NULL || strncmp(line, "ready", 5) != 0)
		return -EPROTO;
	return 0;
}

static void victim_stop(struct victim *v)
{
	int st;

	fprintf(v->in, "quit\n");
	fclose(v->in);
	fclose(v->out);
	if (waitpid(v->pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		printf("# victim %d did not exit cleanly (status 0x%x)\n", (int)v->pid, st);
}

/* Send a command; 0 and @reply on "ok", the errno on "err ENAME". */
static int cmd(struct victim *v, char *reply, size_t sz, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vfprintf(v->in, fmt, ap);
	va_end(ap);
	fputc('\n', v->in);
	fflush(v->in);
	if (fgets(buf, sizeof(buf), v->out) == NULL)
		return -EPIPE;
	buf[strcspn(buf, "\n")] = '\0';
	if (reply)
		snprintf(reply, sz, "%.63s", buf + (strncmp(buf, "ok ", 3) == 0 ? 3 : 0));
	if (strncmp(buf, "ok", 2) == 0)
		return 0;
	for (int e = 1; e < 200; e++)
		if (strerrorname_np(e) && strcmp(buf + 4, strerrorname_np(e)) == 0)
			return e;
	return -EPROTO;
}

static unsigned long long map(struct victim *v, const char *how, unsigned long long pages)
{
	char r[64];

	if (cmd(v, r, sizeof(r), "%s %llu", how, pages) != 0)
		return 0;
	return strtoull(r, NULL, 0);
}

struct cell {
	enum cred cred;
	unsigned long long limit;
	int vmsize;		/* 0 natural, 1 exactly the limit, 2 one page over */
	const char *name;
	struct memlock_request req, req2;	/* req2: the same call without address */
	bool has_req2;
};

/* What the call does in the victim, as a command line. */
static void call_line(const struct memlock_request *r, char *buf, size_t sz)
{
	if (r->op == MEMLOCK_OP_MLOCKALL)
		snprintf(buf, sz, "mlockall %u", r->kflags);
	else if (r->op == MEMLOCK_OP_MLOCK2)
		snprintf(buf, sz, "mlock2 0x%llx %llu %u", (unsigned long long)r->addr,
			 (unsigned long long)r->len, r->kflags);
	else
		snprintf(buf, sz, "mlock 0x%llx %llu", (unsigned long long)r->addr,
			 (unsigned long long)r->len);
}

static void compare(const struct cell *c, const struct memlock_verdict *v, int real,
		    const char *variant, int *bad)
{
	bool ok = memlock_verdict_ok(v);
	int err = memlock_verdict_err(v);

	cells++;
	if (ok == (real == 0) && (ok || err == real))
		return;
	printf("# MISMATCH %s limit=%llu vmsize=%d %s%s: predicted %s, kernel %s\n"
	       "#   reason: %s\n",
	       cred_name[c->cred], c->limit, c->vmsize, c->name, variant,
	       ok ? "ok" : strerrorname_np(err), real ? strerrorname_np(real) : "ok",
	       memlock_verdict_reason(v));
	(*bad)++;
}

/* Set up one cell in a fresh victim, predict from outside, perform, compare.
 * Returns 0, or -1 when the cell could not be set up. */
static int run_cell(struct cell *c, int *bad)
{
	unsigned long long lim_pages = c->limit / (unsigned long long)page, a = 0, k, n;
	struct memlock_verdict *v1 = memlock_verdict_new(), *v2 = memlock_verdict_new();
	struct memlock_status st = { .sz = sizeof(st) };
	struct victim v;
	char line[128];
	int real;

	if (v1 == NULL || v2 == NULL || victim_start(&v, c->cred) < 0) {
		memlock_verdict_free(v1);
		memlock_verdict_free(v2);
		return -1;
	}
	/* in its own user namespace the victim holds every capability, CAP_IPC_LOCK
	 * included: make sure, or the cell would not test what it claims */
	if (c->cred == USERNS &&
	    (cmd(&v, NULL, 0, "userns") != 0 || memlock_proc_read_status(NULL, v.pid, &st) < 0 ||
	     !(st.cap_eff & (1ull << 14))))
		goto fail;
	if (strncmp(c->name, "over-", 5) == 0) {
		/* VmLck above the limit: lock one page more than it allows under
		 * the inherited limit, then lower the limit (allowed to anyone) */
		a = map(&v, "map", lim_pages + 2);
		if (a == 0 || cmd(&v, NULL, 0, "mlock 0x%llx %llu", a, (lim_pages + 1) * page) != 0)
			goto fail;
		a += (lim_pages + 1) * page;	/* the page left unlocked */
	}
	if (cmd(&v, NULL, 0, "limit %llu %llu", c->limit, c->limit) != 0)
		goto fail;
	if (strncmp(c->name, "over-", 5) == 0) {
		/* set up above */
	} else if (strcmp(c->name, "mlock-1byte") == 0 || strcmp(c->name, "mlock-1page") == 0 ||
		   strcmp(c->name, "mlock-zero") == 0 || strcmp(c->name, "mlock-wrap") == 0 ||
		   strncmp(c->name, "mlock2", 6) == 0) {
		a = map(&v, "map", 1);
	} else if (strcmp(c->name, "mlock-over") == 0) {
		a = map(&v, "map", lim_pages + 1);
	} else if (strncmp(c->name, "range", 5) == 0) {
		/* prelock k pages, then ask for a range overlapping k/2 of them
		 * whose naive sum is over the limit but fits after the discount
		 * (range-fits), or is one page over even after it (range-over) */
		k = lim_pages / 2;
		a = map(&v, "map", lim_pages + 4);
		if (a == 0 || cmd(&v, NULL, 0, "mlock 0x%llx %llu", a, k * page) != 0)
			goto fail;
		n = lim_pages - k / 2 + (strcmp(c->name, "range-over") == 0);
		c->req.addr = a + k / 2 * page;
		c->req.len = n * page;
		a = 0;
	} else if (strcmp(c->name, "hole") == 0) {
		a = map(&v, "map", 4);
		if (a == 0 || cmd(&v, NULL, 0, "unmap 0x%llx 1", a + page) != 0)
			goto fail;
	} else if (strcmp(c->name, "protnone") == 0) {
		a = map(&v, "mapnone", 2);
	}
	if (c->req.has_addr && c->req.op != MEMLOCK_OP_MLOCKALL && strncmp(c->name, "range", 5)) {
		if (a == 0)
			goto fail;
		c->req.addr = a;
	}
	if (c->vmsize) {
		unsigned long long target = lim_pages + (c->vmsize == 2), have;

		if (memlock_proc_read_status(NULL, v.pid, &st) < 0)
			goto fail;
		have = st.vm_size / (unsigned long long)page;
		if (have >= target || map(&v, "mapnone", target - have) == 0)
			goto fail;
		if (memlock_proc_read_status(NULL, v.pid, &st) < 0 ||
		    st.vm_size / (unsigned long long)page != target)
			goto fail;
	}
	/* ask first (both forms of the question), then do it for real */
	if (memlock_predict(NULL, v.pid, &c->req, v1) < 0)
		goto fail;
	if (c->has_req2) {
		c->req2 = c->req;
		c->req2.has_addr = false;
		c->req2.addr = 0;
		if (memlock_predict(NULL, v.pid, &c->req2, v2) < 0)
			goto fail;
	}
	call_line(&c->req, line, sizeof(line));
	real = cmd(&v, NULL, 0, "%s", line);
	if (real < 0)
		goto fail;
	compare(c, v1, real, "", bad);
	if (c->has_req2)
		compare(c, v2, real, " (size only)", bad);
	victim_stop(&v);
	memlock_verdict_free(v1);
	memlock_verdict_free(v2);
	return 0;
fail:
	printf("# setup failed: %s limit=%llu vmsize=%d %s\n", cred_name[c->cred], c->limit,
	       c->vmsize, c->name);
	victim_stop(&v);
	memlock_verdict_free(v1);
	memlock_verdict_free(v2);
	return -1;
}

static int run_group(enum cred cred, unsigned long long limit, int vmsize)
{
	static const unsigned int mcl[] = { 0, MCL_CURRENT, MCL_FUTURE, MCL_CURRENT | MCL_FUTURE,
					    MCL_ONFAULT, MCL_CURRENT | MCL_ONFAULT,
					    MCL_FUTURE | MCL_ONFAULT,
					    MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT, 8,
					    MCL_CURRENT | 0x10 };
	unsigned long long lim_pages = limit / (unsigned long long)page;
	int bad = 0, before = cells, setup_failed = 0;
	struct cell c;
	size_t i;

#define CELL(n, o, fl, ln, r2)                                                          \
	do {                                                                            \
		memset(&c, 0, sizeof(c));                                               \
		c.cred = cred;                                                          \
		c.limit = limit;                                                        \
		c.vmsize = vmsize;                                                      \
		c.name = (n);                                                           \
		c.req.op = (o);                                                         \
		c.req.kflags = (fl);                                                    \
		c.req.len = (ln);                                                       \
		c.req.has_addr = (o) != MEMLOCK_OP_MLOCKALL;                            \
		c.has_req2 = (r2);                                                      \
		if (run_cell(&c, &bad) < 0)                                             \
			setup_failed++;                                                 \
	} while (0)

	for (i = 0; i < sizeof(mcl) / sizeof(mcl[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "mlockall-0x%x", mcl[i]);
		CELL(name, MEMLOCK_OP_MLOCKALL, mcl[i], 0, false);
	}
	CELL("mlock-1byte", MEMLOCK_OP_MLOCK, 0, 1, true);
	CELL("mlock-1page", MEMLOCK_OP_MLOCK, 0, (unsigned long long)page, true);
	/* a mapping over the limit cannot fit an address space the size of it */
	if (vmsize == 0)
		CELL("mlock-over", MEMLOCK_OP_MLOCK, 0, (lim_pages + 1) * (unsigned long long)page,
		     true);
	/* no shortcut for a zero length, nor for one that wraps: the limit test
	 * runs first (ENOMEM), the range test after it (EINVAL with the
	 * capability) */
	CELL("mlock-zero", MEMLOCK_OP_MLOCK, 0, 0, true);
	CELL("mlock-wrap", MEMLOCK_OP_MLOCK, 0, ~0ull - (unsigned long long)page + 1, false);
	/* VmLck already over the limit (set up under the inherited 8 MiB) */
	if (limit < (8u << 20) && vmsize == 0) {
		CELL("over-zero", MEMLOCK_OP_MLOCK, 0, 0, true);
		CELL("over-1page", MEMLOCK_OP_MLOCK, 0, (unsigned long long)page, true);
		CELL("over-future", MEMLOCK_OP_MLOCKALL, MCL_FUTURE, 0, false);
	}
	CELL("mlock2-onfault", MEMLOCK_OP_MLOCK2, 1, (unsigned long long)page, true);
	CELL("mlock2-badflags", MEMLOCK_OP_MLOCK2, 2, (unsigned long long)page, false);
	CELL("hole", MEMLOCK_OP_MLOCK, 0, 4 * (unsigned long long)page, false);
	CELL("protnone", MEMLOCK_OP_MLOCK, 0, 2 * (unsigned long long)page, false);
	if (lim_pages >= 4 && vmsize == 0) {
		CELL("range-fits", MEMLOCK_OP_MLOCK, 0, 0, false);
		CELL("range-over", MEMLOCK_OP_MLOCK, 0, 0, false);
	}
	tests++;
	printf("%s %d - predict: %s, limit %llu, address space %s: %d cells%s\n",
	       bad || setup_failed ? "not ok" : "ok", tests, cred_name[cred], limit,
	       vmsize == 0 ? "natural" : vmsize == 1 ? "= limit" : "= limit + 1 page",
	       cells - before, setup_failed ? " (setup failed)" : "");
	fflush(stdout);
	mismatches += bad;
	return bad;
}

int main(int argc, char **argv)
{
	static const unsigned long long limits[] = { 0, 4095, 4096, 65536, 8 << 20 };
	int groups = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: predict-matrix VICTIM\n");
		return 2;
	}
	victim_path = argv[1];
	page = sysconf(_SC_PAGESIZE);
	signal(SIGPIPE, SIG_IGN);
	if (geteuid() != 0) {
		printf("1..0 # SKIP the matrix needs root (to run victims as root and as uid 65534)\n");
		return 0;
	}
	for (int cred = ROOT; cred <= USERNS; cred++) {
		for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
			run_group(cred, limits[l], 0);
			groups++;
			if (limits[l] >= (4u << 20)) {
				run_group(cred, limits[l], 1);
				run_group(cred, limits[l], 2);
				groups += 2;
			}
		}
	}
	printf("# matrix: %d cells (3 credentials x 5 limits x 1-3 address-space sizes x "
	       "19-24 requests, size-only variants included), %d mismatches\n",
	       cells, mismatches);
	printf("1..%d\n", tests);
	return 0;
}
