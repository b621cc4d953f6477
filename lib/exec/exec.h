/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memlock_exec_locked(): what exec-check.c checks before the exec, and
 * what exec.c (the caller's side) and memlock-exec-helper (the tracer,
 * libexec/memlock-exec-helper.c) say to each other.
 */
#ifndef MLK_EXEC_H
#define MLK_EXEC_H

#include <sys/socket.h>

#include "predict/predict.h"

/* execvp's search of PATH for @file: 0 with the path in @out, or -errno. */
MLK_HIDDEN int mlk_exec_resolve(const char *file, char *out, size_t sz);
/* A set-user-ID, set-group-ID or file-capability program, which under our
 * ptrace would run without its privileges (we have no CAP_SYS_PTRACE). */
MLK_HIDDEN bool mlk_exec_loses_privileges(const char *path);
/* What memlock_exec_locked() does with a program mlk_exec_check() let through. */
enum mlk_exec_plan {
	MLK_PLAN_LOCK = 0,	/* trace it and lock it */
	MLK_PLAN_SKIP_LOCK,	/* trace it (to report each image), lock nothing */
	MLK_PLAN_UNTRACED,	/* exec it untraced: any trace would harm it */
};
/*
 * Refusals known before the exec, each explained in @why (not NULL): a
 * program that would lose its privileges (EPERM), a 32-bit one
 * (EOPNOTSUPP), bad flags, a zero limit (unless @best_effort), a seccomp
 * filter that kills or denies mlockall. With @best_effort the first and
 * the last are not refusals: 0 with *@plan saying what to do instead and
 * @why saying why (a privileged program runs untraced, so that it keeps
 * its privileges).
 */
MLK_HIDDEN int mlk_exec_check(const char *path, unsigned int mcl, bool best_effort,
			      struct memlock_verdict *why, enum mlk_exec_plan *plan);
/* exec-startup.c: the bytes @path (or a script's #! interpreter) maps
 * before main - its span, its loader's and its libraries' - at least:
 * a library not found is not counted. */
MLK_HIDDEN uint64_t mlk_exec_startup_size(const char *path, unsigned int *n_objects);
/* With MCL_FUTURE in @mcl: 0 when that start-up fits the soft limit of
 * @pid (0: the caller, before the exec; or it has CAP_IPC_LOCK), else
 * -ENOMEM with @why saying why, the limit's fixes and --current. */
MLK_HIDDEN int mlk_exec_startup_check(pid_t pid, const char *path, unsigned int mcl,
				      struct memlock_verdict *why);
/* The terminal's and a service manager's signals, which the helper and the
 * reporter ignore (they live no longer than the program and --follow), and
 * SIGCHLD set to its default and blocked, for the helper's waits. */
MLK_HIDDEN void mlk_exec_ignore_job_signals(void);
/* exec-report.c: @fd moved above the descriptors the helper is given (0 to
 * MLK_REPORT_FD), so that no dup2 of the spawn overwrites another; -1 on
 * failure (@fd is closed either way). */
MLK_HIDDEN int mlk_exec_fd_above(int fd);
/* Fork the reporter, which runs @o's callbacks for a single-threaded
 * caller: the descriptor of its socket (above the helper's), or -errno
 * (-EINVAL with @why filled for a multithreaded caller). */
MLK_HIDDEN int mlk_exec_start_reporter(const struct memlock_exec_opts *o,
				       struct memlock_verdict *why);

/*
 * The helper is spawned as $MEMLOCK_LIBEXECDIR/memlock-exec-helper (or
 * LIBEXECDIR's) with the caller's socket as MLK_CTL_FD and, when there is
 * a reporter, the reporter's as MLK_REPORT_FD; both are SOCK_SEQPACKET, so
 * a message arrives whole or not at all. The library and its helper are
 * built and installed together: a helper of another version refuses the
 * configuration (EPROTO).
 */
#define MLK_EXEC_HELPER "memlock-exec-helper"
#define MLK_EXEC_PROTO 2
#define MLK_CTL_FD 3
#define MLK_REPORT_FD 4

/* The first message, caller to helper: what to do. */
struct mlk_exec_config {
	uint32_t proto, size;	/* MLK_EXEC_PROTO, sizeof(struct mlk_exec_config) */
	pid_t tid;		/* the caller's thread that execs */
	unsigned int mcl, follow_ms;
	bool best_effort;
	bool has_reporter;	/* MLK_REPORT_FD is open */
	bool skip_lock;		/* do not try the lock, @skip says why */
	struct memlock_verdict skip;
};

enum mlk_exec_msg_kind {
	MLK_MSG_HELLO = 1,	/* helper: @pid, its PID (or @ret < 0: it cannot) */
	MLK_MSG_GO,		/* caller: trace me now */
	MLK_MSG_SEIZED,		/* helper: @ret, 0 or -errno of PTRACE_SEIZE */
	MLK_MSG_RELEASE,	/* caller: my exec failed, let go of me */
	MLK_MSG_INJECTING,	/* helper to reporter: registers change now; with
				 * best effort PTRACE_O_EXITKILL is on from after
				 * this until after the RESULT */
	MLK_MSG_RESULT,		/* helper to reporter: a lock's outcome; it answers
				 * with the same message once it has reported it */
	MLK_MSG_DONE,		/* helper to reporter: ending by itself */
	MLK_MSG_CANCEL,		/* caller to reporter: not exec'ed, report nothing */
	MLK_MSG_FOLLOW_END,	/* helper to reporter: --follow ended on @image,
				 * @ms after its exec; the helper lets go */
};

struct mlk_exec_msg {
	int kind;
	pid_t pid;
	long ret;		/* mlockall's answer, or -errno */
	uint64_t vmlck;
	bool has_why;
	struct memlock_verdict why;
	char image[64];		/* MLK_MSG_FOLLOW_END: the file's name */
	unsigned int ms;	/* its window */
	bool launcher;		/* a shell, env...: it will likely exec again */
};

/* 0, or -EPIPE when the peer is gone or sent something else. */
static inline int mlk_msg_send(int fd, const struct mlk_exec_msg *m)
{
	return send(fd, m, sizeof(*m), MSG_NOSIGNAL) == (ssize_t)sizeof(*m) ? 0 : -EPIPE;
}

static inline int mlk_msg_recv(int fd, struct mlk_exec_msg *m)
{
	ssize_t n;

	do
		n = recv(fd, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*m) ? 0 : -EPIPE;
}

#endif /* MLK_EXEC_H */
