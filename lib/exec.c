// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Running a program locked from its first instruction. Locks and MCL_FUTURE
 * are dropped at execve, so the lock has to happen inside the new image: a
 * helper grandchild (a grandchild, so the program never sees an unknown
 * child) seizes the caller with PTRACE_O_TRACEEXEC, the caller execs, and
 * at the exec stop - the new image set up, not one instruction run - the
 * helper injects mlockall, detaches and exits. The program keeps the
 * caller's PID, descriptors, environment, signals and exit status.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "target.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

static void put_int(int fd, int v)
{
	ssize_t n = write(fd, &v, sizeof(v));

	(void)n;
}

static int get_int(int fd, int *v)
{
	ssize_t n;

	do
		n = read(fd, v, sizeof(*v));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*v) ? 0 : -EPIPE;
}

/* waitpid(@pid) until @deadline_ns (CLOCK_MONOTONIC; 0: no deadline).
 * SIGCHLD is blocked in the helper, so a stop reported between the
 * WNOHANG poll and the wait stays pending: no lost wake-up. */
static pid_t wait_until(pid_t pid, int *status, uint64_t deadline_ns)
{
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		pid_t r = waitpid(pid, status, __WALL | (deadline_ns ? WNOHANG : 0));
		uint64_t now;
		struct timespec left;

		if (r != 0 || deadline_ns == 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return r;
		}
		now = mlk_now_ns();
		if (now >= deadline_ns)
			return 0;
		left.tv_sec = (time_t)((deadline_ns - now) / 1000000000ull);
		left.tv_nsec = (long)((deadline_ns - now) % 1000000000ull);
		(void)sigtimedwait(&chld, NULL, &left);
	}
}

/*
 * The helper traces one task, so waits are for any child (-1): a thread
 * that execs takes the process's PID, and the exec event comes from that
 * PID. The next stop that matters: 1 at an exec event (*@pid updated), 0 at
 * the deadline (the task running); exits when the task is gone. Signals and
 * job-control stops pass through untouched.
 */
static int next_exec(pid_t *pid, uint64_t deadline_ns)
{
	int status;

	for (;;) {
		pid_t r = wait_until(-1, &status, deadline_ns);

		if (r == 0)
			return 0;
		if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			_exit(0);
		*pid = r;
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
			return 1;
		if (status >> 16 == PTRACE_EVENT_STOP && mlk_is_stop_signal(WSTOPSIG(status)))
			ptrace(PTRACE_LISTEN, r, 0, 0);	/* a group stop: stay stopped */
		else if (status >> 16 == PTRACE_EVENT_STOP)
			ptrace(PTRACE_CONT, r, 0, 0);	/* SIGCONT ended it: run on */
		else
			ptrace(PTRACE_CONT, r, 0, (void *)(long)WSTOPSIG(status));
	}
}

/* The program must not run: end it before its first instruction, with
 * MEMLOCK_EXEC_FAILED; where that cannot be injected, SIGKILL. */
static void __attribute__((noreturn)) end_program(struct memlock_target *t, pid_t pid)
{
	long end[6] = { MEMLOCK_EXEC_FAILED }, ret = -1;

	/* it ends inside the injection, so there is nothing to restore */
	memlock_set_log(NULL, MEMLOCK_LOG_ERR, NULL);
	if (t == NULL || mlk_inject_stopped(t, pid, SYS_exit_group, &ret, end) < 0)
		kill(pid, SIGKILL);
	_exit(0);
}

/* Why a followed image is not locked (the first one was checked before the
 * exec): a privileged program that ptrace has already run unprivileged. */
static bool followed_refusal(pid_t pid, struct memlock_verdict *why)
{
	char exe[64], path[4096];
	ssize_t n;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	n = readlink(exe, path, sizeof(path) - 1);
	if (n <= 0 || !mlk_exec_loses_privileges(exe))
		return false;
	path[n] = '\0';
	mlk_refuse(why, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED,
		   "give --follow 0 so that memlock lets go before, or run memlock as root",
		   "%.150s, executed within --follow, is a set-user-ID, set-group-ID or "
		   "file-capability program, and under memlock's ptrace it runs without its "
		   "privileges",
		   path);
	return true;
}

