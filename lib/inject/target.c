// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A target process for injection: pinned against PID reuse, checked before
 * anything is stopped (so most refusals touch nothing), and the choice of
 * the one thread that will carry the injected syscalls.
 */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "inject/target.h"

int mlk_start_time(pid_t pid, unsigned long long *start)
{
	uint64_t v;
	size_t len;
	char *buf;
	int rc;

	rc = mlk_read_proc(NULL, pid, "stat", &buf, &len);
	if (rc < 0)
		return rc == -ENOENT ? -ESRCH : rc;
	rc = mlk_stat_u64(buf, len, 22, &v);
	free(buf);
	if (rc < 0)
		return -EBADMSG;
	*start = v;
	return 0;
}

uint64_t mlk_own_caps(void)
{
	struct memlock_status st = { .sz = sizeof(st) };

	return memlock_proc_read_status(NULL, 0, &st) == 0 ? st.cap_eff : 0;
}

/* A non-dumpable process's /proc/PID belongs to root. */
static bool owned_by_root(pid_t pid)
{
	char path[64];
	struct stat sb;

	return mlk_proc_pathf(path, sizeof(path), NULL, -1, "%d", (int)pid) == 0 &&
	       stat(path, &sb) == 0 && sb.st_uid == 0;
}

/* Why ptrace would be (or was) refused, as the kernel decides it; @caps:
 * the caller's CapEff. */
static void explain_denied(pid_t pid, const struct memlock_status *st, uint64_t caps,
			   struct memlock_verdict *v)
{
	bool ptrace_cap = caps & (1ull << CAP_SYS_PTRACE);
	struct mlk_fix *x;
	size_t len;
	char *buf;
	int scope = -1;

	if (mlk_read_proc(NULL, -1, "sys/kernel/yama/ptrace_scope", &buf, &len) == 0) {
		scope = atoi(buf);
		free(buf);
	}
	if (scope == 3) {
		x = mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED, MEMLOCK_FIX_PTRACE_SCOPE,
			       "Yama's kernel.yama.ptrace_scope is 3: no process may be traced");
	} else if (!ptrace_cap && scope >= 1) {
		x = mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED, MEMLOCK_FIX_PTRACE_SCOPE,
			       "Yama's kernel.yama.ptrace_scope is %d: only %s may trace process %d",
			       scope, scope == 1 ? "its ancestors and CAP_SYS_PTRACE" : "CAP_SYS_PTRACE",
			       (int)pid);
	} else if (st->ruid != getuid() && !ptrace_cap) {
		x = mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED, MEMLOCK_FIX_PTRACE_AS_OWNER,
			       "process %d belongs to uid %u, and memlock has no CAP_SYS_PTRACE",
			       (int)pid, (unsigned int)st->ruid);
		if (x)
			x->f.uid = st->ruid;
		return;
	} else if (owned_by_root(pid) && st->ruid != 0 && !ptrace_cap) {
		x = mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED, MEMLOCK_FIX_CAP_SYS_PTRACE,
			       "process %d is not dumpable (set-user-ID, file capabilities or "
			       "prctl(PR_SET_DUMPABLE, 0)): only CAP_SYS_PTRACE may trace it",
			       (int)pid);
	} else {
		x = mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED, MEMLOCK_FIX_LSM,
			       "ptrace of process %d is not permitted here", (int)pid);
	}
	if (x) {
		x->f.pid = pid;
		x->f.level = scope;
	}
}

void mlk_explain_ptrace_denied(pid_t pid, const struct memlock_status *st,
			       struct memlock_verdict *v)
{
	explain_denied(pid, st, mlk_own_caps(), v);
}

static bool predict_ptrace_denied(pid_t pid, const struct memlock_status *st, uint64_t caps)
{
	if (caps & (1ull << CAP_SYS_PTRACE))
		return false;
	if (st->ruid != getuid() || st->euid != geteuid())
		return true;
	return owned_by_root(pid) && getuid() != 0;
}

