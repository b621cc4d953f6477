// SPDX-License-Identifier: GPL-2.0-or-later
/* Shared by cmd-attach.c and cmd-unlock.c. */
#include <getopt.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "fixes.h"
#include "inject.h"
#include "json.h"
#include "output.h"


static void record(long nr, const long args[6], long ret, void *data)
{
	struct inject_report *rep = data;
	struct call_record *c;

	if (rep->ncalls == INJECT_MAX_CALLS) {
		rep->dropped++;
		return;
	}
	c = &rep->calls[rep->ncalls++];
	c->nr = nr;
	c->args[0] = args[0];
	c->args[1] = args[1];
	c->args[2] = args[2];
	c->ret = ret;
}

void inject_refusal_json(pid_t pid, const struct memlock_verdict *why, int err,
			 const char *reason)
{
	struct json_object *o = json_new_object();

	/* "error" and "message" as in the attach result: symbol and text */
	json_put_int(o, "pid", pid);
	json_put_errno(o, "error", err);
	json_put_str(o, "cause", memlock_cause_name(memlock_verdict_cause(why)));
	json_put_str(o, "reason", reason);
	json_put_fixes(o, why);
	json_print(o);
}

/* The refusal of memlock_target_open(), said. */
static void refused(const struct inject_args *a, const struct memlock_verdict *why)
{
	bool unlock = a->cmd && strcmp(a->cmd, "unlock") == 0;
	int err = memlock_verdict_err(why) ? memlock_verdict_err(why) : errno;
	char reason[512];
	size_t len;

	snprintf(reason, sizeof(reason), "%s",
		 memlock_verdict_reason(why)[0] ? memlock_verdict_reason(why) : strerror(err));
	len = strlen(reason);
	/* the library words a kernel thread's refusal for a lock */
	if (unlock && memlock_verdict_cause(why) == MEMLOCK_CAUSE_KERNEL_THREAD && len > 8 &&
	    strcmp(reason + len - 8, " to lock") == 0 && len + 2 < sizeof(reason))
		strcpy(reason + len - 4, "unlock");
	warnx("cannot %s process %d: %s", unlock ? "unlock" : "attach to", (int)a->pid, reason);
	hint_fixes(why);
	if (a->json)
		inject_refusal_json(a->pid, why, err, reason);
}

struct memlock_target *inject_open(const struct inject_args *a, struct inject_report *rep)
{
	struct memlock_verdict *why = memlock_verdict_new();
	struct memlock_status st = { .sz = sizeof(st) };
	struct memlock_target *t;

