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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

/* execvp's search, done ahead so the file can be checked before exec. */
static int resolve(const char *file, char *out, size_t sz)
{
	const char *path = getenv("PATH"), *p, *colon;
	int err = -ENOENT;

	if (strchr(file, '/')) {
		snprintf(out, sz, "%s", file);
		return access(out, X_OK) == 0 ? 0 : -errno;
	}
	if (path == NULL)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path; *p; p = colon + 1) {
		struct stat st;
		size_t n;

		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(out, sz, "%.*s%s%s", (int)n, n ? p : ".", "/", file);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			err = -EACCES;
		}
		if (colon == NULL)
			break;
	}
	return err;
}

/* ptrace runs set-user-ID and file-capability programs without their
 * privileges (unless the tracer has them): refuse rather than break them. */
static int check_privileged(const char *path, struct memlock_verdict *why)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if ((st.st_mode & S_ISUID) || ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP)) ||
	    getxattr(path, "security.capability", NULL, 0) > 0) {
		if (why) {
			memset(why, 0, sizeof(*why));
			why->err = EPERM;
			snprintf(why->reason, sizeof(why->reason),
				 "%.200s is a set-user-ID, set-group-ID or file-capability program: "
				 "under ptrace the kernel would run it without its privileges",
				 path);
			mlk_add_fix(why, "lock it from inside (it may call mlockall itself), or "
					 "lock it once running: memlock attach PID");
		}
		return -EPERM;
	}
	return 0;
}

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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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
		now = now_ns();
		if (now >= deadline_ns)
			return 0;
		left.tv_sec = (time_t)((deadline_ns - now) / 1000000000ull);
		left.tv_nsec = (long)((deadline_ns - now) % 1000000000ull);
		(void)sigtimedwait(&chld, NULL, &left);
	}
}

/* The next stop of @pid that matters: 1 at an exec event, 0 at the deadline
 * (with @pid running), exits when @pid is gone. Signals and job-control
 * stops pass through untouched. */
static int next_exec(pid_t pid, uint64_t deadline_ns)
{
	int status;

	for (;;) {
		pid_t r = wait_until(pid, &status, deadline_ns);

		if (r == 0)
			return 0;
		if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			_exit(0);
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
			return 1;
		if (status >> 16 == PTRACE_EVENT_STOP)
			ptrace(PTRACE_LISTEN, pid, 0, 0);	/* stay job-stopped */
		else
			ptrace(PTRACE_CONT, pid, 0, (void *)(long)WSTOPSIG(status));
	}
}

/* At an exec event: lock the new image before it runs. Returns with the
 * process in a stop; 0 when it may run, -1 when it must not (strict). */
static int lock_image(pid_t pid, const struct memlock_exec_opts *o)
{
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCKALL, .kflags = o->mcl };
	long ret = 0, args[6] = { (long)o->mcl };
	struct memlock_verdict why;
	struct memlock_status st;
	struct memlock_target *t;
	int status, rc;

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
	rc = t ? mlk_inject_stopped(t, pid, SYS_mlockall, &ret, args) : -ESRCH;
	if (rc < 0)
		ret = rc;	/* the injection itself failed: report it as the lock's */
	if (ret < 0 && (mlk_predict_exec(pid, &req, &why) < 0 || why.err != (int)-ret)) {
		memset(&why, 0, sizeof(why));
		why.err = (int)-ret;
		snprintf(why.reason, sizeof(why.reason), "%s", strerror((int)-ret));
	}
	if (o->report) {
		if (memlock_proc_read_status(NULL, pid, &st) < 0)
			st.vm_lck = 0;
		o->report(pid, ret, ret < 0 ? &why : NULL, st.vm_lck, o->userdata);
	}
	if (ret < 0 && !o->best_effort && t) {
		long end[6] = { MEMLOCK_EXEC_FAILED };

		/* not one instruction of the program has run: end it here; it
		 * ends inside the injection, so there is nothing to restore */
		memlock_set_log(NULL, MEMLOCK_LOG_ERR, NULL);
		(void)mlk_inject_stopped(t, pid, SYS_exit_group, &ret, end);
		_exit(0);
	}
	memlock_target_close(t);
	return 0;
}

/* Signals the helper ignores: the terminal's and a service manager's, sent
 * to the whole process group or cgroup, must not end it in the middle of an
 * exec. It lives no longer than the program and --follow anyway. */
static void ignore_job_signals(void)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU,
				    SIGHUP, SIGTERM, SIGPIPE };
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t chld;
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
}