/* ELF class of the file at @path: ELFCLASS32 for ia32, x32 and AArch32. */
int mlk_elf_class(const char *path)
{
	unsigned char id[EI_NIDENT];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, id, sizeof(id));
	close(fd);
	if (n != (ssize_t)sizeof(id) || memcmp(id, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	return id[EI_CLASS];
}

static int exe_class(pid_t pid)
{
	char path[PATH_MAX];
	int rc;

	rc = mlk_proc_pathf(path, sizeof(path), NULL, pid, "exe");
	return rc < 0 ? rc : mlk_elf_class(path);
}

/* A kernel thread (PF_KTHREAD in /proc/PID/stat's flags, field 9), not a
 * process that lost its memory map on its way out. */
static bool is_kthread(pid_t pid)
{
	uint64_t flags = 0;
	size_t len;
	char *buf;

	if (mlk_read_proc(NULL, pid, "stat", &buf, &len) < 0)
		return false;
	(void)mlk_stat_u64(buf, len, 9, &flags);
	free(buf);
	return flags & PF_KTHREAD;
}

/* The thread group of task @tid (any task ID), or -errno. */
static pid_t tgid_of(pid_t tid)
{
	uint64_t v;
	size_t len;
	char *buf;
	int rc;

	if (mlk_read_proc(NULL, tid, "status", &buf, &len) < 0)
		return -ESRCH;
	rc = mlk_field_u64(buf, len, "Tgid", 10, &v);
	free(buf);
	return rc < 0 ? -ESRCH : (pid_t)v;
}

/* What the checks of memlock_target_open() share. */
struct open_ctx {
	struct memlock_target *t;
	struct memlock_status st;
	uint64_t caps;			/* the caller's CapEff, read once */
	struct memlock_verdict *why;	/* may be NULL */
};

/* The reason (and a fix) of a refusal; the errno and cause are the walk's. */
static struct mlk_fix *say(struct open_ctx *c, enum memlock_fix_kind fix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct mlk_fix *say(struct open_ctx *c, enum memlock_fix_kind fix, const char *fmt, ...)
{
	struct mlk_fix *x;
	va_list ap;

	if (c->why == NULL)
		return NULL;
	x = mlk_refuse(c->why, 0, MEMLOCK_CAUSE_NONE, fix, "%s", "");
	va_start(ap, fmt);
	vsnprintf(c->why->reason, sizeof(c->why->reason), fmt, ap);
	va_end(ap);
	return x;
}

/* Pinned first: the checks after it read /proc/PID, and are of this
 * process if it is still alive after them (check_alive, last). */
static int check_pinned(struct open_ctx *c)
{
	pid_t pid = c->t->pid, tgid;
	struct mlk_fix *x;

	c->t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (c->t->pidfd >= 0)
		return 0;
	tgid = tgid_of(pid);
	if (tgid > 0 && tgid != pid) {
		/* pidfd_open() takes only a thread-group leader (EINVAL,
		 * ENOENT in newer kernels) */
		x = say(c, MEMLOCK_FIX_PROCESS_ID, "%d is a thread of process %d, not a process",
			(int)pid, (int)tgid);
		if (x)
			x->f.pid = tgid;
		return EINVAL;
	}
	x = say(c, MEMLOCK_FIX_CHECK_PID, "there is no process %d", (int)pid);
	if (x)
		x->f.pid = pid;
	return ESRCH;
}

static int check_status(struct open_ctx *c)
{
	struct mlk_fix *x;

	if (mlk_start_time(c->t->pid, &c->t->start) == 0 &&
	    memlock_proc_read_status(NULL, c->t->pid, &c->st) == 0)
		return 0;
	x = say(c, MEMLOCK_FIX_CHECK_PID, "there is no process %d", (int)c->t->pid);
	if (x)
		x->f.pid = c->t->pid;
	return ESRCH;
}

static int check_zombie(struct open_ctx *c)
{
	if (c->st.state != 'Z' && c->st.state != 'X')
		return 0;
	say(c, MEMLOCK_FIX_NONE, "process %d has exited (a zombie): it has no memory left to lock",
	    (int)c->t->pid);
	return ESRCH;
}

static int check_exiting(struct open_ctx *c)
{
	if (c->st.has_mm || is_kthread(c->t->pid))
		return 0;
	say(c, MEMLOCK_FIX_NONE, "process %d is exiting: it has no memory left to lock",
	    (int)c->t->pid);
	return ESRCH;
}

static int check_kthread(struct open_ctx *c)
{
	if (c->st.has_mm)
		return 0;
	say(c, MEMLOCK_FIX_NONE, "process %d is a kernel thread: it has no user memory to lock",
	    (int)c->t->pid);
	return EINVAL;
}

static int check_traced(struct open_ctx *c)
{
	char path[64], comm[64] = "?";
	struct mlk_fix *x;
	size_t len;
	char *buf;

	if (c->st.tracer_pid == 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)c->st.tracer_pid);
	if (mlk_read_file(path, &buf, &len) == 0) {
		snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(buf, "\n"), buf);
		free(buf);
	}
	x = say(c, MEMLOCK_FIX_DETACH_TRACER,
		"process %d is already traced by %d (%s): a process has only one tracer",
		(int)c->t->pid, (int)c->st.tracer_pid, comm);
	if (x)
		x->f.pid = c->st.tracer_pid;
	return EBUSY;
}

