// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Running a program locked from its first instruction. Locks and MCL_FUTURE
 * are dropped at execve, so the lock has to happen inside the new image: a
 * tracer seizes the caller with PTRACE_O_TRACEEXEC, the caller execs, and at
 * the exec stop - the new image set up, not one instruction run - the tracer
 * injects mlockall, detaches and exits. The program keeps the caller's PID,
 * descriptors, environment, signals and exit status.
 *
 * This file is the caller's side (the reporter it forks is in
 * exec-report.c). The decisions behind it (issue 8):
 *
 * - The tracer is a program of its own, memlock-exec-helper
 *   (libexec/memlock-exec-helper.c), started with posix_spawn: the caller may
 *   be multithreaded (a JVM launcher, a daemon), and a fork child of such a
 *   process may call only async-signal-safe functions until it execs, which
 *   posix_spawn's child does and nothing else. It is looked for in
 *   $MEMLOCK_LIBEXECDIR (tests, uninstalled builds; read with secure_getenv,
 *   so not for a set-user-ID caller), else in LIBEXECDIR, fixed when the
 *   library is built and where make install puts it. It starts in a session
 *   of its own, so signals to the caller's process group (^C, timeout -s KILL)
 *   miss it, and forks once more after its exec, so that the program never
 *   sees a child it did not make.
 *
 * - The report callback cannot run in the caller: the outcome is known at
 *   the exec stop, when the caller already is the program and its code is
 *   gone. Nor may it run in a fork child of a multithreaded caller. So it
 *   runs in a reporter forked from the caller first of all, and only for a
 *   single-threaded caller (a multithreaded one gets EINVAL when it asks
 *   for a report). The helper renders nothing: it sends each outcome (pid,
 *   mlockall's answer, the verdict, VmLck) to the reporter as a record and
 *   waits until it is reported before the program runs, so the messages
 *   still come before the program's own. Outcomes known before the exec (a
 *   helper that cannot be run, with best effort) are reported in the caller.
 *
 * - A helper killed at any moment leaves no program that runs unlocked
 *   against --strict, nor one with injected registers: without best effort
 *   it traces with PTRACE_O_EXITKILL from the seize to the detach (a
 *   followed image must not run unlocked either), with best effort from
 *   the injection until its outcome is reported. The reporter tells a helper
 *   that ended by itself from one that was killed, and says so when that
 *   left the program unlocked, or killed it before its first instruction.
 *
 * - Signals: the helper resumes every signal-delivery stop with its
 *   signal, and a job-control stop stays a stop (PTRACE_LISTEN).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/exec.h"
#include "inject/target.h"

#ifndef MLK_LIBEXECDIR
#define MLK_LIBEXECDIR "/usr/local/libexec/memlock"
#endif

extern char **environ;

/* The processes of one launch, as the caller holds them. */
struct launch {
	int ctl;	/* socket to the helper */
	int rep;	/* the helper's end of the reporter's socket, or -1 */
	int hfd;	/* pidfd of the helper, once it said hello */
};

