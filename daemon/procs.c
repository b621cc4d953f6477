// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlockd's processes: each one seen is known by its PID and start time
 * (a PID reused is another process), matched against the rules in order
 * (the first that matches owns it) and locked from outside by the
 * library's injection, bounded by the rule's max-pause, the rescue record
 * of the guarded worker set (cli/guard.c). A lock the predictor says would
 * fail is not tried; a failure is kept with its reason and retried only
 * when something changed: an exec, the process's RLIMIT_MEMLOCK, VmLck or
 * capabilities, a reload. After an exec, the lock is done at once (the
 * kernel cleared the old one) and again 200 ms later, when the dynamic
 * loader has mapped the libraries.
 */
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memlockd.h"

#define SETTLE_NS (200ull * 1000000)
#define DEFAULT_PAUSE_NS (100ull * 1000000)

/* starttime, field 22 of /proc/PID/stat, 0 if gone; its comm (field 2) in @comm */
static uint64_t start_time(pid_t pid, char comm[16])
{
	char path[64], buf[1024], *p, *open;
	unsigned long long v = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	open = strchr(buf, '(');
	p = strrchr(buf, ')');	/* (the name may hold anything) */
	if (open == NULL || p == NULL || p < open ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
		   "%*d %*d %*d %*d %*d %*d %llu", &v) != 1)
		return 0;
	snprintf(comm, 16, "%.*s", (int)(p - open - 1), open + 1);
	return v;
}

static void fingerprint(pid_t pid, struct fingerprint *fp)
{
	struct memlock_status st = { .sz = sizeof(st) };
	struct memlock_limits lim = { .sz = sizeof(lim) };

	*fp = (struct fingerprint){ 0 };
	if (memlock_proc_read_limits(NULL, pid, &lim) == 0) {
		fp->soft = lim.soft;
		fp->hard = lim.hard;
	}
	if (memlock_proc_read_status(NULL, pid, &st) == 0) {
		fp->vm_lck = st.vm_lck;
		fp->cap_eff = st.cap_eff;
	}
}

static struct proc *find(struct daemon *d, pid_t pid)
{
	for (size_t i = 0; i < d->nprocs; i++)
		if (d->procs[i].pid == pid)
			return &d->procs[i];
	return NULL;
}

static void forget(struct daemon *d, struct proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	free(p->reason);
	*p = d->procs[--d->nprocs];
}

static struct proc *add(struct daemon *d, pid_t pid, uint64_t start)
{
	struct proc *p;

