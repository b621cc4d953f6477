/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/exec.h - run a program locked from its first instruction. Include <memlock.h>. */
#ifndef MEMLOCK_EXEC_H
#define MEMLOCK_EXEC_H

#include <memlock/predict.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit status of a program memlock_exec_locked() would not run unlocked
 * (the one coreutils' env and nice use for their own failures). */
#define MEMLOCK_EXEC_FAILED 125

/* Called once the lock was tried at the program's first instruction: @ret
 * is mlockall's answer (-EPIPE when memlock's helper was killed before it
 * locked the program), @why its explanation when it failed (NULL when it
 * worked; with best effort, @ret 0 and @why set mean that it was locked
 * without MCL_FUTURE, under which its start-up would not fit, @why saying
 * why), @vmlck the program's VmLck after it. It runs in a reporter
 * process forked from the caller before the exec, so only a single-threaded
 * caller may give one; with best effort and no usable helper it is called
 * in the caller itself, before the exec. */
typedef void (*memlock_exec_report_fn)(pid_t pid, long ret, const struct memlock_verdict *why,
				       uint64_t vmlck, void *userdata);

/* Called when --follow's window ends with no exec in it: @pid runs
 * @image (the file's name), not followed any more after @ms of it;
 * @launcher: it is a shell, env or a command like it, which wrappers run
 * before the real program - an exec of it from now on is not locked. In
 * the reporter, as the report callback. */
typedef void (*memlock_exec_follow_fn)(pid_t pid, const char *image, unsigned int ms,
				       bool launcher, void *userdata);

/**
 * struct memlock_exec_opts - how memlock_exec_locked() locks the program.
 * @sz: sizeof(struct memlock_exec_opts), set by the caller (MEMLOCK_OPTS()
 *      does it); 0 is -EINVAL; see common.h for a struct of another size.
 * @flags: MEMLOCK_F_CURRENT and/or MEMLOCK_F_FUTURE, optionally
 *         MEMLOCK_F_ONFAULT (mlockall(2)'s MCL_*; no lock flag means
 *         MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE), and MEMLOCK_F_BEST_EFFORT:
 *         when the lock fails, run the program unlocked (and report) rather
 *         than end it with MEMLOCK_EXEC_FAILED. Other bits: -EINVAL.
 * @report, @userdata: the report callback (may be NULL), called at every
 *                     exec the helper follows.
 * @follow_ms: keep following the process for this long after each exec,
 *             locking again at an exec within that time (wrapper scripts,
 *             pyenv shims and `env` exec the real program right away), so
 *             a chain is followed to its end; 0 locks the first image only.
 *             An exec by another thread than the one followed ends it.
 *             After the exec of a launcher (a shell, env, nice...) the
 *             window is ten times as long: the real program comes next.
 * @follow_end: called when the window ends (may be NULL); needs @report's
 *              single-threaded caller too.
 */
struct memlock_exec_opts {
	size_t sz;
	unsigned int flags;
	memlock_exec_report_fn report;
	void *userdata;
	unsigned int follow_ms;
	memlock_exec_follow_fn follow_end;
};

/**
 * memlock_exec_locked() - execvp(@file, @argv) with the new program's
 * memory locked from its first instruction. Locks and MCL_FUTURE do not
 * survive execve, so a short-lived helper program (memlock-exec-helper, in
 * LIBEXECDIR or $MEMLOCK_LIBEXECDIR, spawned with posix_spawn in a session
 * of its own, and reparented: the program never sees it as a child) catches
 * the exec stop, injects mlockall() into the new image before it runs,
 * and detaches. The caller's side makes only async-signal-safe calls after
 * it forks, so a multithreaded caller may use it. The program keeps the
 * caller's PID, file descriptors, environment and exit status.
 * @opts: how (NULL: MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE, no callbacks).
 * @why: if not NULL, filled when it refuses before exec.
 *
 * Return: only on failure, -errno: -ENOENT/-EACCES/-ENAMETOOLONG (as execvp; a
 * path too long is refused, never cut), -EPERM (a
 * set-user-ID or file-capability program, which ptrace would run without
 * its privileges; or a lock the predictor says fails, without best effort;
 * or ptrace refused), -EINVAL (bad flags, @opts->sz 0 or too small, or a
 * report callback from a multithreaded caller), -E2BIG (@opts bigger than
 * this version's, with a member it does not know set); -ENOENT/-EACCES/-EPROTO/-EPIPE with @why filled
 * when the helper cannot be run or was killed before it traced the caller
 * (with best effort the program runs unlocked instead). When the lock fails
 * at the exec stop, the program ends with MEMLOCK_EXEC_FAILED before
 * running; without best effort, a helper killed before the lock is done
 * takes the program with it (SIGKILL, PTRACE_O_EXITKILL) rather than let it
 * run unlocked.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_exec_locked(const char *file, char *const argv[],
							 const struct memlock_exec_opts *opts,
							 struct memlock_verdict *why);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_EXEC_H */