/*
 * At an exec event: lock the new image before it runs. Returns with the
 * process in a stop, when it may run; ends it (strict) when not. @why_skip:
 * the lock is not tried (best effort past a seccomp filter), and why.
 */
static void lock_image(pid_t pid, const struct memlock_exec_opts *o, bool followed,
		       const struct memlock_verdict *why_skip)
{
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCKALL, .kflags = o->mcl };
	long ret = 0, args[6] = { (long)o->mcl };
	struct memlock_verdict why;
	struct memlock_status st;
	struct memlock_target *t;
	int status, rc = 0;

	/* the exec event comes inside execve: go on to its exit stop, where the
	 * new image is complete and not one instruction of it has run */
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0 || waitpid(pid, &status, __WALL) < 0 ||
		    WIFEXITED(status) || WIFSIGNALED(status))
			_exit(0);
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			break;
	}
	t = mlk_target_new(pid);
	if (why_skip) {
		why = *why_skip;
		ret = -why.err;
	} else if (followed && followed_refusal(pid, &why)) {
		ret = -why.err;
	} else {
		rc = t ? mlk_inject_stopped(t, pid, SYS_mlockall, &ret, args) : -ESRCH;
		if (rc < 0) {	/* the injection itself failed, not the lock */
			mlk_refuse(&why, -rc, MEMLOCK_CAUSE_NONE, NULL,
				   "memlock could not inject mlockall into the new image: %s",
				   strerror(-rc));
			ret = rc;
		} else if (ret < 0 && (mlk_predict_exec(pid, &req, &why) < 0 ||
				       why.err != (int)-ret)) {
			mlk_refuse(&why, (int)-ret, MEMLOCK_CAUSE_NONE, NULL, "%s",
				   strerror((int)-ret));
		}
	}
	if (o->report) {
		if (memlock_proc_read_status(NULL, pid, &st) < 0)
			st.vm_lck = 0;
		o->report(pid, ret, ret < 0 ? &why : NULL, st.vm_lck, o->userdata);
	}
	if (ret < 0 && !o->best_effort)
		end_program(t, pid);
	memlock_target_close(t);
}

/* Signals the helper ignores: the terminal's and a service manager's, sent
 * to the whole process group or cgroup, must not end it in the middle of an
 * exec. It lives no longer than the program and --follow anyway. */
static void ignore_job_signals(void)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
				    SIGHUP, SIGTERM, SIGPIPE };
	struct sigaction sa = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
	sigset_t chld;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* an inherited SIG_IGN or SA_NOCLDSTOP would stop the kernel from
	 * sending the SIGCHLD of the stops we wait for */
	sigaction(SIGCHLD, &dfl, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
}

/* After the last exec of the window: stop the task once more, to detach. */
static void __attribute__((noreturn)) detach_running(pid_t pid)
{
	int status;

	ptrace(PTRACE_INTERRUPT, pid, 0, 0);
	for (;;) {
		pid_t r = wait_until(-1, &status, 0);

		if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			_exit(0);
		if (status >> 16 == PTRACE_EVENT_STOP ||
		    status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
			break;
		/* a signal on its way: detach with it */
		ptrace(PTRACE_DETACH, r, 0, (void *)(long)WSTOPSIG(status));
		_exit(0);
	}
	ptrace(PTRACE_DETACH, pid, 0, 0);
	_exit(0);
}

/*
 * The helper: trace thread @tid (the caller's, which execs) through its
 * exec(s), lock each new image, detach. --follow's window restarts at each
 * exec, so a chain of wrappers is followed to its end, and the program
 * proper is traced only @o->follow_ms after its own exec. Never returns.
 */
static void __attribute__((noreturn)) helper(pid_t tid, int in, int out,
					     const struct memlock_exec_opts *o,
					     const struct memlock_verdict *why_skip)
{
	pid_t pid = tid;
	int go, rc;

	ignore_job_signals();
	put_int(out, (int)getpid());
	if (get_int(in, &go) < 0)
		_exit(0);
	rc = ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)(PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD));
	put_int(out, rc < 0 ? errno : 0);
	if (rc < 0)
		_exit(0);
	/* hold none of the program's descriptors open (a pipe's reader would
	 * wait for our end); stderr stays, for the report */
	close_range(3, ~0u, 0);
	rc = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (rc >= 0) {
		dup2(rc, 0);
		dup2(rc, 1);
	}
	next_exec(&pid, 0);	/* the caller's own exec: no deadline yet */
	lock_image(pid, o, false, why_skip);
	while (o->follow_ms) {
		ptrace(PTRACE_CONT, pid, 0, 0);
		if (!next_exec(&pid, mlk_now_ns() + (uint64_t)o->follow_ms * 1000000ull))
			detach_running(pid);
		lock_image(pid, o, true, why_skip);
	}
	ptrace(PTRACE_DETACH, pid, 0, 0);
	_exit(0);
}