	if (d->nprocs == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;

		p = realloc(d->procs, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		d->procs = p;
		d->cap = cap;
	}
	p = &d->procs[d->nprocs++];
	*p = (struct proc){ .pid = pid, .start = start, .pidfd = -1 };
	return p;
}

static const struct rule *match(const struct daemon *d, pid_t pid)
{
	for (size_t i = 0; i < d->conf.nrules; i++) {
		const struct rule *r = &d->conf.rules[i];

		if (r->kind == RULE_PROCESS && memlock_selector_match(r->sel, NULL, pid) == 1)
			return r;
	}
	return NULL;
}

static void failed(struct daemon *d, struct proc *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void failed(struct daemon *d, struct proc *p, int err, const char *fmt, ...)
{
	char where[PATH_MAX + 16];
	va_list ap;

	free(p->reason);
	va_start(ap, fmt);
	if (vasprintf(&p->reason, fmt, ap) < 0)
		p->reason = NULL;
	va_end(ap);
	p->state = P_FAILED;
	p->err = err;
	fingerprint(p->pid, &p->fp);
	d->failures_total++;
	logline("cannot lock %d (%s) by rule at %s: %s", (int)p->pid, user_str(p->comm),
		rule_where(p->rule, where, sizeof(where)), p->reason ? p->reason : strerror(err));
}

/* The requests of @r for process @pid: one mlockall, or one mlock per
 * mapping whose path matches the glob (a list to free, its length in @n). */
static struct memlock_request *requests(const struct rule *r, pid_t pid, size_t *n)
{
	struct memlock_mapping m = { .sz = sizeof(m) };
	struct memlock_request *reqs = NULL, *more;
	struct memlock_proc_maps *it;
	size_t cap = 0;

	*n = 0;
	if (r->mappings == NULL) {
		*n = 1;	/* (with NULL: out of memory) */
		reqs = calloc(1, sizeof(*reqs));
		if (reqs)
			reqs[0] = (struct memlock_request){ .op = MEMLOCK_OP_MLOCKALL,
				.kflags = MCL_CURRENT | (r->future ? MCL_FUTURE : 0) |
					  (r->onfault ? MCL_ONFAULT : 0) };
		return reqs;
	}
	it = memlock_proc_maps_open(NULL, pid);
	while (it && memlock_proc_maps_next(it, &m) == 0) {
		if (m.path[0] != '/' || fnmatch(r->mappings, m.path, 0) != 0 ||
		    (m.vmflags & (MEMLOCK_VMA_IO | MEMLOCK_VMA_PFNMAP)))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			more = realloc(reqs, cap * sizeof(*reqs));
			if (more == NULL)
				break;
			reqs = more;
		}
		reqs[(*n)++] = (struct memlock_request){
			.op = r->onfault ? MEMLOCK_OP_MLOCK2 : MEMLOCK_OP_MLOCK,
			.kflags = r->onfault ? MLOCK_ONFAULT : 0, .addr = m.start,
			.len = m.end - m.start, .has_addr = true };
	}
	memlock_proc_maps_close(it);
	return reqs;
}

/* Inject @reqs into @p (predicted to pass); the answer of the first failing call in @ret. */
static int inject(struct proc *p, const struct rule *r, const struct memlock_request *reqs,
		  size_t n, long *ret, struct memlock_verdict *why)
{
	uint64_t pause = r->max_pause_ns ? r->max_pause_ns : DEFAULT_PAUSE_NS;
	struct memlock_target *t = memlock_target_open(p->pid, 0, why);
	unsigned int f = r->onfault ? MEMLOCK_F_ONFAULT : 0;
	int rc = 0;

	if (t == NULL)
		return -errno;
	if (guard_rescue && memlock_target_set_rescue(t, guard_rescue) < 0)
		guard_rescue = NULL;
	*ret = 0;
	if (r->mappings == NULL)
		rc = memlock_target_lock_all(t, MEMLOCK_F_CURRENT | f |
					     (r->future ? MEMLOCK_F_FUTURE : 0), pause, ret);
	for (size_t i = 0; r->mappings && i < n && rc == 0 && *ret == 0; i++)
		rc = memlock_target_lock_range(t, reqs[i].addr, reqs[i].len, f, pause, ret);
	memlock_target_close(t);
	return rc;
}

/* Lock @p by its rule, or record why not; said unless @quiet (a second pass). */
static void lock(struct daemon *d, struct proc *p, bool quiet)
{
	struct memlock_verdict *v = memlock_verdict_new();
	struct memlock_status st = { .sz = sizeof(st) };
	struct memlock_request *reqs;
	char where[PATH_MAX + 16], size[32];
	size_t n, at = 0;
	long ret = 0;
	int rc;

	reqs = requests(p->rule, p->pid, &n);
	if (v == NULL || (reqs == NULL && n)) {
		failed(d, p, ENOMEM, "out of memory");
		goto out;
	}
	if (n && memlock_predict_many(NULL, p->pid, reqs, n, v, &at) == 0 && at < n) {
		failed(d, p, memlock_verdict_err(v), "%s", memlock_verdict_reason(v));
		goto out;
	}
	/* lock=mappings: with none of them mapped (yet), nothing to inject */
	rc = n ? inject(p, p->rule, reqs, n, &ret, v) : 0;
	if (rc == -ESRCH)	/* gone meanwhile: its exit event forgets it */
		goto out;
	if (rc < 0 && memlock_verdict_err(v))
		failed(d, p, -rc, "%s", memlock_verdict_reason(v));
	else if (rc < 0)
		failed(d, p, -rc, "the injection failed: %s", strerror(-rc));
	else if (ret < 0)
		failed(d, p, (int)-ret, "the lock call failed: %s", strerror((int)-ret));
	if (rc < 0 || ret < 0)
		goto out;
	if (memlock_proc_read_status(NULL, p->pid, &st) == 0)
		p->locked = st.vm_lck;
	p->state = P_LOCKED;
	free(p->reason);
	p->reason = NULL;
	p->err = 0;
	d->locks_total += !quiet;
	if (!quiet)
		logline("locked %d (%s) by rule at %s: %s", (int)p->pid, user_str(p->comm),
			rule_where(p->rule, where, sizeof(where)),
			memlock_size_str(p->locked, 0, size, sizeof(size)));
out:
	free(reqs);
	memlock_verdict_free(v);
}

/* Match @p again (a new process, an exec, a reload) and lock it if a rule takes it. */
static void consider(struct daemon *d, struct proc *p, bool exec)
{
	struct memlock_status st = { .sz = sizeof(st) };

	p->rule = match(d, p->pid);
	if (p->rule == NULL) {
		if (p->pidfd >= 0)
			close(p->pidfd);
		p->pidfd = -1;
		p->state = P_NOMATCH;
		return;
	}
	if (memlock_proc_read_status(NULL, p->pid, &st) == 0)
		snprintf(p->comm, sizeof(p->comm), "%s", st.name);
	if (p->pidfd < 0)
		p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	p->relock_at = exec ? now_ns() + SETTLE_NS : 0;
	lock(d, p, false);
}

void proc_seen(struct daemon *d, pid_t pid, enum seen_how how)
{
	char comm[16];
	uint64_t start = start_time(pid, comm);
	struct proc *p = find(d, pid);

	if (start == 0) {	/* gone already */
		if (p)
			forget(d, p);
		return;
	}
	if (p && p->start != start) {	/* the PID was reused */
		forget(d, p);
		p = NULL;
	}
	if (p) {
		p->seen = true;
		/* an exec: the event, or in a scan a new name (the kernel
		 * cleared its locks; a process seen before its exec, as a
		 * fork's child, may match now) */
		if (how == SEEN_EXEC || strcmp(p->stat_comm, comm) != 0) {
			memcpy(p->stat_comm, comm, sizeof(p->stat_comm));
			consider(d, p, true);
		}
		return;
	}
	p = add(d, pid, start);
	if (p == NULL)
		return;
	memcpy(p->stat_comm, comm, sizeof(p->stat_comm));
	p->seen = true;
	consider(d, p, how == SEEN_EXEC);
	/* with the connector, a process no rule takes need not be kept */
	if (p->state == P_NOMATCH && !d->polling)
		forget(d, p);
}

void proc_exit(struct daemon *d, pid_t pid)
{
	struct proc *p = find(d, pid);

	if (p)
		forget(d, p);
}

void procs_scan(struct daemon *d)
{
	struct memlock_proc_pids *it = memlock_proc_pids_open(NULL);
	pid_t pid, self = getpid(), parent = getppid();

	if (it == NULL)
		return;
	for (size_t i = 0; i < d->nprocs; i++)
		d->procs[i].seen = false;
	while (memlock_proc_pids_next(it, &pid) == 0)
		if (pid != self && pid != parent)
			proc_seen(d, pid, SEEN_SCAN);
	memlock_proc_pids_close(it);
	for (size_t i = d->nprocs; i-- > 0;)
		if (!d->procs[i].seen)
			forget(d, &d->procs[i]);
}

/* A locked process whose VmLck fell to 0 has exec'd (poll mode) or was unlocked. */
static bool changed(struct proc *p, bool polling)
{
	struct fingerprint now;

	if (p->state == P_LOCKED && !polling)
		return false;	/* (an exec comes as an event) */
	fingerprint(p->pid, &now);
	if (p->state == P_LOCKED)
		return p->locked && now.vm_lck == 0;
	return memcmp(&now, &p->fp, sizeof(now)) != 0;
}

void procs_tick(struct daemon *d, uint64_t now)
{
	for (size_t i = d->nprocs; i-- > 0;) {
		struct proc *p = &d->procs[i];
		struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

		if (p->state == P_NOMATCH)
			continue;
		if (p->pidfd >= 0 && poll(&pfd, 1, 0) == 1) {	/* it exited */
			forget(d, p);
			continue;
		}
		if (p->relock_at && p->relock_at <= now) {
			p->relock_at = 0;
			if (p->state == P_LOCKED)
				lock(d, p, true);
		} else if (changed(p, d->polling)) {
			consider(d, p, false);
		}
	}
}

uint64_t procs_next_due(const struct daemon *d)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < d->nprocs; i++)
		if (d->procs[i].relock_at && d->procs[i].relock_at < due)
			due = d->procs[i].relock_at;
	return due;
}

/* the new rule that says what @old said, or NULL */
static const struct rule *same_rule(const struct conf *c, const struct rule *old)
{
	for (size_t i = 0; old && i < c->nrules; i++)
		if (strcmp(c->rules[i].text, old->text) == 0)
			return &c->rules[i];
	return NULL;
}

void procs_rematch(struct daemon *d)
{
	for (size_t i = d->nprocs; i-- > 0;) {
		struct proc *p = &d->procs[i];
		const struct rule *was = same_rule(&d->conf, p->rule), *now = match(d, p->pid);

		/* kept: matched by the same rule and locked */
		if (now && was && strcmp(now->text, was->text) == 0 && p->state == P_LOCKED) {
			p->rule = now;
			continue;
		}
		if (now == NULL && !d->polling) {
			forget(d, p);
			continue;
		}
		consider(d, p, false);
	}
	procs_scan(d);	/* and what no rule took before */
}

void procs_free(struct daemon *d)
{
	while (d->nprocs)
		forget(d, &d->procs[d->nprocs - 1]);
	free(d->procs);
	d->procs = NULL;
	d->cap = 0;
}
