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
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static volatile pid_t worker;
struct memlock_rescue *guard_rescue;

static void pass_on(int sig)
{
	if (worker > 0)
		kill(worker, sig);
}

int run_guarded(int (*fn)(int, char **), int argc, char **argv)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = pass_on, .sa_flags = SA_RESTART };
	struct sigaction old[ARRAY_SIZE(sigs)];
	sigset_t block, prev;
	pid_t pid, parent;
	int status;
	size_t i;

	/* held from before the fork until the child is known: none is lost,
	 * and none ends this process while the child works on */
	sigemptyset(&block);
	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, &old[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &prev);
	fflush(NULL);
	/* should the worker be SIGKILLed inside a stop, what it takes to put
	 * the thread back is in this shared page (memlock_rescue()) */
	guard_rescue = mmap(NULL, sizeof(*guard_rescue), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (guard_rescue == MAP_FAILED)
		guard_rescue = NULL;
	else
		guard_rescue->sz = sizeof(*guard_rescue);
	parent = getpid();
	pid = fork();
	if (pid <= 0) {
		/* the child, or no child (then do it here, unguarded) */
		for (i = 0; i < ARRAY_SIZE(sigs); i++)
			sigaction(sigs[i], &old[i], NULL);
		if (pid == 0) {
			(void)setpgid(0, 0);
			signal(SIGTTOU, SIG_IGN);
			(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)	/* it died before the prctl */
				raise(SIGTERM);
		}
		sigprocmask(SIG_SETMASK, &prev, NULL);
		if (pid < 0)
			return fn(argc, argv);
		/* _exit: the worker has nothing left to run at exit once stdout
		 * is closed, and LeakSanitizer's exit-time check (a ptrace-based
		 * stop of the worker's threads by a helper task) hung once in CI
		 * with that task dead; the library's leaks are checked by the
		 * sanitized C tests, which call the same code unguarded */
		_exit(close_stdout_rc(fn(argc, argv)));
	}
	worker = pid;
	sigprocmask(SIG_SETMASK, &prev, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_FAILURE;
	if (WIFSIGNALED(status) && guard_rescue) {
		int rc = memlock_rescue(guard_rescue);

		if (rc > 0)
			warnx("the worker was killed (%s) in the middle of a stop: thread %d of "
			      "process %d is put back as it was",
			      strsignal(WTERMSIG(status)), (int)guard_rescue->tid,
			      (int)guard_rescue->pid);
		else if (rc < 0)
			warnx("the worker was killed (%s) in the middle of a stop, and thread %d "
			      "of process %d could not be put back: %s",
			      strsignal(WTERMSIG(status)), (int)guard_rescue->tid,
			      (int)guard_rescue->pid, strerror(-rc));
	}
	if (WIFSIGNALED(status)) {	/* die the same way */
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}
