// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memlock_exec_locked()'s reporter: the process that runs the caller's
 * report and follow callbacks (see exec.c for why it exists), and what it
 * says when the helper dies without a word.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/exec.h"
#include "inject/target.h"

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

	mlk_refuse(&why, EPIPE, MEMLOCK_CAUSE_NONE, MEMLOCK_FIX_NONE,
		   "memlock's helper process ended before it locked the program (was it "
		   "killed?)%s",
		   o->flags & MEMLOCK_F_BEST_EFFORT ? "" : ", and the program was killed with it");
	o->report(pid, -EPIPE, &why, 0, o->userdata);
}

/* PF_EXITING in /proc/@pid/stat's flags (field 9): it is on its way out,
 * its SIGKILL already taken. */
static bool exiting(pid_t pid)
{
	uint64_t flags = 0;
	char *buf;
	size_t len;

	if (mlk_read_proc(NULL, pid, "stat", &buf, &len) < 0)
		return true;
	(void)mlk_stat_u64(buf, len, 9, &flags);
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
	if (!reported && o->report && (!(o->flags & MEMLOCK_F_BEST_EFFORT) || !injecting || runs_on(pid)))
		report_helper_gone(o, pid);
	_exit(0);
}

/* A descriptor above the ones the helper is given (0 to MLK_REPORT_FD), so
 * that no dup2 of the spawn overwrites another. */
int mlk_exec_fd_above(int fd)
{
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, MLK_REPORT_FD + 1);

	close(fd);
	return hi;
}

int mlk_exec_start_reporter(const struct memlock_exec_opts *o, struct memlock_verdict *why)
{
	struct memlock_status st = { .sz = sizeof(st) };
	pid_t self = getpid(), child;
	int sv[2], rc;

	if (memlock_proc_read_status(NULL, 0, &st) < 0 || st.threads != 1) {
		char n[16] = "?";

		if (st.threads > 0)
			snprintf(n, sizeof(n), "%u", st.threads);
		mlk_refuse(why, EINVAL, MEMLOCK_CAUSE_NONE, MEMLOCK_FIX_SINGLE_THREADED,
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
	rc = mlk_exec_fd_above(sv[1]);
	return rc < 0 ? -EMFILE : rc;
}