	if (why == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	t = memlock_target_open(a->pid, a->tflags, why);
	if (t == NULL)
		refused(a, why);
	memlock_verdict_free(why);
	if (t == NULL)
		return NULL;
	if (a->tid && memlock_target_set_tid(t, a->tid) < 0) {
		warnx("process %d has no thread %d", (int)a->pid, (int)a->tid);
		hint("its threads: ls /proc/%d/task", (int)a->pid);
		memlock_target_close(t);
		return NULL;
	}
	rep->pid = a->pid;
	rep->json = a->json;
	rep->attach = strcmp(a->cmd, "attach") == 0;
	rep->nsel = a->nranges > 0;
	if (memlock_proc_read_status(NULL, a->pid, &st) == 0) {
		rep->vmlck_before = st.vm_lck;
		snprintf(rep->comm, sizeof(rep->comm), "%s", st.name);
	}
	memlock_target_set_call_log(t, record, rep);
	if (guard_rescue && memlock_target_set_rescue(t, guard_rescue) < 0)
		guard_rescue = NULL;
	return t;
}

void call_name(const struct call_record *c, char *buf, size_t sz)
{
	long f = c->args[0];

	if (c->nr == SYS_mlockall) {
		static const struct { long bit; const char *name; } mcl[] = {
			{ MCL_CURRENT, "MCL_CURRENT" }, { MCL_FUTURE, "MCL_FUTURE" },
			{ MCL_ONFAULT, "MCL_ONFAULT" },
		};
		size_t n = 0;

		n += (size_t)snprintf(buf, sz, "mlockall(");
		for (size_t i = 0; i < ARRAY_SIZE(mcl) && n < sz; i++)
			if (f & mcl[i].bit)
				n += (size_t)snprintf(buf + n, sz - n, "%s%s",
						      buf[n - 1] == '(' ? "" : "|", mcl[i].name);
		if (n < sz)
			snprintf(buf + n, sz - n, ")");
	}
	else if (c->nr == SYS_munlockall)
		snprintf(buf, sz, "munlockall()");
	else if (c->nr == SYS_mlock2)
		snprintf(buf, sz, "mlock2(0x%lx, %ld, MLOCK_ONFAULT)", c->args[0], c->args[1]);
	else if (c->nr == SYS_madvise)
		snprintf(buf, sz, "madvise(0x%lx, %ld, %s)", c->args[0], c->args[1],
			 c->args[2] == MADV_POPULATE_WRITE ? "MADV_POPULATE_WRITE"
							   : "MADV_POPULATE_READ");
	else if (c->nr == SYS_mlock || c->nr == SYS_munlock)
		snprintf(buf, sz, "%s(0x%lx, %ld)", c->nr == SYS_mlock ? "mlock" : "munlock",
			 c->args[0], c->args[1]);
	else
		snprintf(buf, sz, "syscall %ld(0x%lx, 0x%lx, 0x%lx)", c->nr, c->args[0], c->args[1],
			 c->args[2]);
}

static int add_range(const char *arg, struct range_arg **r, size_t *n)
{
	struct range_arg *nr;
	uint64_t s, e;

	if (parse_range(arg, &s, &e) < 0)
		return -EINVAL;
	nr = realloc(*r, (*n + 1) * sizeof(**r));
	if (nr == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	*r = nr;
	nr[*n].start = s;
	nr[(*n)++].end = e;
	return 0;
}

/* Does the mapping's path name @name: the whole path, or its last part?
 * A file replaced or removed since it was mapped still counts. */
static bool names(const char *path, const char *name)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(path), dl = sizeof(deleted) - 1, nl = strlen(name);
	const char *base;

	if (len > dl && strcmp(path + len - dl, deleted) == 0)
		len -= dl;
	base = memrchr(path, '/', len);
	return (len == nl && memcmp(path, name, nl) == 0) ||
	       (base && (size_t)(path + len - base - 1) == nl && memcmp(base + 1, name, nl) == 0);
}

static void push(struct range_arg **r, size_t *n, size_t *cap, uint64_t s, uint64_t e)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*r = reallocarray(*r, *cap, sizeof(**r));
		if (*r == NULL)
			err(EXIT_FAILURE, "cannot allocate memory");
	}
	(*r)[*n].start = s;
	(*r)[(*n)++].end = e;
}

