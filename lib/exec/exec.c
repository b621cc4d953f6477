// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Running a program locked from its first instruction. Locks and MCL_FUTURE
 * are dropped at execve, so the lock has to happen inside the new image: a
 * tracer seizes the caller with PTRACE_O_TRACEEXEC, the caller execs, and at
 * the exec stop - the new image set up, not one instruction run - the tracer
 * injects mlockall, detaches and exits. The program keeps the caller's PID,
 * descriptors, environment, signals and exit status.
 *
 * This file is the caller's side. The decisions behind it (issue 8):
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

void mlk_exec_ignore_job_signals(void)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
				    SIGHUP, SIGTERM, SIGPIPE };
	struct sigaction sa = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
	sigset_t chld;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	/* an inherited SIG_IGN or SA_NOCLDSTOP would stop the kernel from
	 * sending the SIGCHLD of the stops the helper waits for */
	sigaction(SIGCHLD, &dfl, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
}

/* Keep only @fd (as fd 3) and stderr, so that no pipe of the program's
 * waits for our end; stdin and stdout become /dev/null. */
static int keep_only(int fd)
{
	int null;

	if (fd != 3) {
		dup2(fd, 3);
		fd = 3;
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	close_range(4, ~0u, 0);
	return fd;
}

/* What the reporter says when the helper ended without a word (killed). */
static void report_helper_gone(const struct memlock_exec_opts *o, pid_t pid)
{
	struct memlock_verdict why;

	mlk_refuse(&why, EPIPE, MEMLOCK_CAUSE_NONE, NULL,
		   "memlock's helper process ended before it locked the program (was it "
		   "killed?)%s",
		   o->best_effort ? "" : ", and the program was killed with it");
	o->report(pid, -EPIPE, &why, 0, o->userdata);
}

/* PF_EXITING in /proc/@pid/stat's flags (field 9): it is on its way out,
 * its SIGKILL already taken. */
static bool exiting(pid_t pid)
{
	const char *p, *end;
	uint64_t flags = 0;
	int field = 2;
	char *buf;
	size_t len;

	if (mlk_read_proc(NULL, pid, "stat", &buf, &len) < 0)
		return true;
	/* the command name may hold spaces and ')': fields start after the last ')' */
	p = memrchr(buf, ')', len);
	for (end = buf + len; p != NULL && p < end && field < 9; p++)
		if (*p == ' ' && ++field == 9)
			(void)mlk_parse_u64(&p, end, 10, &flags);
	free(buf);
	return flags & PF_EXITING;
}

/* Once its tracer is gone, does @pid run on, or die of the tracer's
 * PTRACE_O_EXITKILL? The kernel sends that SIGKILL before it clears
 * TracerPid: from then on it is pending, or taken and the process exiting.
 * (A program that ended by itself counts as dead: it was stopped when its
 * tracer died, and a whole start takes far longer than a look here.) */
static bool runs_on(pid_t pid)
{
	int i;

	for (i = 0; i < 20000; i++) {
		uint64_t tracer = 1, pending = 0, v;
		const char *p, *end, *line, *f;
		char *buf, state = 'R';
		size_t len, n;

		if (mlk_read_proc(NULL, pid, "status", &buf, &len) < 0)
			return false;
		for (p = buf, end = buf + len; mlk_next_line(&p, end, &line, &n) == 1;) {
			if ((f = mlk_field(line, n, "State")) && f + 1 < line + n)
				state = f[1];
			else if ((f = mlk_field(line, n, "TracerPid")) &&
				 mlk_parse_u64(&f, line + n, 10, &v) == 0)
				tracer = v;
			else if (((f = mlk_field(line, n, "SigPnd")) || (f = mlk_field(line, n, "ShdPnd"))) &&
				 mlk_parse_u64(&f, line + n, 16, &v) == 0)
				pending |= v;
		}
		free(buf);
		if (state == 'Z' || state == 'X')
			return false;
		if (tracer == 0)
			return !(pending & (1ull << (SIGKILL - 1))) && !exiting(pid);
		usleep(100);
	}
	return true;
}

/*
 * The reporter, in a process forked from the (single-threaded) caller:
 * o->report for each outcome the helper sends, then the answer that lets
 * the program run on. When the helper ends without saying so (killed)
 * before an outcome, it says what that did instead: without best effort
 * the program was killed with it (PTRACE_O_EXITKILL from the seize on);
 * with best effort it runs unlocked - sure when no injection had begun (the
 * helper sets EXITKILL only after it says so), looked at when one had (the
 * program was killed with changed registers, and its exit status says so).
 */
static void __attribute__((noreturn)) reporter(int fd, pid_t pid, const struct memlock_exec_opts *o)
{
	bool reported = false, injecting = false;
	struct mlk_exec_msg m;

	mlk_exec_ignore_job_signals();
	fd = keep_only(fd);
	while (mlk_msg_recv(fd, &m) == 0) {
		switch (m.kind) {
		case MLK_MSG_CANCEL:
		case MLK_MSG_DONE:
			_exit(0);
		case MLK_MSG_INJECTING:
			injecting = true;
			break;
		case MLK_MSG_FOLLOW_END:
			if (o->follow_end)
				o->follow_end(m.pid, m.image, m.ms, m.launcher, o->userdata);
			break;
		case MLK_MSG_RESULT:
			if (o->report)
				o->report(m.pid, m.ret, m.has_why ? &m.why : NULL, m.vmlck,
					  o->userdata);
			(void)mlk_msg_send(fd, &m);
			reported = true;
			injecting = false;
			break;
		}
	}
	if (!reported && o->report && (!o->best_effort || !injecting || runs_on(pid)))
		report_helper_gone(o, pid);
	_exit(0);
}

/* A descriptor above the ones the helper is given (0 to MLK_REPORT_FD), so
 * that no dup2 of the spawn overwrites another. */
static int above_helper_fds(int fd)
{
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, MLK_REPORT_FD + 1);

	close(fd);
	return hi;
}

