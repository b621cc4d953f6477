// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * attach and unlock stop a thread of another process and change its
 * registers. A SIGKILL to memlock in that window would make the kernel
 * detach it with the registers still changed, and the process would crash.
 * So those commands run in a child, which finishes (and restores) whatever
 * happens to the memlock the user started: that one only waits, passes
 * ^C and kill on to the child (which takes them between stops), and exits
 * as the child did.
 *
 * The child has a process group of its own, so that a SIGKILL to memlock's
 * group (^\ of a terminal, timeout -s KILL, kill -KILL -PGID) does not reach
 * it; when memlock dies, its parent-death signal (SIGTERM, blocked during a
 * stop like every other) ends it after the stop it is in. It ignores
 * SIGTTOU, so that its report reaches a terminal with tostop set although
 * its group is not the foreground one.
 *
 * The child is made with clone(CLONE_VM), not fork: a fork copies the page
 * tables, over a millisecond of a 7 ms attach on a small VM (make bench).
 * It shares memlock's memory, so from the clone on the waiting side touches
 * none of what the child uses: no stdio, no malloc, no errno it could see
 * (signals come through a signalfd, every call made is one that succeeds),
 * and it ends with _exit. Should the child be killed inside malloc or a
 * stdio call, the waiting side, which takes no lock, still reports and
 * rescues. Under AddressSanitizer, which keeps per-thread state the child
 * would share, and when clone or signalfd fails, it forks as before.
 */
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#if defined(__SANITIZE_ADDRESS__)
#define GUARD_CLONE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GUARD_CLONE 0
#endif
#endif
#ifndef GUARD_CLONE
#define GUARD_CLONE 1
#endif

#define CHILD_STACK (8u << 20)	/* (reserved, not committed: NORESERVE) */

static const int passed_on[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
struct memlock_rescue *guard_rescue;
pid_t guard_waiter;

struct child {
	int (*fn)(int, char **);
	int argc;
	char **argv;
	pid_t parent;
	sigset_t mask;		/* the caller's, for the child's work */
	int close_fd;
};

/* The child's side: its own group, SIGTERM when memlock dies, the work. */
static int child_main(void *arg)
{
	const struct child *c = arg;

	if (c->close_fd >= 0)
		close(c->close_fd);
	(void)setpgid(0, 0);
	signal(SIGTTOU, SIG_IGN);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != c->parent)	/* it died before the prctl */
		kill(getpid(), SIGTERM);
	sigprocmask(SIG_SETMASK, &c->mask, NULL);
	guard_waiter = c->parent;	/* (never a selector's match) */
	/* _exit: the worker has nothing left to run at exit once stdout is
	 * closed, and LeakSanitizer's exit-time check (a ptrace-based stop of
	 * the worker's threads by a helper task) hung once in CI with that
	 * task dead; the library's leaks are checked by the sanitized C tests,
	 * which call the same code unguarded */
	_exit(close_stdout_rc(c->fn(c->argc, c->argv)));
}

/* A line on stderr without stdio (the child may have died holding its
 * lock): "memlock: ..." */
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, (size_t)n);
}

/* After the child: put back a thread it left in a stop (killed, or gone
 * with a record still set), and say so. */
static void rescue(int status)
{
	const char *how = WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "it exited";
	int rc;

	if (guard_rescue == NULL ||
	    (!WIFSIGNALED(status) && __atomic_load_n(&guard_rescue->phase, __ATOMIC_ACQUIRE) == 0))
		return;
	memlock_set_log(NULL, MEMLOCK_LOG_ERR, NULL);	/* (stdio) */
	rc = memlock_rescue_run(guard_rescue);
	if (rc > 0)
		say("the worker was killed (%s) in the middle of a stop: thread %d of process %d "
		    "is put back as it was",
		    how, (int)guard_rescue->tid, (int)guard_rescue->pid);
	else if (rc < 0)
		say("the worker was killed (%s) in the middle of a stop, and thread %d of process "
		    "%d could not be put back: %s",
		    how, (int)guard_rescue->tid, (int)guard_rescue->pid, strerror(-rc));
}

/* End as the child did: by its signal, or with its status. */
static void __attribute__((noreturn)) leave(int status, const sigset_t *mask)
{
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		sigprocmask(SIG_SETMASK, mask, NULL);
		kill(getpid(), WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	_exit(WEXITSTATUS(status));
}

/* The clone(CLONE_VM) way; returns only if it could not start the child. */
static void run_cloned(struct child *c, const sigset_t *prev)
{
	struct signalfd_siginfo si;
	sigset_t wanted;
	int status = 0, sfd;
	char *stack;
	pid_t pid;

	sigemptyset(&wanted);
	for (size_t i = 0; i < ARRAY_SIZE(passed_on); i++)
		sigaddset(&wanted, passed_on[i]);
	sigaddset(&wanted, SIGCHLD);
	sigprocmask(SIG_BLOCK, &wanted, NULL);
	sfd = signalfd(-1, &wanted, SFD_CLOEXEC);
	stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	/* a guard page below it: an overflow faults, not writes over a neighbour */
	if (stack != MAP_FAILED && mprotect(stack, (size_t)getpagesize(), PROT_NONE) < 0) {
		munmap(stack, CHILD_STACK);
		stack = MAP_FAILED;
	}
	if (sfd < 0 || stack == MAP_FAILED) {
		if (sfd >= 0)
			close(sfd);
		if (stack != MAP_FAILED)
			munmap(stack, CHILD_STACK);
		sigprocmask(SIG_SETMASK, prev, NULL);
		return;
	}
	c->close_fd = sfd;
	pid = clone(child_main, stack + CHILD_STACK, CLONE_VM | SIGCHLD, c);
	if (pid < 0) {
		close(sfd);
		munmap(stack, CHILD_STACK);
		sigprocmask(SIG_SETMASK, prev, NULL);
		return;
	}
	/* from here: only calls that touch nothing the child uses */
	for (;;) {
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo != SIGCHLD)
			kill(pid, (int)si.ssi_signo);
		else if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	rescue(status);
	leave(status, prev);
}

int run_guarded(int (*fn)(int, char **), int argc, char **argv)
{
	struct child c = { .fn = fn, .argc = argc, .argv = argv, .close_fd = -1 };
	sigset_t block, prev;
	int status;
	pid_t pid;

	fflush(NULL);
	/* should the worker be SIGKILLed inside a stop, what it takes to put
	 * the thread back is in this shared page (memlock_rescue_run()) */
	guard_rescue = mmap(NULL, sizeof(*guard_rescue), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (guard_rescue == MAP_FAILED)
		guard_rescue = NULL;
	else
		guard_rescue->sz = sizeof(*guard_rescue);
	c.parent = getpid();
	sigprocmask(SIG_SETMASK, NULL, &c.mask);
	if (GUARD_CLONE)
		run_cloned(&c, &c.mask);

	/* fork: held from before the fork until the child is known, the
	 * signals passed on are taken from a signalfd after it */
	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(passed_on); i++)
		sigaddset(&block, passed_on[i]);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &prev);
	pid = fork();
	if (pid == 0) {
		c.close_fd = -1;
		child_main(&c);
	}
	if (pid < 0) {	/* no child: do it here, unguarded */
		sigprocmask(SIG_SETMASK, &prev, NULL);
		return fn(argc, argv);
	}
	for (;;) {
		int sig;

		if (sigwait(&block, &sig) != 0)
			continue;
		if (sig != SIGCHLD)
			kill(pid, sig);
		else if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	rescue(status);
	leave(status, &prev);
}
