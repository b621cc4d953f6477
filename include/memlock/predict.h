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

/*
 * The outcome of a lock, predicted or real: an opaque object the caller
 * makes with memlock_verdict_new() and passes to every call that explains
 * itself (memlock_predict(), memlock_self_*(), memlock_limit_set(),
 * memlock_target_open(), memlock_exec_locked()), which fill it. It holds
 * facts, never advice in words: the reason is one sentence of numbers and
 * kernel terms, and each fix and note is a kind with its data, for the
 * program to word (or translate) as it sees fit.
 */
struct memlock_verdict;

/**
 * struct memlock_facts - the numbers a verdict was decided on.
 * @sz: set by the caller to sizeof(struct memlock_facts) before
 *      memlock_verdict_facts(); fields past it are not written.
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
 *                  for MEMLOCK_CTX_SYSTEMD, "" otherwise (valid as long as
 *                  the verdict, until it is filled again).
 */
struct memlock_facts {
	size_t sz;
	uint64_t limit, hard_limit;
	uint64_t locked, vm_size;
	uint64_t request, already, need;
	bool has_cap, in_child_userns;
	enum memlock_context context;
	const char *unit;
};

/*
 * What a fix does; each kind says which fields of struct memlock_fix it
 * uses. Values are stable; new kinds are appended.
 */
enum memlock_fix_kind {
	MEMLOCK_FIX_NONE = 0,
	/* the limit of the running process @pid */
	MEMLOCK_FIX_SOFT_LIMIT,		/* raise its soft limit to @bytes, which fits
					 * under its hard limit @hard_limit */
	MEMLOCK_FIX_HARD_LIMIT,		/* raise soft and hard to @bytes:@hard_bytes,
					 * past @hard_limit: needs CAP_SYS_RESOURCE */
	MEMLOCK_FIX_SOFT_TO_HARD,	/* keep the hard limit, raise the soft one to
					 * it (@bytes) */
	MEMLOCK_FIX_SOFT_WITHIN_HARD,	/* a soft limit no higher than the hard one:
					 * @bytes:@hard_bytes */
	MEMLOCK_FIX_LIMIT_AS_ROOT,	/* another user's process: set @bytes:@hard_bytes
					 * with CAP_SYS_RESOURCE */
	MEMLOCK_FIX_LIMIT_AS_OWNER,	/* or as its owner @uid, if the hard limit
					 * stays @hard_limit */
	/* where the limit of a process to come is set: @bytes soft (and hard) */
	MEMLOCK_FIX_SHELL_ULIMIT,	/* in the shell that starts it */
	MEMLOCK_FIX_LIMITS_CONF,	/* limits.conf, for every login of @user
					 * (@uid; @user "" when it has no name) */
	MEMLOCK_FIX_SYSTEMD_LIMIT,	/* LimitMEMLOCK= in a drop-in of @unit
					 * (@user_unit: a user manager's), then a restart */
	MEMLOCK_FIX_CONTAINER_ULIMIT,	/* the container started with a memlock
					 * ulimit of @bytes:@bytes */
	MEMLOCK_FIX_LAUNCHER_LIMIT,	/* let the program that starts it raise the
					 * limit first (@needs_cap_sys_resource) */
	/* CAP_IPC_LOCK, which lifts the limit */
	MEMLOCK_FIX_FILE_CAP,		/* a file capability on its binary */
	MEMLOCK_FIX_SYSTEMD_CAP,	/* AmbientCapabilities= of system unit @unit */
	MEMLOCK_FIX_CONTAINER_CAP,	/* added to a rootful container */
	/* lock something else */
	MEMLOCK_FIX_LOCK_LESS,		/* mlockall(MCL_FUTURE) alone, or the ranges
					 * that matter (of @pid, 0: the caller) */
	MEMLOCK_FIX_NO_FUTURE,		/* a program: without MCL_FUTURE, what is
					 * mapped at its first instruction */
	MEMLOCK_FIX_MAPPED_RANGES,	/* only mapped ranges (of @pid, 0: the caller) */
	MEMLOCK_FIX_ON_FAULT,		/* on fault, or the range made accessible */
	MEMLOCK_FIX_VALID_FLAGS,	/* the flags @op takes */
	/* the process */
	MEMLOCK_FIX_CHECK_PID,		/* there is no such process: check the ID */
	MEMLOCK_FIX_PROCESS_ID,		/* a thread ID was given: its process is @pid */
	MEMLOCK_FIX_DETACH_TRACER,	/* traced by @pid: detach it, or lock from inside it */
	MEMLOCK_FIX_PTRACE_SCOPE,	/* Yama's ptrace_scope is @level: 3 only a
					 * reboot undoes; else CAP_SYS_PTRACE, or 0 */
	MEMLOCK_FIX_PTRACE_AS_OWNER,	/* trace as its owner @uid, or with CAP_SYS_PTRACE */
	MEMLOCK_FIX_CAP_SYS_PTRACE,	/* not dumpable: only CAP_SYS_PTRACE traces it */
	MEMLOCK_FIX_LSM,		/* an LSM denies it: its policy, or root */
	MEMLOCK_FIX_SUSPEND_SECCOMP,	/* CAP_SYS_ADMIN in the initial user namespace
					 * suspends seccomp; @level: the seccomp mode
					 * (1 strict, 2 filter: MEMLOCK_F_FORCE if the
					 * filter allows mlock*), or -errno unreadable */
	/* a program about to run (memlock_exec_locked()) */
	MEMLOCK_FIX_ALLOW_MLOCKALL,	/* let the inherited seccomp filter allow
					 * mlockall, or the program lock itself */
	MEMLOCK_FIX_PRIVILEGED_PROGRAM,	/* CAP_SYS_PTRACE, or lock it from inside or
					 * once it runs */
	MEMLOCK_FIX_64BIT_BUILD,	/* its 64-bit build, or it locks itself */
	MEMLOCK_FIX_STOP_FOLLOWING,	/* follow no exec (follow_ms 0), or CAP_SYS_PTRACE */
	MEMLOCK_FIX_INSTALL_HELPER,	/* install memlock-exec-helper, or point
					 * MEMLOCK_LIBEXECDIR at it */
	MEMLOCK_FIX_SINGLE_THREADED,	/* no report callback, or call before any
					 * thread starts */
};