/* The reporter, a grandchild so that the program does not see it. Only a
 * single-threaded caller may run code in a fork child. */
static int start_reporter(const struct memlock_exec_opts *o, struct launch *l,
			  struct memlock_verdict *why)
{
	struct memlock_status st = { 0 };
	pid_t self = getpid(), child;
	int sv[2], rc;

	if (memlock_proc_read_status(NULL, 0, &st) < 0 || st.threads != 1) {
		char n[16] = "?";

		if (st.threads > 0)
			snprintf(n, sizeof(n), "%u", st.threads);
		mlk_refuse(why, EINVAL, MEMLOCK_CAUSE_NONE,
			   "give no report callback, or call memlock_exec_locked() before "
			   "any thread starts",
			   "a report callback needs a single-threaded caller (this one has %s "
			   "threads): it runs in a process forked from the caller, and a fork "
			   "child of a multithreaded process may only call async-signal-safe "
			   "functions",
			   n);
		return -EINVAL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	child = fork();
	if (child == 0) {
		if (fork() == 0)
			reporter(sv[0], self, o);
		_exit(0);
	}
	rc = child < 0 ? -errno : 0;
	close(sv[0]);
	if (rc < 0) {
		close(sv[1]);
		return rc;
	}
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	l->rep = above_helper_fds(sv[1]);
	return l->rep < 0 ? -EMFILE : 0;
}

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
	const char *fix = "install memlock-exec-helper with the library (make install), or set "
			  "MEMLOCK_LIBEXECDIR to the directory that holds it (for an uninstalled "
			  "build, its build directory)";

	if (err == EPIPE)
		mlk_refuse(why, err, MEMLOCK_CAUSE_NONE, NULL,
			   "memlock's helper %.200s ended before it traced the program (was it "
			   "killed?)",
			   path);
	else if (err == EPROTO)
		mlk_refuse(why, err, MEMLOCK_CAUSE_NONE, fix,
			   "memlock's helper %.200s is not of this library's version", path);
	else
		mlk_refuse(why, err, MEMLOCK_CAUSE_NONE, err == ENOENT || err == EACCES ? fix : NULL,
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
	l->ctl = above_helper_fds(sv[0]);
	sv[1] = above_helper_fds(sv[1]);
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

int memlock_exec_locked(const char *file, char *const argv[],
			  const struct memlock_exec_opts *opts, struct memlock_verdict *why)
{
	struct mlk_exec_config cfg = { .proto = MLK_EXEC_PROTO, .size = sizeof(cfg) };
	struct memlock_exec_opts o = { .sz = sizeof(o) };
	struct launch l = { -1, -1, -1 };
	enum mlk_exec_plan plan = MLK_PLAN_LOCK;
	struct memlock_verdict local;
	char path[PATH_MAX];
	bool infra;
	int rc;

	if (file == NULL || argv == NULL)
		return mlk_err(-EINVAL);
	if (why == NULL)
		why = &local;
	memset(why, 0, sizeof(*why));
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (o.mcl == 0)
		o.mcl = MCL_CURRENT | MCL_FUTURE;
	if (o.mcl & ~(unsigned int)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) || o.mcl == MCL_ONFAULT)
		return mlk_err(-EINVAL);
	rc = mlk_exec_resolve(file, path, sizeof(path));
	if (rc == 0)
		rc = mlk_exec_check(path, o.mcl, o.best_effort, &cfg.skip, &plan);
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
	cfg.mcl = o.mcl;
	cfg.follow_ms = o.follow_ms;
	cfg.best_effort = o.best_effort;
	if (o.report || o.follow_end) {
		rc = start_reporter(&o, &l, why);
		if (rc < 0)
			return mlk_err(rc);
		cfg.has_reporter = true;
	}
	rc = start_helper(&cfg, &l, why, &infra);
	if (rc < 0 && infra && o.best_effort) {
		/* no helper, no lock: best effort runs it unlocked, and says so
		 * here, in the caller */
		release(&l);
		if (o.report)
			o.report(getpid(), rc, why, 0, o.userdata);
		memset(why, 0, sizeof(*why));
		rc = 0;
	} else if (rc == -EPERM && !infra) {
		struct memlock_status st;

		if (memlock_proc_read_status(NULL, 0, &st) == 0)
			mlk_explain_ptrace_denied(getpid(), &st, why);
	}
	if (rc == 0)
		rc = exec_file(path, argv);
	release(&l);
	return mlk_err(rc);
}
