// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memlock-exec-helper - the tracer of memlock_exec_locked() (lib/exec/exec.c
 * says why it is a program of its own). Spawned by the caller, it reads
 * what to do, forks the tracer and exits, so that the program never sees a
 * child it did not make; the tracer seizes the caller's thread, and at each
 * exec it follows - the new image set up, not one instruction of it run -
 * injects mlockall, reports, detaches and exits. It prints nothing: the
 * outcomes go to the caller's reporter as records.
 *
 * Not a command: it is started with MLK_CTL_FD (and MLK_REPORT_FD) open,
 * and exits at once otherwise.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/exec.h"
#include "inject/target.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#define OPTIONS (PTRACE_O_TRACEEXEC | PTRACE_O_TRACESYSGOOD)

struct helper {
	struct mlk_exec_config cfg;
	pid_t pid;	/* the traced task: the caller's thread, then the program */
	int ctl;	/* the caller, until its exec closes it; -1 after */
	int rep;	/* the reporter, or -1 */
	int sfd;	/* signalfd of SIGCHLD: a stop or exit of the tracee */
};

static void tell(struct helper *h, int kind)
{
	struct mlk_exec_msg m = { .kind = kind, .pid = h->pid };

	if (h->rep >= 0 && mlk_msg_send(h->rep, &m) < 0)
		h->rep = -1;
}

/* The end, by our own choice: the reporter is told, so that it does not
 * take the end of the socket for a killed helper. */
static void __attribute__((noreturn)) finish(struct helper *h)
{
	tell(h, MLK_MSG_DONE);
	_exit(0);
}

/* PTRACE_O_EXITKILL: our death kills the program. Without best effort it
 * is set from the seize to the detach; with best effort only while
 * registers are changed. */
static void exitkill(struct helper *h, bool on)
{
	(void)ptrace(PTRACE_SETOPTIONS, h->pid, 0, (void *)(long)(OPTIONS | (on ? PTRACE_O_EXITKILL : 0)));
}

static void __attribute__((noreturn)) detach_running(struct helper *h);

/* The caller spoke: its exec failed and we must let go; or its end closed
 * (its exec, or its death: the tracee's own stops say which). */
static void caller_spoke(struct helper *h)
{
	struct mlk_exec_msg m;
	bool release = mlk_msg_recv(h->ctl, &m) == 0 && m.kind == MLK_MSG_RELEASE;

	close(h->ctl);
	h->ctl = -1;
	if (release)
		detach_running(h);
}

/*
 * The next wait status of the tracee (any: a thread that execs takes the
 * process's PID, and the exec event comes from that PID), or 0 at
 * @deadline_ns (CLOCK_MONOTONIC; 0: none). SIGCHLD is blocked and read
 * from a signalfd, so a stop between the WNOHANG wait and the poll is no
 * lost wake-up.
 */
static pid_t wait_stop(struct helper *h, int *status, uint64_t deadline_ns)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = h->sfd, .events = POLLIN },
				       { .fd = h->ctl, .events = POLLIN } };
		struct signalfd_siginfo si;
		struct timespec left, *tp = NULL;
		pid_t r = waitpid(-1, status, __WALL | WNOHANG);
		uint64_t now;

		if (r != 0)
			return r;
		if (deadline_ns) {
			now = mlk_now_ns();
			if (now >= deadline_ns)
				return 0;
			left.tv_sec = (time_t)((deadline_ns - now) / 1000000000ull);
			left.tv_nsec = (long)((deadline_ns - now) % 1000000000ull);
			tp = &left;
		}
		if (ppoll(p, h->ctl >= 0 ? 2 : 1, tp, NULL) < 0 && errno != EINTR)
			return -1;
		if (p[0].revents & POLLIN) {
			/* drained only; (void) does not quiet -D_FORTIFY_SOURCE's
			 * warn_unused_result */
			ssize_t n = read(h->sfd, &si, sizeof(si));

			(void)n;
		}
		if (h->ctl >= 0 && p[1].revents)
			caller_spoke(h);
	}
}