/**
 * struct memlock_fix - one way to make the call succeed.
 * @sz: set by the caller to sizeof(struct memlock_fix) before
 *      memlock_verdict_fix(); fields past it are not written.
 * @kind: what to do; the other fields are those its kind names (0 or "").
 * @pid: the process concerned.
 * @uid: the user concerned.
 * @bytes: the soft limit to set (whole KiB where the place counts KiB), or
 *         MEMLOCK_UNLIMITED.
 * @hard_bytes: the hard limit to set, or MEMLOCK_UNLIMITED.
 * @hard_limit: the hard limit as it is.
 * @level: a kind's number (MEMLOCK_FIX_PTRACE_SCOPE, MEMLOCK_FIX_SUSPEND_SECCOMP).
 * @op: the call (MEMLOCK_FIX_VALID_FLAGS).
 * @user_unit: @unit is a unit of a user's service manager.
 * @needs_cap_sys_resource: the limit is past the hard one.
 * @unit, @user: strings of the verdict, valid as long as it is (never NULL).
 */
struct memlock_fix {
	size_t sz;
	enum memlock_fix_kind kind;
	pid_t pid;
	uid_t uid;
	uint64_t bytes, hard_bytes, hard_limit;
	int level;
	enum memlock_op op;
	bool user_unit;
	bool needs_cap_sys_resource;
	const char *unit;
	const char *user;
};

/* A hazard that holds even when the call succeeds. Values are stable. */
enum memlock_note_kind {
	MEMLOCK_NOTE_NONE = 0,
	MEMLOCK_NOTE_FUTURE_LIMIT,	/* MCL_FUTURE checks every later mapping against
					 * the limit: leave headroom */
	MEMLOCK_NOTE_FUTURE_STACKS,	/* with MCL_FUTURE each new thread's stack is
					 * locked (and faulted in unless @onfault) */
	MEMLOCK_NOTE_THREAD_STACKS,	/* the stacks of all @threads threads are locked */
	MEMLOCK_NOTE_ON_FAULT,		/* on fault: pages are locked when first touched */
	MEMLOCK_NOTE_CHILD_USERNS,	/* CAP_IPC_LOCK of a child user namespace does
					 * not lift the limit */
};