static int check_compat(struct open_ctx *c)
{
	if (exe_class(c->t->pid) != ELFCLASS32)
		return 0;
	say(c, MEMLOCK_FIX_NONE,
	    "process %d runs a 32-bit (ia32, x32 or AArch32) program: memlock injects only into "
	    "64-bit tasks",
	    (int)c->t->pid);
	return EOPNOTSUPP;
}

static int check_ptrace(struct open_ctx *c)
{
	if (!predict_ptrace_denied(c->t->pid, &c->st, c->caps))
		return 0;
	explain_denied(c->t->pid, &c->st, c->caps, c->why);
	return EPERM;
}

/* A seccomp filter applies to injected syscalls too, and could kill. */
static int check_seccomp(struct open_ctx *c)
{
	int mode = mlk_seccomp_mode(c->t->pid);
	pid_t pid = c->t->pid;
	struct mlk_fix *x;

	c->t->filtered = mode != SECCOMP_MODE_DISABLED;
	if (mode == SECCOMP_MODE_DISABLED)
		return 0;
	/* the kernel suspends seccomp for a tracer with CAP_SYS_ADMIN in the
	 * initial user namespace that is not under seccomp itself */
	if ((c->caps & (1ull << CAP_SYS_ADMIN)) && mlk_userns_is_init(NULL, 0) > 0 &&
	    mlk_seccomp_mode(getpid()) == SECCOMP_MODE_DISABLED) {
		c->t->suspend_seccomp = true;	/* PTRACE_O_SUSPEND_SECCOMP */
		return 0;
	}
	if (mode < 0)
		x = say(c, MEMLOCK_FIX_SUSPEND_SECCOMP,
			"memlock cannot read /proc/%d/task/*/status (%s), so it cannot tell "
			"whether a seccomp filter would kill the process",
			(int)pid, strerror(-mode));
	else if (mode == SECCOMP_MODE_STRICT)	/* mlockall would kill it, forced or not */
		x = say(c, MEMLOCK_FIX_SUSPEND_SECCOMP,
			"process %d is in seccomp strict mode, where any other syscall than read, "
			"write, exit and sigreturn kills it",
			(int)pid);
	else if (!(c->t->flags & MEMLOCK_F_FORCE))
		x = say(c, MEMLOCK_FIX_SUSPEND_SECCOMP,
			"process %d has a seccomp filter, which applies to injected syscalls too "
			"and could kill it (SECCOMP_RET_KILL)",
			(int)pid);
	else
		return 0;
	if (x) {
		x->f.pid = pid;
		x->f.level = mode;
	}
	return mode < 0 ? -mode : EPERM;
}

/* alive now: it was alive through every check before, so they read it */
static int check_alive(struct open_ctx *c)
{
	if (mlk_target_check_alive(c->t) == 0)
		return 0;
	say(c, MEMLOCK_FIX_NONE, "process %d exited while memlock looked at it", (int)c->t->pid);
	return ESRCH;
}

static const struct {
	int (*check)(struct open_ctx *c);	/* 0, or an errno with the reason said */
	enum memlock_cause cause;
} open_checks[] = {
	{ check_pinned, MEMLOCK_CAUSE_NO_PROCESS },
	{ check_status, MEMLOCK_CAUSE_NO_PROCESS },
	{ check_zombie, MEMLOCK_CAUSE_ZOMBIE },
	{ check_exiting, MEMLOCK_CAUSE_NO_PROCESS },
	{ check_kthread, MEMLOCK_CAUSE_KERNEL_THREAD },
	{ check_traced, MEMLOCK_CAUSE_TRACED },
	{ check_compat, MEMLOCK_CAUSE_COMPAT_TASK },
	{ check_ptrace, MEMLOCK_CAUSE_PTRACE_DENIED },
	{ check_seccomp, MEMLOCK_CAUSE_SECCOMP },
	{ check_alive, MEMLOCK_CAUSE_NO_PROCESS },
};

