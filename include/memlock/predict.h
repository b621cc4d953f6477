/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/predict.h - predict a lock by the kernel's rules: the verdict, its cause and fixes. Include <memlock.h>. */
#ifndef MEMLOCK_PREDICT_H
#define MEMLOCK_PREDICT_H

#include <memlock/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The lock calls a request can describe. */
enum memlock_op {
	MEMLOCK_OP_MLOCK = 1,	/* mlock(addr, len) */
	MEMLOCK_OP_MLOCK2,	/* mlock2(addr, len, kflags) */
	MEMLOCK_OP_MLOCKALL,	/* mlockall(kflags) */
};

/**
 * struct memlock_request - a lock call to predict.
 * @op: which call.
 * @kflags: the call's raw kernel flags: MCL_* for mlockall, MLOCK_* for
 *          mlock2 (unknown bits are predicted as EINVAL, as the kernel does).
 * @addr: start of the range (mlock/mlock2 with @has_addr).
 * @len: length in bytes (mlock/mlock2); rounded to pages as the kernel does.
 * @has_addr: false asks about @len bytes of memory that is not locked yet.
 */
struct memlock_request {
	enum memlock_op op;
	unsigned int kflags;
	uint64_t addr;
	uint64_t len;
	bool has_addr;
};

/* Why a lock fails, in a form programs can switch on. */
enum memlock_cause {
	MEMLOCK_CAUSE_NONE = 0,		/* it would succeed */
	MEMLOCK_CAUSE_BAD_FLAGS,	/* EINVAL: unknown or invalid flags */
	MEMLOCK_CAUSE_LIMIT_ZERO,	/* EPERM: RLIMIT_MEMLOCK 0, no CAP_IPC_LOCK */
	MEMLOCK_CAUSE_SUBPAGE_LIMIT,	/* ENOMEM: limit below one page */
	MEMLOCK_CAUSE_OVER_LIMIT,	/* ENOMEM: VmLck + request > limit */
	MEMLOCK_CAUSE_ADDRESS_SPACE,	/* ENOMEM: MCL_CURRENT and VmSize > limit */
	MEMLOCK_CAUSE_BAD_RANGE,	/* EINVAL: addr + len wraps */
	MEMLOCK_CAUSE_UNMAPPED,		/* ENOMEM: a hole in the range */
	MEMLOCK_CAUSE_PROT_NONE,	/* ENOMEM: populate hits PROT_NONE */
	/* refusals of memlock_target_open() */
	MEMLOCK_CAUSE_NO_PROCESS,	/* ESRCH: no such process */
	MEMLOCK_CAUSE_ZOMBIE,		/* ESRCH: it has exited */
	MEMLOCK_CAUSE_KERNEL_THREAD,	/* EINVAL: no user memory */
	MEMLOCK_CAUSE_COMPAT_TASK,	/* EOPNOTSUPP: 32-bit or x32 */
	MEMLOCK_CAUSE_TRACED,		/* EBUSY: another tracer */
	MEMLOCK_CAUSE_PTRACE_DENIED,	/* EPERM: ptrace not permitted */
	MEMLOCK_CAUSE_SECCOMP,		/* EPERM: a seccomp filter could kill it */
	MEMLOCK_CAUSE_EINTR_RISK,	/* EINTR: only EINTR-prone threads */
};

/* Where the process runs, which decides where its limit is set. */
enum memlock_context {
	MEMLOCK_CTX_SHELL = 0,		/* a login session or unknown */
	MEMLOCK_CTX_SYSTEMD,		/* a systemd service (unit in @unit) */
	MEMLOCK_CTX_CONTAINER,		/* docker, podman, containerd, lxc, k8s */
};

#define MEMLOCK_TEXT_MAX 320
#define MEMLOCK_FIX_MAX 6
#define MEMLOCK_NOTE_MAX 4

/**
 * struct memlock_verdict - what the kernel would answer, and why.
 * @ok: true when the call would succeed.
 * @err: the errno it would fail with (0 when @ok).
 * @cause: machine-readable cause.
 * @reason: one sentence, with the numbers that decided it.
 * @fix: @n_fix ways to make it succeed, best first, for the process's context.
 * @note: @n_note hazards that hold even when it succeeds (MCL_FUTURE...).
 * @limit, @hard_limit: RLIMIT_MEMLOCK soft/hard of the process.
 * @locked: VmLck; @vm_size: VmSize (what MCL_CURRENT is checked against).
 * @request: bytes the call asks for (whole pages); @already: pages of the
 *           range already locked (the kernel's overlap discount), bytes.
 * @need: the smallest soft limit with which the call would pass the limit
 *        test (0 when no limit applies).
 * @has_cap: CAP_IPC_LOCK effective in the initial user namespace.
 * @in_child_userns: the process is in a child user namespace, so a
 *                   CAP_IPC_LOCK it holds there does not count.
 * @context, @unit: where the process runs; @unit is the systemd unit name
 *                  for MEMLOCK_CTX_SYSTEMD, "" otherwise.
 */
struct memlock_verdict {
	bool ok;
	int err;
	enum memlock_cause cause;
	char reason[MEMLOCK_TEXT_MAX];
	int n_fix;
	char fix[MEMLOCK_FIX_MAX][MEMLOCK_TEXT_MAX];
	int n_note;
	char note[MEMLOCK_NOTE_MAX][MEMLOCK_TEXT_MAX];
	uint64_t limit, hard_limit;
	uint64_t locked, vm_size;
	uint64_t request, already, need;
	bool has_cap, in_child_userns;
	enum memlock_context context;
	char unit[128];
};

/**
 * memlock_predict() - predict, by the kernel's rules, the outcome of @req in
 * process @pid.
 * @root: proc root prefix (NULL for the live system).
 * @pid: the process, 0 for the caller itself.
 * @req: the call.
 * @v: filled with the verdict.
 *
 * Reads /proc/PID/{status,limits,cgroup,ns/user} (and smaps for ranges).
 * Return: 0 when @v holds a verdict (whether the call would succeed or fail);
 * -EINVAL for a malformed @req, -ESRCH when the process is gone, -EACCES or
 * -EPERM when its /proc files cannot be read.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_predict(const char *root, pid_t pid, const struct memlock_request *req,
		struct memlock_verdict *v);

/**
 * memlock_predict_many() - memlock_predict() for the calls @reqs[0..@n), made
 * in that order: each is predicted on top of the ones before it (VmLck grows
 * by what they lock), from one read of /proc for all of them.
 * @v: the verdict of the first call that would fail, or of the last one.
 * @at: set to the index of that failing call, or to @n when all would succeed.
 * Return: as memlock_predict(); -EINVAL also for @n == 0.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_predict_many(const char *root, pid_t pid, const struct memlock_request *reqs, size_t n,
		     struct memlock_verdict *v, size_t *at);

/**
 * memlock_cause_name() - short stable name of a cause ("over-limit", ...).
 * Return: a static string.
 */
MEMLOCK_API const char *memlock_cause_name(enum memlock_cause cause);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_PREDICT_H */