static int spawn_helper(const struct launch *l, int ctl, pid_t *pid, char *path, size_t sz)
{
	char *argv[] = { MLK_EXEC_HELPER, NULL };
	const char *dir = secure_getenv("MEMLOCK_LIBEXECDIR");
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int rc;

	if (dir == NULL || *dir == '\0')
		dir = MLK_LIBEXECDIR;
	if (snprintf(path, sz, "%s/%s", dir, MLK_EXEC_HELPER) >= (int)sz)
		return -ENAMETOOLONG;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, ctl, MLK_CTL_FD);
	if (l->rep >= 0)
		posix_spawn_file_actions_adddup2(&fa, l->rep, MLK_REPORT_FD);
	posix_spawn_file_actions_addclosefrom_np(&fa, MLK_REPORT_FD + (l->rep >= 0));
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	rc = posix_spawn(pid, path, &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

/* Why the helper is not there to lock the program. */
static void explain_helper(struct memlock_verdict *why, int err, const char *path)
{
	enum memlock_fix_kind fix = MEMLOCK_FIX_INSTALL_HELPER;

	if (err == EPIPE)
		mlk_refuse(why, err, MEMLOCK_CAUSE_NONE, MEMLOCK_FIX_NONE,
			   "memlock's helper %.200s ended before it traced the program (was it "
			   "killed?)",
			   path);
	else if (err == EPROTO)
		mlk_refuse(why, err, MEMLOCK_CAUSE_NONE, fix,
			   "memlock's helper %.200s is not of this library's version", path);
	else
		mlk_refuse(why, err, MEMLOCK_CAUSE_NONE, err == ENOENT || err == EACCES ? fix : MEMLOCK_FIX_NONE,
			   "memlock's helper %.200s cannot be run: %s", path, strerror(err));
}

/*
 * Start the helper and let it seize the calling thread: it answers hello
 * with its PID once it is a grandchild, waits for our word (so the pidfd
 * opened meanwhile is surely its), seizes and says whether that worked.
 * *@infra: the failure is the helper's own (not there, other version,
 * gone), not the kernel refusing the trace.
 */
static int start_helper(const struct mlk_exec_config *cfg, struct launch *l,
			struct memlock_verdict *why, bool *infra)
{
	struct mlk_exec_msg m = { .kind = MLK_MSG_GO };
	char path[PATH_MAX];
	int sv[2], rc;
	pid_t h;

	*infra = true;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	l->ctl = mlk_exec_fd_above(sv[0]);
	sv[1] = mlk_exec_fd_above(sv[1]);
	if (l->ctl < 0 || sv[1] < 0) {
		close(sv[1]);
		return -EMFILE;
	}
	rc = spawn_helper(l, sv[1], &h, path, sizeof(path));
	close(sv[1]);
	if (rc < 0) {
		explain_helper(why, -rc, path);
		return rc;
	}
	(void)send(l->ctl, cfg, sizeof(*cfg), MSG_NOSIGNAL);
	/* it forks the tracer and exits (reaped by someone else: ECHILD) */
	while (waitpid(h, NULL, 0) < 0 && errno == EINTR)
		;
	rc = mlk_msg_recv(l->ctl, &m) == 0 && m.kind == MLK_MSG_HELLO ? (int)m.ret : -EPIPE;
	if (rc < 0) {
		explain_helper(why, -rc, path);
		return rc;
	}
	l->hfd = (int)syscall(SYS_pidfd_open, m.pid, 0);
	/* Yama ptrace_scope 1 lets only ancestors trace, unless we say so */
	(void)prctl(PR_SET_PTRACER, m.pid, 0, 0, 0);
	m.kind = MLK_MSG_GO;
	if (mlk_msg_send(l->ctl, &m) < 0 || mlk_msg_recv(l->ctl, &m) < 0 ||
	    m.kind != MLK_MSG_SEIZED) {
		explain_helper(why, EPIPE, path);
		return -EPIPE;
	}
	*infra = false;
	return (int)m.ret;
}

/* Not exec'ed: the reporter must say nothing, and the helper must have let
 * go of us when this returns (a sanitizer's or debugger's ptrace would
 * fail). Asked, not killed: a PTRACE_O_EXITKILL tracer's death kills us. */
static void release(struct launch *l)
{
	struct mlk_exec_msg m = { .kind = MLK_MSG_CANCEL };
	struct pollfd p = { .fd = l->hfd, .events = POLLIN };

	if (l->rep >= 0) {
		(void)mlk_msg_send(l->rep, &m);
		close(l->rep);
	}
	if (l->ctl >= 0) {
		m.kind = MLK_MSG_RELEASE;
		(void)mlk_msg_send(l->ctl, &m);
		close(l->ctl);
	}
	if (l->hfd >= 0) {
		while (poll(&p, 1, 5000) < 0 && errno == EINTR)
			;
		close(l->hfd);
	}
	l->rep = l->ctl = l->hfd = -1;
}

/* @path has a slash (mlk_exec_resolve): execvp searches nothing, and does
 * only what is wanted of it here, a file without a #! line run by /bin/sh. */
static int exec_file(const char *path, char *const argv[])
{
	execvp(path, argv);
	return -errno;
}

/* Our own copy of the caller's options (NULL: the defaults), the flags
 * checked, and the mlockall flags they ask for. */
static int get_opts(const struct memlock_exec_opts *opts, struct memlock_exec_opts *o,
		    unsigned int *mcl)
{
	const unsigned int lock = MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE;
	int rc;

	if (opts == NULL) {
		memset(o, 0, sizeof(*o));
		o->sz = sizeof(*o);
	} else {
		rc = mlk_opts_get(o, sizeof(*o), opts, MLK_SZ_EXEC_OPTS);
		if (rc < 0)
			return rc;
	}
	if (o->flags & ~(lock | MEMLOCK_F_ONFAULT | MEMLOCK_F_BEST_EFFORT))
		return -EINVAL;
	if (!(o->flags & lock)) {
		if (o->flags & MEMLOCK_F_ONFAULT)	/* as mlockall(MCL_ONFAULT) */
			return -EINVAL;
		o->flags |= lock;
	}
	*mcl = mlk_mcl_of(o->flags);
	return 0;
}

/* The kernel refused the trace: say why, for the caller's own context. */
static void explain_denied(struct memlock_verdict *why)
{
	struct memlock_status st = { .sz = sizeof(st) };

	if (memlock_proc_read_status(NULL, 0, &st) == 0)
		mlk_explain_ptrace_denied(getpid(), &st, why);
}

/* Reporter (when asked for), helper, exec. Returns only on failure, -errno. */
static int exec_traced(const char *path, char *const argv[], const struct memlock_exec_opts *o,
		       struct mlk_exec_config *cfg, struct memlock_verdict *why)
{
	struct launch l = { .ctl = -1, .rep = -1, .hfd = -1 };
	bool infra;
	int rc;

	if (o->report || o->follow_end) {
		l.rep = mlk_exec_start_reporter(o, why);
		if (l.rep < 0)
			return l.rep;
		cfg->has_reporter = true;
	}
	rc = start_helper(cfg, &l, why, &infra);
	if (rc < 0 && infra && (o->flags & MEMLOCK_F_BEST_EFFORT)) {
		/* no helper, no lock: best effort runs it unlocked, and says so
		 * here, in the caller */
		release(&l);
		if (o->report)
			o->report(getpid(), rc, why, 0, o->userdata);
		mlk_verdict_clear(why);
	} else if (rc < 0) {
		if (rc == -EPERM && !infra)
			explain_denied(why);
		goto out_release;
	}
	rc = exec_file(path, argv);
out_release:
	release(&l);
	return rc;
}

int memlock_exec_locked(const char *file, char *const argv[],
			const struct memlock_exec_opts *opts, struct memlock_verdict *why)
{
	struct mlk_exec_config cfg = { .proto = MLK_EXEC_PROTO, .size = sizeof(cfg) };
	enum mlk_exec_plan plan = MLK_PLAN_LOCK;
	struct memlock_exec_opts o;
	struct memlock_verdict local;
	char path[PATH_MAX];
	int rc;

	if (file == NULL || argv == NULL)
		return mlk_err(-EINVAL);
	if (why == NULL)
		why = &local;
	mlk_verdict_clear(why);
	rc = get_opts(opts, &o, &cfg.mcl);
	if (rc < 0)
		return mlk_err(rc);
	cfg.best_effort = o.flags & MEMLOCK_F_BEST_EFFORT;
	rc = mlk_exec_resolve(file, path, sizeof(path));
	if (rc == 0)
		rc = mlk_exec_check(path, cfg.mcl, cfg.best_effort, &cfg.skip, &plan);
	if (rc < 0) {
		*why = cfg.skip;	/* the refusal's reason, or still all zero */
		return mlk_err(rc);
	}
	if (plan == MLK_PLAN_UNTRACED) {
		/* best effort for a program a trace would harm: not traced at
		 * all, said here, in the caller */
		if (o.report)
			o.report(getpid(), -cfg.skip.err, &cfg.skip, 0, o.userdata);
		return mlk_err(exec_file(path, argv));
	}
	cfg.skip_lock = plan == MLK_PLAN_SKIP_LOCK;
	cfg.tid = gettid();
	cfg.follow_ms = o.follow_ms;
	return mlk_err(exec_traced(path, argv, &o, &cfg, why));
}