/**
 * struct memlock_note - a hazard of the call.
 * @sz: set by the caller to sizeof(struct memlock_note) before
 *      memlock_verdict_note().
 * @kind: which hazard.
 * @threads: MEMLOCK_NOTE_THREAD_STACKS: the process's threads.
 * @onfault: the call locks on fault.
 */
struct memlock_note {
	size_t sz;
	enum memlock_note_kind kind;
	unsigned int threads;
	bool onfault;
};

/**
 * memlock_verdict_new() - an empty verdict (ok, no cause), for the calls
 * that fill one.
 * Return: the verdict, or NULL with errno ENOMEM.
 */
MEMLOCK_API struct memlock_verdict *memlock_verdict_new(void);

/** memlock_verdict_free() - free @v (NULL is allowed). */
MEMLOCK_API void memlock_verdict_free(struct memlock_verdict *v);

/** memlock_verdict_ok() - true when the call would succeed (or did). */
MEMLOCK_API bool memlock_verdict_ok(const struct memlock_verdict *v);

/** memlock_verdict_err() - the errno it fails with, 0 when it succeeds. */
MEMLOCK_API int memlock_verdict_err(const struct memlock_verdict *v);

/** memlock_verdict_cause() - why it fails, in a form to switch on. */
MEMLOCK_API enum memlock_cause memlock_verdict_cause(const struct memlock_verdict *v);

/**
 * memlock_verdict_reason() - one sentence with the numbers that decided it,
 * in the kernel's terms; "" when there is none.
 * Return: a string of @v, valid until @v is filled again or freed.
 */
MEMLOCK_API const char *memlock_verdict_reason(const struct memlock_verdict *v);

/**
 * memlock_verdict_facts() - copy the facts of @v into @f, up to @f->sz.
 * Fields a verdict of a refusal has no number for are 0.
 * Return: 0, -EINVAL (@f->sz 0, or @v or @f NULL).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_verdict_facts(const struct memlock_verdict *v,
							 struct memlock_facts *f);

/** memlock_verdict_fix_count() - how many fixes @v holds, best first. */
MEMLOCK_API size_t memlock_verdict_fix_count(const struct memlock_verdict *v);

/**
 * memlock_verdict_fix() - copy fix @i of @v into @fix, up to @fix->sz.
 * Return: 0, -EINVAL (@i out of range, @fix->sz 0).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_verdict_fix(const struct memlock_verdict *v, size_t i,
						       struct memlock_fix *fix);

/** memlock_verdict_note_count() - how many notes @v holds. */
MEMLOCK_API size_t memlock_verdict_note_count(const struct memlock_verdict *v);

/**
 * memlock_verdict_note() - copy note @i of @v into @note, up to @note->sz.
 * Return: 0, -EINVAL (@i out of range, @note->sz 0).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_verdict_note(const struct memlock_verdict *v, size_t i,
							struct memlock_note *note);

/**
 * memlock_fix_kind_name() - short stable name of a fix kind ("soft-limit",
 * "systemd-limit", ...), for machine-readable output.
 * Return: a static string ("unknown" for a value it does not know).
 */
MEMLOCK_API const char *memlock_fix_kind_name(enum memlock_fix_kind kind);

/**
 * memlock_note_kind_name() - short stable name of a note kind
 * ("future-limit", ...).
 * Return: a static string ("unknown" for a value it does not know).
 */
MEMLOCK_API const char *memlock_note_kind_name(enum memlock_note_kind kind);

/**
 * memlock_predict() - predict, by the kernel's rules, the outcome of @req in
 * process @pid.
 * @root: proc root prefix (NULL for the live system).
 * @pid: the process, 0 for the caller itself.
 * @req: the call.
 * @v: a verdict of memlock_verdict_new(), filled with the outcome.
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