/* The helper: trace @pid through its exec(s), lock each new image, detach.
 * Never returns. */
static void __attribute__((noreturn)) helper(pid_t pid, int in, int out,
					     const struct memlock_exec_opts *o)
{
	uint64_t deadline;
	int go, rc, status;

	ignore_job_signals();
	put_int(out, (int)getpid());
	if (get_int(in, &go) < 0)
		_exit(0);
	rc = ptrace(PTRACE_SEIZE, pid, 0, (void *)(long)(PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD));
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
	next_exec(pid, 0);	/* the caller's own exec: no deadline yet */
	lock_image(pid, o);
	if (o->follow_ms) {
		deadline = now_ns() + (uint64_t)o->follow_ms * 1000000ull;
		for (;;) {
			ptrace(PTRACE_CONT, pid, 0, 0);
			if (!next_exec(pid, deadline))
				break;
			lock_image(pid, o);
		}
		/* the deadline: stop it once more, to detach */
		ptrace(PTRACE_INTERRUPT, pid, 0, 0);
		for (;;) {
			if (wait_until(pid, &status, 0) < 0)
				_exit(0);
			if (WIFEXITED(status) || WIFSIGNALED(status))
				_exit(0);
			if (status >> 16 == PTRACE_EVENT_STOP || status >> 8 ==
			    (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
				break;
			/* a signal on its way: detach with it */
			ptrace(PTRACE_DETACH, pid, 0, (void *)(long)WSTOPSIG(status));
			_exit(0);
		}
	}
	ptrace(PTRACE_DETACH, pid, 0, 0);
	_exit(0);
}

/* End the helper and wait until it is gone, so that the caller is no longer
 * traced when this returns (a sanitizer's or debugger's ptrace would fail). */
static void release_helper(pid_t hpid)
{
	struct pollfd p = { .fd = (int)syscall(SYS_pidfd_open, hpid, 0), .events = POLLIN };

	kill(hpid, SIGKILL);
	if (p.fd < 0)
		return;
	while (poll(&p, 1, 5000) < 0 && errno == EINTR)
		;
	close(p.fd);
}

int memlock_execvp_locked(const char *file, char *const argv[],
			  const struct memlock_exec_opts *opts, struct memlock_verdict *why)
{
	struct memlock_exec_opts o = { .sz = sizeof(o) };
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCKALL };
	struct memlock_verdict v;
	int to[2], from[2], hpid, err, rc;
	char path[4096];
	pid_t child;

	if (file == NULL || argv == NULL)
		return mlk_err(-EINVAL);
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (o.mcl == 0)
		o.mcl = MCL_CURRENT | MCL_FUTURE;
	if (o.mcl & ~(unsigned int)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) || o.mcl == MCL_ONFAULT)
		return mlk_err(-EINVAL);
	rc = resolve(file, path, sizeof(path));
	if (rc == 0)
		rc = check_privileged(path, why);
	if (rc < 0)
		return mlk_err(rc);
	/* what does not depend on the new image's size is known now */
	req.kflags = o.mcl;
	if (!o.best_effort && mlk_predict_exec(0, &req, &v) == 0 &&
	    (v.cause == MEMLOCK_CAUSE_LIMIT_ZERO || v.cause == MEMLOCK_CAUSE_BAD_FLAGS)) {
		if (why)
			*why = v;
		return mlk_err(-v.err);
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
		pid_t parent = getppid();

		/* the helper is a grandchild, reparented: the program never
		 * sees a child it did not make */
		if (fork() == 0) {
			close(to[1]);
			close(from[0]);
			helper(parent, to[0], from[1], &o);
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
		/* Yama ptrace_scope 1 lets only ancestors trace, unless we say so */
		(void)prctl(PR_SET_PTRACER, hpid, 0, 0, 0);
		put_int(to[1], 1);
		if (get_int(from[0], &err) < 0)
			rc = -ECHILD;
		else if (err != 0)
			rc = -err;
	}
	if (rc == 0) {
		execv(path, argv);
		rc = -errno;
	}
	/* not exec'ed: the helper must let go of us, and have let go when we
	 * return - a tracer's tracees are released in its exit, before its
	 * pidfd becomes readable */
	if (child > 0 && rc != -ECHILD)
		release_helper(hpid);
	close(to[1]);
	close(from[0]);
	if (rc == -EPERM && why) {
		struct memlock_status st;

		memset(why, 0, sizeof(*why));
		if (memlock_proc_read_status(NULL, 0, &st) == 0)
			mlk_explain_ptrace_denied(getpid(), &st, why);
	}
	return mlk_err(rc);
}