/* End the helper and wait until it is gone, so that the caller is no longer
 * traced when this returns (a sanitizer's or debugger's ptrace would fail).
 * @pidfd was opened while it was alive: a PID reused since is never hit. */
static void release_helper(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd < 0)
		return;
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	while (poll(&p, 1, 5000) < 0 && errno == EINTR)
		;
	close(pidfd);
}

/* @path has a slash (mlk_exec_resolve): execvp searches nothing, and does
 * only what is wanted of it here, a file without a #! line run by /bin/sh. */
static int exec_file(const char *path, char *const argv[])
{
	execvp(path, argv);
	return -errno;
}

int memlock_execvp_locked(const char *file, char *const argv[],
			  const struct memlock_exec_opts *opts, struct memlock_verdict *why)
{
	struct memlock_exec_opts o = { .sz = sizeof(o) };
	struct memlock_verdict local, skip = { 0 };
	int to[2], from[2], hpid, hfd = -1, err, rc;
	pid_t child, tid = gettid();
	bool skip_lock;
	char path[4096];

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
		rc = mlk_exec_check(path, o.mcl, o.best_effort, &skip, &skip_lock);
	if (rc < 0) {
		*why = skip;	/* the refusal's reason, or still all zero */
		return mlk_err(rc);
	}
	if (pipe2(to, O_CLOEXEC) < 0)
		return mlk_err(-errno);
	if (pipe2(from, O_CLOEXEC) < 0) {
		rc = -errno;
		close(to[0]);
		close(to[1]);
		return mlk_err(rc);
	}
	child = fork();
	if (child == 0) {
		/* the helper is a grandchild, reparented: the program never
		 * sees a child it did not make */
		if (fork() == 0) {
			close(to[1]);
			close(from[0]);
			helper(tid, to[0], from[1], &o, skip_lock ? &skip : NULL);
		}
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	rc = child < 0 ? -errno : 0;
	if (child > 0)
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	if (rc == 0 && get_int(from[0], &hpid) < 0)
		rc = -ECHILD;
	if (rc == 0) {
		/* it waits for our word: alive, so the pidfd is surely its */
		hfd = (int)syscall(SYS_pidfd_open, hpid, 0);
		/* Yama ptrace_scope 1 lets only ancestors trace, unless we say so */
		(void)prctl(PR_SET_PTRACER, hpid, 0, 0, 0);
		put_int(to[1], 1);
		if (get_int(from[0], &err) < 0)
			rc = -ECHILD;
		else if (err != 0)
			rc = -err;
	}
	if (rc == 0)
		rc = exec_file(path, argv);
	/* not exec'ed: the helper must let go of us, and have let go when we
	 * return - a tracer's tracees are released in its exit, before its
	 * pidfd becomes readable */
	if (child > 0 && rc != -ECHILD)
		release_helper(hfd);
	else if (hfd >= 0)
		close(hfd);
	close(to[1]);
	close(from[0]);
	if (rc == -EPERM) {
		struct memlock_status st;

		if (memlock_proc_read_status(NULL, 0, &st) == 0)
			mlk_explain_ptrace_denied(getpid(), &st, why);
	}
	return mlk_err(rc);
}