static int by_start(const void *x, const void *y)
{
	const struct range_arg *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/* Is every lockable mapping (@m, in address order) inside the selection (all
 * of them without one) locked already? mlock and mlockall skip the same
 * special ones. One pass over both, sorted: 20,000 of each is no product. */
static bool all_locked(const struct inject_args *a, const struct range_arg *m, size_t nm)
{
	struct range_arg *r = NULL;
	size_t i, j = 0, nr = 0, seen = 0;
	bool ok = true;

	if (a->nranges) {
		r = malloc(a->nranges * sizeof(*r));
		if (r == NULL)
			err(EXIT_FAILURE, "cannot allocate memory");
		memcpy(r, a->ranges, a->nranges * sizeof(*r));
		qsort(r, a->nranges, sizeof(*r), by_start);
		for (i = 0; i < a->nranges; i++)	/* merged: disjoint, in order */
			if (nr && r[i].start <= r[nr - 1].end) {
				if (r[i].end > r[nr - 1].end)
					r[nr - 1].end = r[i].end;
			} else {
				r[nr++] = r[i];
			}
	}
	for (i = 0; i < nm && ok; i++) {
		while (j < nr && r[j].end <= m[i].start)
			j++;
		if (a->nranges && !(j < nr && r[j].start < m[i].end))
			continue;
		ok = m[i].locked;
		seen++;
	}
	free(r);
	return ok && seen > 0;
}

/*
 * One read of the maps for everything: the ranges of every --mapping name
 * (in address order; a mapping that two names match, once), and whether the
 * selection is locked already. Reading them once per name or per range made
 * 30,000 mappings take minutes.
 */
static int read_maps(struct inject_args *a, size_t *missing)
{
	struct memlock_proc_maps *it = memlock_proc_maps_open(proc_root, a->pid);
	struct range_arg *all = NULL;
	struct memlock_mapping m = { .sz = sizeof(m) };
	bool found[ARRAY_SIZE(a->mappings)] = { 0 };
	size_t nall = 0, cap = 0, rcap = a->nranges, i;
	int rc;

	a->maps_read = true;
	if (it == NULL)
		return -errno;
	while ((rc = memlock_proc_maps_next(it, &m)) == 0) {
		bool hit = false;

		for (i = 0; i < a->nmappings; i++)
			if (names(m.path, a->mappings[i]))
				hit = found[i] = true;
		if (hit)
			push(&a->ranges, &a->nranges, &rcap, m.start, m.end);
		if ((m.vmflags & (MEMLOCK_VMA_IO | MEMLOCK_VMA_PFNMAP | MEMLOCK_VMA_DONTEXPAND |
				  MEMLOCK_VMA_MIXEDMAP | MEMLOCK_VMA_HUGETLB |
				  MEMLOCK_VMA_DROPPABLE)) ||
		    strcmp(m.path, "[vsyscall]") == 0)
			continue;
		push(&all, &nall, &cap, m.start, m.end);
		all[nall - 1].locked = m.vmflags & MEMLOCK_VMA_LOCKED;
	}
	memlock_proc_maps_close(it);
	if (rc < 0) {
		free(all);
		return rc;
	}
	a->already_locked = all_locked(a, all, nall);
	free(all);
	for (i = 0; i < a->nmappings; i++)
		if (!found[i]) {
			*missing = i;
			return -ENOENT;
		}
	return 0;
}

int inject_option(struct inject_args *a, int c, const char *arg)
{
	switch (c) {
	case 'P':
		a->max_pause = inject_parse_pause(arg);
		return 1;
	case 'n':
		a->dry = true;
		return 1;
	case 'R':
		if (add_range(arg, &a->ranges, &a->nranges) < 0) {
			warnx("invalid range: '%s'", user_str(arg));
			hint("give START-END in hex as /proc/PID/maps shows it, END above START");
			exit(EXIT_FAILURE);
		}
		return 1;
	case 'm':
		if (arg[0] == '\0')
			errx(EXIT_FAILURE, "--mapping needs a name: an empty one would match every "
					   "anonymous mapping (give --range for those)");
		for (size_t i = 0; i < a->nmappings; i++)
			if (strcmp(a->mappings[i], arg) == 0)
				return 1;	/* given twice: its ranges once */
		if (a->nmappings == ARRAY_SIZE(a->mappings))
			errx(EXIT_FAILURE, "too many --mapping options");
		a->mappings[a->nmappings++] = arg;
		return 1;
	case 't':
		if (parse_pid(arg, &a->tid) < 0) {
			warnx("invalid thread ID: '%s'", user_str(arg));
			hint("a thread ID is a positive decimal number, as ls /proc/PID/task shows it");
			exit(EXIT_FAILURE);
		}
		return 1;
	case OPT_FORCE:
		a->tflags |= MEMLOCK_F_FORCE;
		return 1;
	case 'J':
		a->json = true;
		return 1;
	}
	return 0;
}

void inject_args_finish(struct inject_args *a, int argc, char **argv, const char *cmd,
			struct targets *tg)
{
	if (optind >= argc && !tg->keyed) {
		warnx("no PID given");
		errtryhelp(cmd);
	}
	a->cmd = cmd;
	targets_operands(tg, argc - optind, argv + optind);
	if (a->tid && (tg->keyed || tg->npids > 1)) {
		warnx("--tid names a thread of one process: give one PID with it");
		errtryhelp(cmd);
	}
	a->nranges_given = a->nranges;
}

/* Set up @a for process @pid: with --mapping, one read of its maps (the
 * names into ranges, and @already_locked). 0, or EXIT_FAILURE said. */
static int args_target(struct inject_args *a, pid_t pid)
{
	size_t i = SIZE_MAX;
	int rc;

	a->pid = pid;
	a->nranges = a->nranges_given;
	a->maps_read = a->already_locked = false;
	if (a->nmappings == 0)
		return 0;	/* (read by inject_check_locked(), if needed) */
	rc = read_maps(a, &i);
	if (rc == -ENOENT && i < a->nmappings) {
		warnx("process %d has no mapping named '%s'", (int)a->pid,
		      user_str(a->mappings[i]));
		hint("see its mappings: memlock status --maps %d", (int)a->pid);
		return EXIT_FAILURE;
	}
	if (rc < 0) {
		warn_rc(rc == -ENOENT ? -ESRCH : rc, "cannot read the mappings of process %d", (int)a->pid);
		return EXIT_FAILURE;
	}
	return 0;
}

int inject_each(struct inject_args *a, const struct targets *tg,
		int (*one)(struct inject_args *a, void *arg), void *arg)
{
	size_t i, n = tg->npids, denied = 0, failed = 0;
	const pid_t *pids = tg->pids;
	pid_t *matched = NULL;
	int rc = EXIT_SUCCESS;

	if (tg->keyed) {
		pids = matched = targets_match(tg, &n, &denied);
		if (n == 0) {
			warnx("no process matches %s", targets_str(tg));
			if (denied)
				hint("%zu process%s could not be checked: run memlock as root", denied,
				     denied == 1 ? "" : "es");
			else
				hint("see the processes with: memlock status %s", targets_str(tg));
			return EXIT_FAILURE;
		}
	}
	for (i = 0; i < n; i++) {
		rc = args_target(a, pids[i]);
		if (rc == 0)
			rc = one(a, arg);
		failed += rc != EXIT_SUCCESS;
	}
	free(matched);
	if (n == 1 || failed == 0)
		return rc;	/* (one process: its own status, as always) */
	return failed == n ? EXIT_FAILURE : EXIT_SOMEOK;
}

/* --max-pause MS, 1 ms to 1 hour */
uint64_t inject_parse_pause(const char *arg)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || v == 0 || v > 3600 * 1000 || *arg == '-') {
		warnx("invalid --max-pause: '%s'", user_str(arg));
		hint("give milliseconds, from 1 to 3600000");
		exit(EXIT_FAILURE);
	}
	return v * 1000000;
}