/*
 * The next stop that matters: 1 at an exec event (h->pid updated), 0 at
 * the deadline (the task running); ends when the task is gone. Signals
 * are passed on, job-control stops kept.
 */
static int next_exec(struct helper *h, uint64_t deadline_ns)
{
	int status;

	for (;;) {
		pid_t r = wait_stop(h, &status, deadline_ns);

		if (r == 0)
			return 0;
		if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			finish(h);
		h->pid = r;
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

/* Shells, env and the commands that set something up and exec their
 * argument: what wrapper scripts and shims (pyenv, rbenv, nvm, sh -c)
 * run before the real program. After their exec another one is all but
 * sure, and a loaded machine may take seconds to get to it. */
static bool is_launcher(const char *name)
{
	static const char *const names[] = {
		"sh", "bash", "dash", "zsh", "ksh", "ksh93", "mksh", "busybox", "env",
		"nice", "nohup", "ionice", "chrt", "taskset", "numactl", "stdbuf", "setpriv",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* The image now in h->pid (the file's name, which a script's comm is not)
 * and whether it is a launcher. */
static bool image_of(struct helper *h, char *name, size_t sz)
{
	char exe[64], path[4096];
	const char *base;
	ssize_t n;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)h->pid);
	n = readlink(exe, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(name, sz, "%.63s", base);
	return is_launcher(base);
}

/* The window after an exec: --follow's, ten times as long after a
 * launcher's (the exec that follows is why the window exists). */
static unsigned int window_ms(struct helper *h, struct mlk_exec_msg *end)
{
	bool launcher = image_of(h, end->image, sizeof(end->image));

	end->launcher = launcher;
	end->ms = launcher && h->cfg.follow_ms <= UINT_MAX / 10 ? h->cfg.follow_ms * 10
								 : h->cfg.follow_ms;
	return end->ms;
}

/*
 * The window ended: stop the task once more. An exec that comes first is
 * still followed (1: lock it); otherwise the reporter learns that the
 * window ended, and on what image - a launcher still running is about to
 * exec a program that will run unlocked - and we detach.
 */
static int end_window(struct helper *h, struct mlk_exec_msg *end)
{
	int status;
	pid_t r;

	ptrace(PTRACE_INTERRUPT, h->pid, 0, 0);
	r = wait_stop(h, &status, 0);
	if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
		finish(h);
	h->pid = r;
	if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
		return 1;
	end->kind = MLK_MSG_FOLLOW_END;
	end->pid = h->pid;
	if (h->rep >= 0 && mlk_msg_send(h->rep, end) < 0)
		h->rep = -1;
	/* a signal on its way: detach with it */
	ptrace(PTRACE_DETACH, r, 0,
	       (void *)(long)(status >> 16 == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(status)));
	finish(h);
}

/* When the caller's exec failed: stop the task once more, to detach. */
static void __attribute__((noreturn)) detach_running(struct helper *h)
{
	int status;

	ptrace(PTRACE_INTERRUPT, h->pid, 0, 0);
	for (;;) {
		pid_t r = wait_stop(h, &status, 0);

		if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			finish(h);
		if (status >> 16 == PTRACE_EVENT_STOP ||
		    status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
			break;
		/* a signal on its way: detach with it */
		ptrace(PTRACE_DETACH, r, 0, (void *)(long)WSTOPSIG(status));
		finish(h);
	}
	ptrace(PTRACE_DETACH, h->pid, 0, 0);
	finish(h);
}

/* The program must not run: end it before its first instruction, with
 * MEMLOCK_EXEC_FAILED; where that cannot be injected, SIGKILL. */
static void __attribute__((noreturn)) end_program(struct helper *h, struct memlock_target *t)
{
	long end[6] = { MEMLOCK_EXEC_FAILED }, ret = -1;

	/* it ends inside the injection, so there is nothing to restore */
	if (t == NULL || mlk_inject_stopped(t, h->pid, SYS_exit_group, &ret, end) < 0)
		kill(h->pid, SIGKILL);
	finish(h);
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
	mlk_refuse(why, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED, MEMLOCK_FIX_STOP_FOLLOWING,
		   "%.150s, executed within the follow window, is a set-user-ID, set-group-ID or "
		   "file-capability program, and under memlock's ptrace it runs without its "
		   "privileges",
		   path);
	return true;
}

/* The outcome to the reporter, which answers once it has reported it: the
 * program runs on only after that, so the report comes before its output. */
static void report(struct helper *h, long ret, const struct memlock_verdict *why)
{
	struct mlk_exec_msg m = { .kind = MLK_MSG_RESULT, .pid = h->pid, .ret = ret };
	struct memlock_status st = { .sz = sizeof(st) };

	if (h->rep < 0)
		return;
	if (memlock_proc_read_status(NULL, h->pid, &st) == 0)
		m.vmlck = st.vm_lck;
	if (why) {
		m.has_why = true;
		m.why = *why;
	}
	if (mlk_msg_send(h->rep, &m) < 0 || mlk_msg_recv(h->rep, &m) < 0)
		h->rep = -1;
}

/* mlockall in the stopped new image; @why filled when it fails. */
static long inject_lock(struct helper *h, struct memlock_target *t, unsigned int mcl,
			struct memlock_verdict *why)
{
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCKALL, .kflags = mcl };
	long ret = 0, args[6] = { (long)mcl };
	int rc;

	/* changed registers must not outlive us: with best effort, EXITKILL
	 * from here until the outcome is reported (lock_image), and the
	 * reporter learns it first */
	tell(h, MLK_MSG_INJECTING);
	if (h->cfg.best_effort)
		exitkill(h, true);
	rc = t ? mlk_inject_stopped(t, h->pid, SYS_mlockall, &ret, args) : -ESRCH;
	if (rc < 0) {	/* the injection itself failed, not the lock */
		mlk_refuse(why, -rc, MEMLOCK_CAUSE_NONE, MEMLOCK_FIX_NONE,
			   "memlock could not inject mlockall into the new image: %s", strerror(-rc));
		return rc;
	}
	if (ret < 0 && (mlk_predict_exec(h->pid, &req, why) < 0 || why->err != (int)-ret))
		mlk_refuse(why, (int)-ret, MEMLOCK_CAUSE_NONE, MEMLOCK_FIX_NONE, "mlockall failed: %s",
			   strerror((int)-ret));
	return ret;
}

/*
 * At an exec event: lock the new image before it runs. Returns with the
 * process in a stop, when it may run; ends it (without best effort) when
 * not.
 */
static void lock_image(struct helper *h, bool followed)
{
	unsigned int mcl = h->cfg.mcl;
	struct memlock_verdict why;
	struct memlock_target *t;
	bool injected = false, caveat = false;
	int status, sig = 0;
	char exe[64];
	long ret;

	mlk_verdict_clear(&why);

	/* the exec event comes inside execve: go on to its exit stop, where the
	 * new image is complete and not one instruction of it has run (the
	 * kernel reports that stop before it delivers any signal; one that
	 * came first all the same is passed on, not dropped) */
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, h->pid, 0, (void *)(long)sig) < 0 ||
		    waitpid(h->pid, &status, __WALL) < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			finish(h);
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			break;
		sig = status >> 16 == 0 ? WSTOPSIG(status) : 0;
	}
	t = mlk_target_new(h->pid);
	if (h->cfg.skip_lock) {
		why = h->cfg.skip;
		ret = -why.err;
	} else if (followed && followed_refusal(h->pid, &why)) {
		ret = -why.err;
	} else if (snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)h->pid) > 0 &&
		   mlk_exec_startup_check(h->pid, exe, mcl, &why) < 0 &&
		   (!h->cfg.best_effort || !(mcl & MCL_CURRENT))) {
		/* its start-up does not fit under MCL_FUTURE: it would die in
		 * its loader; best effort without MCL_CURRENT has nothing left */
		ret = -why.err;
	} else {
		/* best effort: MCL_CURRENT alone, so that it starts (said) */
		caveat = why.err != 0;
		if (caveat)
			mcl &= ~(unsigned int)MCL_FUTURE;
		ret = inject_lock(h, t, mcl, &why);
		injected = true;
	}
	report(h, ret, ret < 0 || caveat ? &why : NULL);
	if (injected && h->cfg.best_effort)
		exitkill(h, false);
	if (ret < 0 && !h->cfg.best_effort)
		end_program(h, t);
	memlock_target_close(t);
}