struct memlock_target *memlock_target_open(pid_t pid, unsigned int flags,
					   struct memlock_verdict *why)
{
	struct open_ctx c = { .st = { .sz = sizeof(c.st) }, .caps = mlk_own_caps(), .why = why };
	size_t i;
	int err;

	/* @why is filled on every refusal, these too */
	if (pid <= 0) {
		mlk_refuse(why, EINVAL, MEMLOCK_CAUSE_NO_PROCESS, MEMLOCK_FIX_NONE,
			   "%d is not a process ID", (int)pid);
		errno = EINVAL;
		return NULL;
	}
	if (flags & ~(MEMLOCK_F_FORCE | MEMLOCK_F_NO_EINTR)) {
		mlk_refuse(why, EINVAL, MEMLOCK_CAUSE_BAD_FLAGS, MEMLOCK_FIX_NONE,
			   "flags 0x%x: only MEMLOCK_F_FORCE and MEMLOCK_F_NO_EINTR are known", flags);
		errno = EINVAL;
		return NULL;
	}
	c.t = calloc(1, sizeof(*c.t));
	if (c.t == NULL)
		return NULL;
	c.t->pid = pid;
	c.t->flags = flags;
	c.t->pidfd = -1;
	for (i = 0; i < ARRAY_SIZE(open_checks); i++) {
		err = open_checks[i].check(&c);
		if (err == 0)
			continue;
		if (why) {
			why->ok = false;
			why->err = err;
			why->cause = open_checks[i].cause;
		}
		memlock_target_close(c.t);
		errno = err;
		return NULL;
	}
	pr_debug("target %d: start time %llu, seccomp suspended %d", (int)pid, c.t->start,
		 c.t->suspend_seccomp);
	return c.t;
}

/* A handle without the checks of memlock_target_open(): for a process the
 * caller traces already (the exec helper). */
struct memlock_target *mlk_target_new(pid_t pid)
{
	struct memlock_target *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->pid = pid;
	t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0 || mlk_start_time(pid, &t->start) < 0) {
		memlock_target_close(t);
		errno = ESRCH;
		return NULL;
	}
	return t;
}

void memlock_target_close(struct memlock_target *t)
{
	if (t == NULL)
		return;
	if (t->pidfd >= 0)
		close(t->pidfd);
	free(t);
}

pid_t memlock_target_pid(const struct memlock_target *t)
{
	return t ? t->pid : -1;
}

int memlock_target_stats(const struct memlock_target *t, struct memlock_stop_stats *out)
{
	struct memlock_stop_stats st;

	if (t == NULL || mlk_out_check(out, MLK_SZ_STOP_STATS) < 0)
		return mlk_err(-EINVAL);
	st = t->stats;
	st.sz = sizeof(st);
	st.why_tid = t->why_tid;
	mlk_out_copy(out, &st, sizeof(st));
	return 0;
}

int memlock_target_set_rescue(struct memlock_target *t, struct memlock_rescue *r)
{
	int rc;

	if (t == NULL)
		return mlk_err(-EINVAL);
	rc = r ? mlk_opts_valid(r, r->sz, MLK_SZ_RESCUE, sizeof(*r)) : 0;
	if (rc < 0)
		return mlk_err(rc);
	if (r)
		r->phase = 0;
	t->rescue = r;
	return 0;
}

void memlock_target_set_call_log(struct memlock_target *t, memlock_call_fn fn, void *userdata)
{
	t->call_fn = fn;
	t->call_data = userdata;
}

int memlock_target_set_tid(struct memlock_target *t, pid_t tid)
{
	if (!mlk_task_is_of(NULL, t->pid, tid))
		return mlk_err(-ESRCH);
	t->tid_override = tid;
	return 0;
}

/* Still the process we opened: its pidfd (every handle has one) answers.
 * A PID is not given to another process while its process lives, zombie
 * included, so this alone rules reuse out; the start time is not read
 * again (one /proc read less per stop). */
int mlk_target_check_alive(const struct memlock_target *t)
{
	if (syscall(SYS_pidfd_send_signal, t->pidfd, 0, NULL, 0) < 0)
		return -ESRCH;
	return 0;
}
