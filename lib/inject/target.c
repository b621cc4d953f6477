// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A target process for injection: pinned against PID reuse, checked before
 * anything is stopped (so most refusals touch nothing), and the choice of
 * the one thread that will carry the injected syscalls.
 */
#include <dirent.h>
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

void mlk_refuse(struct memlock_verdict *v, int err, enum memlock_cause cause,
		const char *fix, const char *fmt, ...)
{
	va_list ap;

	if (v == NULL)
		return;
	memset(v, 0, sizeof(*v));
	v->err = err;
	v->cause = cause;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	if (fix != NULL)
		mlk_add_fix(v, "%s", fix);
}

int mlk_start_time(pid_t pid, unsigned long long *start)
{
	const char *p, *end;
	size_t len;
	char *buf;
	int rc, field;

	rc = mlk_read_proc(NULL, pid, "stat", &buf, &len);
	if (rc < 0)
		return rc == -ENOENT ? -ESRCH : rc;
	/* the command name may hold spaces and ')': fields start after the last ')' */
	p = memrchr(buf, ')', len);
	end = buf + len;
	rc = -EBADMSG;
	for (field = 2; p != NULL && p < end; p++) {
		if (*p != ' ')
			continue;
		if (++field == 22) {
			uint64_t v;

			p++;
			if (mlk_parse_u64(&p, end, 10, &v) == 0) {
				*start = v;
				rc = 0;
			}
			break;
		}
	}
	free(buf);
	return rc;
}

uint64_t mlk_own_caps(void)
{
	struct memlock_status st = { .sz = sizeof(st) };

	return memlock_proc_read_status(NULL, 0, &st) == 0 ? st.cap_eff : 0;
}

/* Why ptrace would be (or was) refused, as the kernel decides it. */
void mlk_explain_ptrace_denied(pid_t pid, const struct memlock_status *st,
			       struct memlock_verdict *v)
{
	char path[64];
	struct stat sb;
	size_t len;
	char *buf;
	int scope = -1;

	if (mlk_read_file("/proc/sys/kernel/yama/ptrace_scope", &buf, &len) == 0) {
		scope = atoi(buf);
		free(buf);
	}
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (scope == 3) {
		mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED,
		       "set kernel.yama.ptrace_scope to 1 or 2 (sysctl; 3 can only be undone by a reboot)",
		       "Yama's kernel.yama.ptrace_scope is 3: no process may be traced");
	} else if (!(mlk_own_caps() & (1ull << CAP_SYS_PTRACE)) && scope >= 1) {
		mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED,
		       "run memlock as root (CAP_SYS_PTRACE), or set kernel.yama.ptrace_scope=0",
		       "Yama's kernel.yama.ptrace_scope is %d: only %s may trace process %d", scope,
		       scope == 1 ? "its ancestors and CAP_SYS_PTRACE" : "CAP_SYS_PTRACE", (int)pid);
	} else if (st->ruid != getuid() && !(mlk_own_caps() & (1ull << CAP_SYS_PTRACE))) {
		mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED,
		       "run memlock as the process's user, or as root (CAP_SYS_PTRACE)",
		       "process %d belongs to uid %u, and memlock has no CAP_SYS_PTRACE", (int)pid,
		       (unsigned int)st->ruid);
	} else if (stat(path, &sb) == 0 && sb.st_uid == 0 && st->ruid != 0 &&
		   !(mlk_own_caps() & (1ull << CAP_SYS_PTRACE))) {
		mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED,
		       "run memlock as root (CAP_SYS_PTRACE)",
		       "process %d is not dumpable (set-user-ID, file capabilities or "
		       "prctl(PR_SET_DUMPABLE, 0)): only CAP_SYS_PTRACE may trace it",
		       (int)pid);
	} else {
		mlk_refuse(v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED,
		       "check the LSM policy (AppArmor/SELinux denials in the kernel log), or run "
		       "memlock as root",
		       "ptrace of process %d is not permitted here", (int)pid);
	}
}

static bool predict_ptrace_denied(pid_t pid, const struct memlock_status *st)
{
	uint64_t caps = mlk_own_caps();
	char path[64];
	struct stat sb;

	if (caps & (1ull << CAP_SYS_PTRACE))
		return false;
	if (st->ruid != getuid() || st->euid != geteuid())
		return true;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	/* a non-dumpable process's /proc files belong to root */
	return stat(path, &sb) == 0 && sb.st_uid == 0 && getuid() != 0;
}

/* Seccomp mode of any thread: SECCOMP_MODE_FILTER when a filter is
 * installed (the highest mode of all is the answer); -errno when no
 * thread's status could be read (unknown, never "none"). */