/* The configuration, the fork that makes us the caller's grandchild, and
 * the seize; the answers go to the caller. Returns in the tracer. */
static void start(struct helper *h)
{
	struct mlk_exec_msg m = { .kind = MLK_MSG_HELLO };
	unsigned long opts = OPTIONS;
	sigset_t chld;
	ssize_t n;
	pid_t pid;

	n = recv(h->ctl, &h->cfg, sizeof(h->cfg), MSG_TRUNC);
	if (n != (ssize_t)sizeof(h->cfg) || h->cfg.proto != MLK_EXEC_PROTO ||
	    h->cfg.size != sizeof(h->cfg)) {
		m.ret = -EPROTO;
		(void)mlk_msg_send(h->ctl, &m);
		_exit(1);
	}
	pid = fork();
	if (pid != 0) {	/* the caller reaps us; the tracer is reparented */
		m.ret = pid < 0 ? -errno : 0;
		if (pid < 0)
			(void)mlk_msg_send(h->ctl, &m);
		_exit(pid < 0);
	}
	mlk_exec_ignore_job_signals();
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	h->sfd = signalfd(-1, &chld, SFD_CLOEXEC);
	h->rep = h->cfg.has_reporter ? MLK_REPORT_FD : -1;
	m.pid = getpid();
	/* no word from the caller: it failed or died before its exec */
	if (h->sfd < 0 || mlk_msg_send(h->ctl, &m) < 0 || mlk_msg_recv(h->ctl, &m) < 0 ||
	    m.kind != MLK_MSG_GO)
		finish(h);
	if (!h->cfg.best_effort)
		opts |= PTRACE_O_EXITKILL;	/* from now on the caller dies with us */
	m.kind = MLK_MSG_SEIZED;
	m.ret = ptrace(PTRACE_SEIZE, h->cfg.tid, 0, (void *)opts) < 0 ? -errno : 0;
	(void)mlk_msg_send(h->ctl, &m);
	if (m.ret < 0)
		finish(h);
	h->pid = h->cfg.tid;
}

/*
 * Trace thread cfg.tid (the caller's, which execs) through its exec(s),
 * lock each new image, detach. --follow's window restarts at each exec, so
 * a chain of wrappers is followed to its end, and the program proper is
 * traced only cfg.follow_ms after its own exec (a launcher: ten times).
 */
int main(void)
{
	struct helper h = { .ctl = MLK_CTL_FD, .rep = -1, .sfd = -1 };

	start(&h);
	next_exec(&h, 0);	/* the caller's own exec: no deadline yet */
	lock_image(&h, false);
	while (h.cfg.follow_ms) {
		struct mlk_exec_msg end = { 0 };
		uint64_t ms = window_ms(&h, &end);

		ptrace(PTRACE_CONT, h.pid, 0, 0);
		if (!next_exec(&h, mlk_now_ns() + ms * 1000000ull) && !end_window(&h, &end))
			break;
		lock_image(&h, true);
	}
	ptrace(PTRACE_DETACH, h.pid, 0, 0);
	finish(&h);
}