void inject_check_locked(struct inject_args *a, const struct inject_report *rep)
{
	size_t i;

	/* nothing locked, nothing to read; a process that cannot be read is
	 * not said to be locked */
	if (!a->maps_read && rep->vmlck_before)
		(void)read_maps(a, &i);
}

void inject_args_free(struct inject_args *a)
{
	free(a->ranges);
	a->ranges = NULL;
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void render_json(const struct inject_report *rep, const struct memlock_stop_stats *st,
			const struct call_record *failed, int rc)
{
	struct json_object *o = json_new_object(), *calls = json_new_array();
	char name[96];
	size_t i;

	json_put_int(o, "pid", rep->pid);
	json_put_str(o, "command", rep->comm);
	json_put_u64(o, "vmlck_before", rep->vmlck_before);
	json_put_u64(o, "vmlck_after", rep->vmlck_after);
	for (i = 0; i < rep->ncalls; i++) {
		struct json_object *c = json_new_object();
		long ret = rep->calls[i].ret;

		call_name(&rep->calls[i], name, sizeof(name));
		json_put_str(c, "call", name);
		json_put_int(c, "ret", ret);
		if (ret < 0)
			json_put_str(c, "errno", strerrorname_np((int)-ret) ?: "?");
		else
			json_put_null(c, "errno");
		json_put(calls, NULL, c);
	}
	json_put(o, "calls", calls);
	json_put_int(o, "stops", st->stops);
	json_put_ms(o, "longest_stop_ms", st->longest_ns);
	json_put_ms(o, "total_stop_ms", st->total_ns);
	json_put_int(o, "tid", st->tid);
	json_put_str(o, "thread", st->why_tid ? st->why_tid : "");
	json_put_bool(o, "eintr_risk", st->eintr_risk);
	json_put_bool(o, "job_stopped", st->job_stopped);
	if (rep->attach && rep->already_locked < 0)
		json_put_null(o, "already_locked");
	else if (rep->attach)
		json_put_bool(o, "already_locked", rep->already_locked);
	/* the errno symbol, and its text in "message", as in a refusal */
	json_put_errno(o, "error", rc < 0 ? -rc : !failed && rep->ret < 0 ? (int)-rep->ret : 0);
	json_print(o);
}

static void render_text(const struct inject_report *rep, const struct memlock_stop_stats *st)
{
	char name[96], b1[32], b2[32];
	size_t i;

	printf("process %d (%s): VmLck %s -> %s\n", (int)rep->pid, user_str(rep->comm),
	       size_to_human(rep->vmlck_before, b1, sizeof(b1)),
	       size_to_human(rep->vmlck_after, b2, sizeof(b2)));
	for (i = 0; i < rep->ncalls; i++) {
		/* chunked locking makes many calls: show the first and last few */
		if (rep->ncalls > 12 && i == 4)
			printf("  ... %zu more calls ...\n", rep->ncalls - 8);
		if (rep->ncalls > 12 && i >= 4 && i < rep->ncalls - 4)
			continue;
		call_name(&rep->calls[i], name, sizeof(name));
		if (rep->calls[i].ret < 0)
			printf("  %s = -1 %s (%s)\n", name,
			       strerrorname_np((int)-rep->calls[i].ret) ?: "?",
			       strerror((int)-rep->calls[i].ret));
		else
			printf("  %s = %ld\n", name, rep->calls[i].ret);
	}
	if (rep->attach && rep->already_locked > 0)
		printf("process %d had every mapping %slocked already, before this attach\n",
		       (int)rep->pid, rep->nsel ? "asked for " : "");
	if (st->stops)
		printf("stopped thread %d (%s): %u stop%s, longest %.2f ms, total %.2f ms\n",
		       (int)st->tid, st->why_tid ? st->why_tid : "", st->stops,
		       st->stops == 1 ? "" : "s", ms(st->longest_ns), ms(st->total_ns));
}

/* The hint after a failed injection (-errno @rc). */
static void injection_hint(const struct inject_report *rep, int rc)
{
	if (rc == -EPERM)
		hint("ptrace was refused: run as root, or check kernel.yama.ptrace_scope");
	else if (rc == -EAGAIN)
		hint("its threads are all in D state (ps -L -o tid,stat,wchan -p %d): try "
		     "again once the I/O or the vfork child is done",
		     (int)rep->pid);
	else if (rc == -ENOSYS)
		hint("its seccomp filter kills on mlock*: lock it as root in the initial user "
		     "namespace (the filter is suspended then), never with --force");
	else if (rc == -EBUSY)
		hint("another tracer (a second memlock, a debugger, strace) holds it: try "
		     "again when it is done (grep TracerPid /proc/%d/status)",
		     (int)rep->pid);
	else if (rc == -EINTR)
		hint("--no-eintr: every thread stayed in an EINTR-prone wait (epoll_wait and "
		     "the like); without --no-eintr memlock goes ahead and says so");
}

/* The hint after the target refused call @failed: the check of that very
 * call, its range, its flags. */
static void refusal_hint(const struct inject_report *rep, const struct call_record *failed)
{
	char args[96] = "";
	long f = failed->args[0];

	if (failed->ret != -ENOMEM && failed->ret != -EPERM)
		return;
	if (failed->nr == SYS_mlock || failed->nr == SYS_mlock2)
		snprintf(args, sizeof(args), "%s --range 0x%lx-0x%lx",
			 failed->nr == SYS_mlock2 ? " --onfault" : "", failed->args[0],
			 failed->args[0] + failed->args[1]);
	else if (failed->nr == SYS_mlockall)
		snprintf(args, sizeof(args), "%s%s%s", f & MCL_CURRENT ? " --current" : "",
			 f & MCL_FUTURE ? " --future" : "", f & MCL_ONFAULT ? " --onfault" : "");
	hint("see why: memlock check -p %d%s", (int)rep->pid, args);
}

int inject_finish(struct memlock_target *t, struct inject_report *rep, int rc)
{
	struct memlock_stop_stats st = { .sz = sizeof(st) };
	struct memlock_status s = { .sz = sizeof(s) };
	const struct call_record *failed = NULL;
	char name[96];
	size_t i;

	if (memlock_target_stats(t, &st) < 0)
		st = (struct memlock_stop_stats){ .sz = sizeof(st) };
	if (memlock_proc_read_status(NULL, rep->pid, &s) == 0)
		rep->vmlck_after = s.vm_lck;
	for (i = 0; i < rep->ncalls && !failed; i++)
		if (rep->calls[i].ret < 0)
			failed = &rep->calls[i];
	if (rep->json)
		render_json(rep, &st, failed, rc);
	else if (rep->ncalls > 0 || rc == 0)	/* a refusal made no call: no report */
		render_text(rep, &st);
	if (st.eintr_risk)
		warnx("thread %d was in an EINTR-prone wait (epoll_wait and the like, or a call "
		      "that returned EINTR at the stop) and no other thread was idle: the program "
		      "may have seen EINTR there",
		      (int)st.tid);
	if (st.job_stopped && !rep->json)
		printf("the process was stopped (job control) and stays stopped\n");
	memlock_target_close(t);
	if (rc < 0) {
		warn_rc(rc, "cannot inject into process %d", (int)rep->pid);
		injection_hint(rep, rc);
		return EXIT_FAILURE;
	}
	if (failed) {
		call_name(failed, name, sizeof(name));
		warnx("process %d refused %s: %s", (int)rep->pid, name, strerror((int)-failed->ret));
		refusal_hint(rep, failed);
		return EXIT_FAILURE;
	}
	if (rep->ret < 0) {
		warnx("process %d kept mapping new memory faster than the bounded passes locked "
		      "it: the lock is incomplete, and MCL_FUTURE was not set",
		      (int)rep->pid);
		hint("try again, or lock in one stop (without --max-pause)");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