int mlk_seccomp_mode(pid_t pid)
{
	char dir[64], file[512];
	struct dirent *d;
	int mode = SECCOMP_MODE_DISABLED, seen = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	dp = opendir(dir);
	if (dp == NULL)
		return -errno;
	while ((d = readdir(dp)) != NULL) {
		const char *p, *end, *line;
		size_t len, ll;
		char *buf;

		if (d->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/status", dir, d->d_name);
		if (mlk_read_file(file, &buf, &len) < 0)
			continue;
		seen++;
		p = buf;
		end = buf + len;
		while (mlk_next_line(&p, end, &line, &ll)) {
			const char *v = mlk_field(line, ll, "Seccomp");
			uint64_t m;

			if (v && mlk_parse_u64(&v, line + ll, 10, &m) == 0 && (int)m > mode)
				mode = (int)m;
		}
		free(buf);
	}
	closedir(dp);
	return seen ? mode : -EACCES;
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
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return mlk_elf_class(path);
}

/* A kernel thread (PF_KTHREAD in /proc/PID/stat's flags, field 9), not a
 * process that lost its memory map on its way out. */
static bool is_kthread(pid_t pid)
{
	const char *p, *end;
	uint64_t flags = 0;
	size_t len;
	char *buf;
	int field;

	if (mlk_read_proc(NULL, pid, "stat", &buf, &len) < 0)
		return false;
	p = memrchr(buf, ')', len);	/* the name may hold spaces and ')' */
	end = buf + len;
	for (field = 2; p != NULL && p < end; p++) {
		if (*p == ' ' && ++field == 9) {
			p++;
			(void)mlk_parse_u64(&p, end, 10, &flags);
			break;
		}
	}
	free(buf);
	return flags & PF_KTHREAD;
}

/* The thread group of task @tid (any task ID), or -errno. */
static pid_t tgid_of(pid_t tid)
{
	const char *p, *end, *line;
	pid_t tgid = -ESRCH;
	size_t len, ll;
	uint64_t v;
	char *buf;

	if (mlk_read_proc(NULL, tid, "status", &buf, &len) < 0)
		return -ESRCH;
	p = buf;
	end = buf + len;
	while (mlk_next_line(&p, end, &line, &ll)) {
		const char *f = mlk_field(line, ll, "Tgid");

		if (f && mlk_parse_u64(&f, line + ll, 10, &v) == 0) {
			tgid = (pid_t)v;
			break;
		}
	}
	free(buf);
	return tgid;
}

struct memlock_target *memlock_target_open(pid_t pid, unsigned int flags,
					   struct memlock_verdict *why)
{
	struct memlock_target *t;
	struct memlock_status st = { .sz = sizeof(st) };
	char comm[64] = "?";
	int err, cls, mode;
	pid_t tgid;

	if (pid <= 0 || (flags & ~(MEMLOCK_F_FORCE | MEMLOCK_F_NO_EINTR))) {
		/* @why is filled on every refusal, this one too */
		if (pid <= 0)
			mlk_refuse(why, EINVAL, MEMLOCK_CAUSE_NO_PROCESS, NULL,
			       "%d is not a process ID", (int)pid);
		else
			mlk_refuse(why, EINVAL, MEMLOCK_CAUSE_BAD_FLAGS, NULL,
			       "flags 0x%x: only MEMLOCK_F_FORCE and MEMLOCK_F_NO_EINTR are known",
			       flags);
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->pid = pid;
	t->flags = flags;
	/* Pinned first: the checks below read /proc/PID, and are of this
	 * process if it is still alive after them (checked at the end). */
	t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0) {
		err = errno;
		tgid = tgid_of(pid);
		if (tgid > 0 && tgid != pid) {
			/* pidfd_open() takes only a thread-group leader (EINVAL,
			 * ENOENT in newer kernels) */
			err = EINVAL;
			mlk_refuse(why, EINVAL, MEMLOCK_CAUSE_NO_PROCESS,
			       "give the process ID (Tgid), and --tid for the thread",
			       "%d is a thread of process %d, not a process", (int)pid, (int)tgid);
		} else {
			err = ESRCH;
			mlk_refuse(why, ESRCH, MEMLOCK_CAUSE_NO_PROCESS,
			       "check the PID with ps -p PID", "there is no process %d", (int)pid);
		}
		goto fail;
	}
	if (mlk_start_time(pid, &t->start) < 0 || memlock_proc_read_status(NULL, pid, &st) < 0) {
		err = ESRCH;
		mlk_refuse(why, ESRCH, MEMLOCK_CAUSE_NO_PROCESS, "check the PID with ps -p PID",
		       "there is no process %d", (int)pid);
		goto fail;
	}
	if (st.state == 'Z' || st.state == 'X') {
		err = ESRCH;
		mlk_refuse(why, ESRCH, MEMLOCK_CAUSE_ZOMBIE, NULL,
		       "process %d has exited (a zombie): it has no memory left to lock", (int)pid);
		goto fail;
	}
	if (!st.has_mm && !is_kthread(pid)) {	/* its memory already gone: exiting */
		err = ESRCH;
		mlk_refuse(why, ESRCH, MEMLOCK_CAUSE_NO_PROCESS, NULL,
		       "process %d is exiting: it has no memory left to lock", (int)pid);
		goto fail;
	}
	if (!st.has_mm) {
		err = EINVAL;
		mlk_refuse(why, EINVAL, MEMLOCK_CAUSE_KERNEL_THREAD, NULL,
		       "process %d is a kernel thread: it has no user memory to lock", (int)pid);
		goto fail;
	}
	if (st.tracer_pid != 0) {
		char path[64];
		size_t len;
		char *buf;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)st.tracer_pid);
		if (mlk_read_file(path, &buf, &len) == 0) {
			snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(buf, "\n"), buf);
			free(buf);
		}
		err = EBUSY;
		mlk_refuse(why, EBUSY, MEMLOCK_CAUSE_TRACED,
		       "detach the debugger first (or run the lock from inside it: call (int)mlockall(3))",
		       "process %d is already traced by %d (%s): a process has only one tracer",
		       (int)pid, (int)st.tracer_pid, comm);
		goto fail;
	}
	cls = exe_class(pid);
	if (cls == ELFCLASS32) {
		err = EOPNOTSUPP;
		mlk_refuse(why, EOPNOTSUPP, MEMLOCK_CAUSE_COMPAT_TASK, NULL,
		       "process %d runs a 32-bit (ia32, x32 or AArch32) program: memlock injects "
		       "only into 64-bit tasks",
		       (int)pid);
		goto fail;
	}
	if (predict_ptrace_denied(pid, &st)) {
		err = EPERM;
		mlk_explain_ptrace_denied(pid, &st, why);
		goto fail;
	}
	mode = mlk_seccomp_mode(pid);
	t->filtered = mode != SECCOMP_MODE_DISABLED;
	if (mode != SECCOMP_MODE_DISABLED) {
		/* the kernel suspends seccomp for a tracer with CAP_SYS_ADMIN in
		 * the initial user namespace that is not under seccomp itself */
		if ((mlk_own_caps() & (1ull << CAP_SYS_ADMIN)) && mlk_userns_is_init(NULL, 0) > 0 &&
		    mlk_seccomp_mode(getpid()) == SECCOMP_MODE_DISABLED) {
			t->suspend_seccomp = true;	/* PTRACE_O_SUSPEND_SECCOMP */
		} else if (mode < 0) {
			err = -mode;
			mlk_refuse(why, -mode, MEMLOCK_CAUSE_SECCOMP,
			       "run memlock as root in the initial user namespace (CAP_SYS_ADMIN "
			       "suspends any filter during the injection)",
			       "memlock cannot read /proc/%d/task/*/status (%s), so it cannot tell "
			       "whether a seccomp filter would kill the process",
			       (int)pid, strerror(-mode));
			goto fail;
		} else if (mode == SECCOMP_MODE_STRICT) {
			/* strict mode: read, write, exit, sigreturn only - mlockall
			 * would kill it for certain, --force or not */
			mlk_refuse(why, EPERM, MEMLOCK_CAUSE_SECCOMP,
			       "run memlock as root in the initial user namespace, outside any "
			       "seccomp filter (CAP_SYS_ADMIN suspends seccomp during the injection)",
			       "process %d is in seccomp strict mode, where any other syscall than "
			       "read, write, exit and sigreturn kills it",
			       (int)pid);
			memlock_target_close(t);
			errno = EPERM;
			return NULL;
		} else if (!(flags & MEMLOCK_F_FORCE)) {
			mlk_refuse(why, EPERM, MEMLOCK_CAUSE_SECCOMP,
			       "run memlock as root in the initial user namespace (CAP_SYS_ADMIN "
			       "suspends the filter during the injection), or --force if the filter "
			       "allows mlock* (Docker's default profile does)",
			       "process %d has a seccomp filter, which applies to injected syscalls too "
			       "and could kill it (SECCOMP_RET_KILL)",
			       (int)pid);
			memlock_target_close(t);
			errno = EPERM;
			return NULL;
		}
	}
	/* alive now: it was alive through every check above, so they read it */
	if (mlk_target_check_alive(t) < 0) {
		err = ESRCH;
		mlk_refuse(why, ESRCH, MEMLOCK_CAUSE_NO_PROCESS, NULL,
		       "process %d exited while memlock looked at it", (int)pid);
		goto fail;
	}
	pr_debug("target %d: start time %llu, seccomp suspended %d", (int)pid, t->start,
		 t->suspend_seccomp);
	return t;
fail:
	memlock_target_close(t);
	errno = err;
	return NULL;
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
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)t->pid, (int)tid);
	if (tid <= 0 || access(path, F_OK) < 0)
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
