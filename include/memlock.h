/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memlock.h - keep memory in RAM on Linux: lock your own pages, read the
 * kernel's lock and swap state, and predict by the kernel's own rules whether
 * a lock will succeed.
 *
 * Conventions (every function):
 *  - 0 (or a count >= 0) on success, -errno on failure, with errno set too;
 *    functions returning a pointer return NULL with errno set.
 *  - the library never prints and never exits; diagnostics go to the
 *    callback given to memlock_set_log(), silent by default.
 *  - every /proc reader takes @root, a directory that contains "proc/"
 *    (NULL or "/" for the live system), so captured trees can be parsed.
 *  - sizes are bytes (uint64_t); MEMLOCK_UNLIMITED stands for RLIM_INFINITY.
 */
#ifndef MEMLOCK_H
#define MEMLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MEMLOCK_API
#define MEMLOCK_API __attribute__((visibility("default")))
#endif
#define MEMLOCK_MUST_CHECK __attribute__((warn_unused_result))

#define MEMLOCK_VERSION_MAJOR 0
#define MEMLOCK_VERSION_MINOR 1
#define MEMLOCK_UNLIMITED UINT64_MAX

/**
 * memlock_version() - the library's version string, e.g. "0.1.0".
 * Return: a static string.
 */
MEMLOCK_API const char *memlock_version(void);

/* ---------------------------------------------------------------- logging */

enum memlock_log_level {
	MEMLOCK_LOG_ERR = 0,
	MEMLOCK_LOG_WARN,
	MEMLOCK_LOG_INFO,
	MEMLOCK_LOG_DEBUG,
};

typedef void (*memlock_log_fn)(enum memlock_log_level level, const char *msg,
			       void *userdata);

/**
 * memlock_set_log() - route the library's diagnostics to @fn.
 * @fn: callback, or NULL to silence the library (the default).
 * @max_level: messages above this level are dropped.
 * @userdata: passed back to @fn.
 *
 * errno is preserved across the callback.
 */
MEMLOCK_API void memlock_set_log(memlock_log_fn fn, enum memlock_log_level max_level,
				 void *userdata);

/* -------------------------------------------------------------- predictor */

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

/* ------------------------------------------------------- the own process */

#define MEMLOCK_F_CURRENT	(1u << 0)	/* MCL_CURRENT */
#define MEMLOCK_F_FUTURE	(1u << 1)	/* MCL_FUTURE */
#define MEMLOCK_F_ONFAULT	(1u << 2)	/* MCL_ONFAULT / MLOCK_ONFAULT */
#define MEMLOCK_F_BEST_EFFORT	(1u << 3)	/* allow a documented downgrade */

/* Returned (> 0) when MEMLOCK_F_BEST_EFFORT made the call lock without
 * ONFAULT because the kernel lacks it: everything asked for is locked, but
 * populated up front. */
#define MEMLOCK_DOWNGRADED 1

/**
 * memlock_self_lock() - lock [@addr, @addr + @len) of the caller, rounded out
 * to whole pages as the kernel does.
 * @flags: 0 or MEMLOCK_F_ONFAULT (mlock2 MLOCK_ONFAULT), optionally with
 *         MEMLOCK_F_BEST_EFFORT.
 * @why: if not NULL, filled on failure with the predictor's explanation.
 *
 * mlock2 is called through syscall(2) when libc lacks the wrapper. Without
 * MEMLOCK_F_BEST_EFFORT an ENOSYS from mlock2 is returned as is.
 * Return: 0, MEMLOCK_DOWNGRADED, or -EINVAL (bad flags or range), -EPERM
 * (limit 0 without CAP_IPC_LOCK), -ENOMEM (over RLIMIT_MEMLOCK, unmapped
 * range, PROT_NONE), -EAGAIN (could not fault pages in), -ENOSYS.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_self_lock(const void *addr, size_t len, unsigned int flags,
		  struct memlock_verdict *why);

/**
 * memlock_self_unlock() - munlock [@addr, @addr + @len).
 * Locks do not nest: one unlock undoes any number of locks.
 * Return: 0, -EINVAL (wrapping range), -ENOMEM (range not fully mapped; the
 * mapped prefix is unlocked anyway, as in the kernel).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_self_unlock(const void *addr, size_t len);

/**
 * memlock_self_lock_all() - mlockall() of the caller.
 * @flags: MEMLOCK_F_CURRENT and/or MEMLOCK_F_FUTURE, optionally
 *         MEMLOCK_F_ONFAULT and MEMLOCK_F_BEST_EFFORT.
 * @why: if not NULL, filled on failure with the predictor's explanation.
 *
 * Each call replaces the previous MCL_FUTURE setting, as the kernel does.
 * Return: 0, MEMLOCK_DOWNGRADED, -EINVAL, -EPERM, -ENOMEM (MCL_CURRENT and
 * VmSize above RLIMIT_MEMLOCK).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_self_lock_all(unsigned int flags,
							 struct memlock_verdict *why);

/**
 * memlock_self_unlock_all() - munlockall(): unlock everything, stop MCL_FUTURE.
 * Return: 0 or -EINTR.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_self_unlock_all(void);

/* ---------------------------------------------------------- /proc readers */

/**
 * struct memlock_status - the lock-related lines of /proc/PID/status.
 * Byte values; @has_mm is false for kernel threads (no Vm* lines).
 * @name: the command name's bytes as the process set them (any but NUL:
 *        control characters, invalid UTF-8), the kernel's \n and \\ undone.
 */
struct memlock_status {
	pid_t pid;
	char name[64];
	char state;
	uid_t ruid, euid;
	pid_t tracer_pid;
	unsigned int threads;
	bool has_mm;
	uint64_t vm_size, vm_lck, vm_pin, vm_rss, vm_swap;
	uint64_t cap_eff;
	uint64_t cap_prm;	/* CapPrm: what another process must hold to read it */
};

/**
 * memlock_proc_read_status() - parse /proc/PID/status.
 * @pid: the process, 0 for "self".
 * Return: 0, -ENOENT/-ESRCH (no such process), -EACCES, -EBADMSG (no Pid or
 * Name line: not a status file).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_status(const char *root, pid_t pid, struct memlock_status *st);

/* RLIMIT_MEMLOCK of a process; MEMLOCK_UNLIMITED for "unlimited". */
struct memlock_limits {
	uint64_t soft, hard;
};

/**
 * memlock_proc_read_limits() - the "Max locked memory" line of /proc/PID/limits.
 * Return: 0, -ENOENT, -EACCES, -EBADMSG (line missing or garbled).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_limits(const char *root, pid_t pid, struct memlock_limits *lim);

/* VmFlags bits of a mapping (smaps), the ones locking cares about. */
#define MEMLOCK_VMA_LOCKED	(1u << 0)	/* lo: VM_LOCKED */
#define MEMLOCK_VMA_ONFAULT	(1u << 1)	/* lf: VM_LOCKONFAULT */
#define MEMLOCK_VMA_IO		(1u << 2)	/* io: VM_IO, never locked */
#define MEMLOCK_VMA_PFNMAP	(1u << 3)	/* pf: VM_PFNMAP, never locked */
#define MEMLOCK_VMA_DONTEXPAND	(1u << 4)	/* de: never locked */
#define MEMLOCK_VMA_MIXEDMAP	(1u << 5)	/* mm: never locked */
#define MEMLOCK_VMA_HUGETLB	(1u << 6)	/* ht: hugetlb, never locked */
#define MEMLOCK_VMA_DROPPABLE	(1u << 7)	/* dp: MAP_DROPPABLE, never locked */
#define MEMLOCK_VMA_HAS_FLAGS	(1u << 31)	/* a VmFlags line was seen */

/**
 * struct memlock_mapping - one mapping of /proc/PID/smaps (or the totals of
 * smaps_rollup, where @start/@end span all mappings and @path is NULL).
 * @path: "" for anonymous memory; a file's path as bytes (the kernel's \012
 *        for a newline undone); points into the reader, valid until the
 *        next memlock_maps_next() or memlock_maps_close().
 * @size ... @anonymous: the smaps fields, in bytes.
 */
struct memlock_mapping {
	uint64_t start, end, offset, inode;
	char perms[5];
	const char *path;
	uint64_t size, rss, pss, locked, swap, anonymous;
	unsigned int vmflags;
};

struct memlock_maps;

/**
 * memlock_maps_open() - start reading /proc/PID/smaps.
 * Return: a reader, or NULL with errno ENOENT/ESRCH/EACCES/ENOMEM.
 */
MEMLOCK_API struct memlock_maps *memlock_maps_open(const char *root, pid_t pid);

/**
 * memlock_maps_next() - the next mapping.
 * Return: 0 with @m filled, 1 at the end, -EBADMSG for a line that is
 * neither a mapping header nor a field, -errno on read errors.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_maps_next(struct memlock_maps *it,
						     struct memlock_mapping *m);

/** memlock_maps_close() - free a reader (NULL is allowed). */
MEMLOCK_API void memlock_maps_close(struct memlock_maps *it);

/**
 * memlock_proc_read_rollup() - parse /proc/PID/smaps_rollup.
 * Return: 0, -ENOENT, -EACCES, -EBADMSG.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_rollup(const char *root, pid_t pid, struct memlock_mapping *total);

/* The lock and swap lines of /proc/meminfo, in bytes. */
struct memlock_meminfo {
	uint64_t mem_total, mem_available;
	uint64_t mlocked, unevictable;
	uint64_t swap_total, swap_free;
};

/**
 * memlock_proc_read_meminfo() - parse /proc/meminfo.
 * Return: 0, -ENOENT, -EBADMSG (MemTotal or Mlocked missing).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_meminfo(const char *root, struct memlock_meminfo *mi);

/* The unevictable_pgs_* event counters of /proc/vmstat, in pages. */
struct memlock_vmstat {
	uint64_t culled, scanned, rescued, mlocked, munlocked, cleared, stranded;
};

/**
 * memlock_proc_read_vmstat() - parse the unevictable_pgs_* lines of /proc/vmstat.
 * Return: 0, -ENOENT, -EBADMSG (no unevictable_pgs_mlocked line).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_vmstat(const char *root, struct memlock_vmstat *vs);

/* One line of /proc/swaps, sizes in bytes. */
struct memlock_swap {
	char path[256];
	char type[16];
	uint64_t size, used;
	int prio;
};

/**
 * memlock_proc_read_swaps() - parse /proc/swaps into @sw (up to @max entries).
 * Return: the number of swap areas (which may exceed @max: call again with a
 * bigger array), -ENOENT, -EBADMSG (a garbled line).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_swaps(const char *root, struct memlock_swap *sw, size_t max);

struct memlock_pids;

/**
 * memlock_pids_open() - iterate the processes under ROOT/proc.
 * Return: an iterator, or NULL with errno.
 */
MEMLOCK_API struct memlock_pids *memlock_pids_open(const char *root);

/**
 * memlock_pids_next() - the next PID, in the directory's order.
 * Return: 0 with @pid set, 1 at the end, -errno on error.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_pids_next(struct memlock_pids *it, pid_t *pid);

/** memlock_pids_close() - free an iterator (NULL is allowed). */
MEMLOCK_API void memlock_pids_close(struct memlock_pids *it);

/**
 * memlock_proc_has_cap_ipc_lock() - whether CAP_IPC_LOCK of @st counts for
 * the kernel's mlock checks: effective, and in the initial user namespace.
 * @in_child_userns: if not NULL, set when the process is in a child user
 * namespace (where its capabilities do not count for mlock).
 * When the namespace cannot be determined, it is taken to be the initial one.
 * Return: true or false.
 */
MEMLOCK_API bool memlock_proc_has_cap_ipc_lock(const char *root,
					       const struct memlock_status *st,
					       bool *in_child_userns);

/* ------------------------------------------- other processes: injection */

/*
 * A running process to lock from outside. Its syscalls are injected through
 * ptrace into ONE of its threads (mlockall, mlock and munlockall act on the
 * whole address space), at a syscall instruction borrowed from the vDSO; no
 * code is ever written into it, its signal mask and registers are restored,
 * an interrupted syscall continues by the kernel's restart rules, and a
 * job-control-stopped target stays stopped.
 */
struct memlock_target;

/* Flags of memlock_target_open(). */
#define MEMLOCK_T_FORCE		(1u << 0)	/* go ahead despite a seccomp filter */
#define MEMLOCK_T_NO_EINTR	(1u << 1)	/* refuse rather than risk an EINTR */

/**
 * memlock_target_open() - pin process @pid (pidfd and start time, against
 * PID reuse) and check that it can be injected into.
 * @flags: MEMLOCK_T_*.
 * @why: if not NULL, filled on refusal with the reason and the fix.
 *
 * Return: a handle, or NULL with errno: ESRCH (no such process, or a
 * zombie), EINVAL (a kernel thread), EOPNOTSUPP (a 32-bit or x32 task), EBUSY
 * (already traced), EPERM (ptrace not permitted, or a seccomp filter without
 * CAP_SYS_ADMIN and without MEMLOCK_T_FORCE).
 */
MEMLOCK_API struct memlock_target *memlock_target_open(pid_t pid, unsigned int flags,
							struct memlock_verdict *why);

/** memlock_target_close() - free a handle (NULL is allowed). */
MEMLOCK_API void memlock_target_close(struct memlock_target *t);

/** memlock_target_pid() - the process ID of @t. */
MEMLOCK_API pid_t memlock_target_pid(const struct memlock_target *t);

/**
 * memlock_target_set_tid() - inject through thread @tid instead of the one
 * memlock picks (the least disturbed: idle in a restartable wait first).
 * Return: 0, -ESRCH (no such thread in the process).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_target_set_tid(struct memlock_target *t, pid_t tid);

/* What the injections into a target cost it. */
struct memlock_stop_stats {
	unsigned int stops;		/* ptrace stops so far */
	uint64_t longest_ns, total_ns;	/* the thread's stopped time */
	pid_t tid;			/* the thread used last */
	const char *why_tid;		/* why that thread: "idle in futex", ... */
	bool eintr_risk;		/* it sat in an EINTR-prone call */
	bool job_stopped;		/* the target was job-control stopped */
};

/** memlock_target_stats() - the stop statistics of @t. */
MEMLOCK_API void memlock_target_stats(const struct memlock_target *t,
				      struct memlock_stop_stats *st);

/**
 * memlock_remote_syscallv() - run syscall @nr with @args in the target.
 * @ret: the target kernel's answer (-errno on failure), valid when 0 is
 *       returned: the injection worked, whatever the syscall answered.
 *
 * One stop of one thread; during it every signal the calling thread can
 * block is blocked (glibc's internal 32 and 33 included), so that it cannot
 * be left with altered registers. The stops are collected with
 * waitpid(tid, __WALL): no other thread of the caller may wait for any
 * child (wait(), waitpid(-1), waitid(P_ALL)) meanwhile, or it takes them.
 * Return: 0, or -errno for the injection itself: -ESRCH (the process exited
 * or its PID or the thread's ID was reused), -EPERM (ptrace denied),
 * -EBUSY (traced meanwhile: another memlock, a debugger), -ENOSYS (a seccomp
 * filter of the target answered with SIGSYS: it is being killed),
 * -EOPNOTSUPP (the thread's state cannot be restored: arm64 SME in use),
 * -EINTR (MEMLOCK_T_NO_EINTR and only EINTR-prone threads), -EAGAIN (every
 * thread, or the one of memlock_target_set_tid(), in uninterruptible sleep),
 * -EIO (an unexpected stop; the target was restored).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_remote_syscallv(struct memlock_target *t, long nr,
							   long *ret, const long args[6]);

/* Called after every injected syscall, with the target kernel's answer. */
typedef void (*memlock_call_fn)(long nr, const long args[6], long ret, void *userdata);

/*
 * A rescue record: what it takes to put a stopped thread back if the caller
 * dies (SIGKILL) inside a stop. Kept in memory the caller shares with
 * another process (MAP_SHARED), which calls memlock_rescue() on it when the
 * caller died. While a record is set, each stop queues SIGSTOP to the
 * thread before its registers are changed for the injected call (entry
 * path) or at the call's entry (direct path), so that a tracer dying then
 * leaves the process group-stopped before the thread runs one more
 * instruction of its own. The entry path - a thread inside a syscall the
 * kernel restarts, the usual idle thread - has no window left; the direct
 * path (a thread in user mode or in a call that is over) has one of a few
 * microseconds, between the registers' change and the call's entry. The
 * arm64 SVE state is not in the record.
 */
enum memlock_rescue_how {
	MEMLOCK_RESCUE_REGS = 0,	/* @regs go back as they are (direct path) */
	MEMLOCK_RESCUE_IF_INJECTED = 1,	/* the same, if the thread holds @nr(@args)
					 * (entry path, x86_64) */
	MEMLOCK_RESCUE_REWIND = 2,	/* @regs are the entry of the thread's own
					 * syscall, rewound to if the thread holds
					 * @nr(@args) (entry path, arm64) */
};

struct memlock_rescue {
	uint32_t sz;			/* sizeof(struct memlock_rescue) */
	volatile uint32_t phase;	/* 0: nothing to do; 1: a thread holds injected
					 * state; 2: put back, the net's group stop
					 * may be left to end */
	int32_t pid, tid;
	uint64_t mask;			/* its signal mask */
	bool was_stopped;		/* the process was job-control stopped before */
	volatile bool stop_queued;	/* memlock's SIGSTOP is pending for it */
	unsigned char regs[512];	/* its registers (NT_PRSTATUS) */
	uint32_t how;			/* enum memlock_rescue_how */
	volatile bool regs_valid;	/* @regs are filled in */
	int64_t nr, args[6];		/* the injected call */
	uint64_t insn;			/* the borrowed instruction (direct path) */
};

/**
 * memlock_target_set_rescue() - keep @r up to date during every stop of @t
 * (NULL: none). @r->sz must be set.
 * Return: 0, -EINVAL.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_target_set_rescue(struct memlock_target *t,
							     struct memlock_rescue *r);

/**
 * memlock_rescue() - after the process that injected died: if @r says a
 * thread holds injected state, attach to it, put its registers and mask
 * back, detach, and end the group stop memlock's SIGSTOP began.
 * Return: 1 when a thread was put back, 0 when there was nothing to do,
 * -errno.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_rescue(struct memlock_rescue *r);

/** memlock_target_set_call_log() - report each injected call to @fn (NULL: none). */
MEMLOCK_API void memlock_target_set_call_log(struct memlock_target *t, memlock_call_fn fn,
					     void *userdata);

/**
 * memlock_pid_lock_all() - mlockall(@mcl) in the target.
 * @mcl: MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT as for mlockall(2).
 * @max_pause_ns: 0 for one stop; else no stop should exceed it much:
 *   each unlocked mapping is locked whole with mlock2(MLOCK_ONFAULT) (no
 *   mapping is split) and faulted in by MADV_POPULATE_* in chunks sized to
 *   the bound (mlock() chunks before Linux 5.14), re-reading the maps until
 *   nothing is left (a range that vanished meanwhile is skipped), then
 *   mlockall(MCL_FUTURE) (when asked) and a last pass; a failing chunk
 *   leaves MCL_FUTURE unset. The mappings show "lf" where mlockall would
 *   give "lo"; VmLck and the resident locked pages are the same.
 * @ret: the first failing call's answer (-errno), or 0; -EAGAIN when the
 *   process kept mapping memory through 8 passes (the lock is incomplete,
 *   MCL_FUTURE not set).
 * Return: 0 when every injection worked (see @ret), -errno as
 * memlock_remote_syscallv().
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_pid_lock_all(struct memlock_target *t,
							unsigned int mcl, uint64_t max_pause_ns,
							long *ret);

/**
 * memlock_pid_lock_range() - mlock(@start, @len) in the target, or mlock2
 * with @flags MLOCK_ONFAULT.
 * @max_pause_ns: 0 for one stop; else mlock() in chunks sized to the bound,
 *   as memlock_pid_lock_all() does (on fault there is nothing to fault in:
 *   one stop). A failing chunk leaves the chunks before it locked.
 * @ret: the first failing call's answer (-errno), or 0.
 * Return: 0 when every injection worked (see @ret), -errno as
 * memlock_remote_syscallv().
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_pid_lock_range(struct memlock_target *t,
							  uint64_t start, uint64_t len,
							  unsigned int flags, uint64_t max_pause_ns,
							  long *ret);

/**
 * memlock_pid_unlock_all() - munlockall() in the target.
 * @max_pause_ns: 0 for one stop; else each locked mapping is munlock()ed in
 *   chunks sized to the bound as memlock_pid_lock_all() does (a mapping is
 *   split in two between the stops that unlock it), then munlockall()
 *   ends MCL_FUTURE and unlocks what was mapped meanwhile.
 * @ret: the first failing call's answer (-errno), or 0.
 * Return: as memlock_pid_lock_all().
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_pid_unlock_all(struct memlock_target *t,
							  uint64_t max_pause_ns, long *ret);

/**
 * memlock_pid_unlock_range() - munlock(@start, @len) in the target, in
 * chunks sized to @max_pause_ns when it is not 0.
 * Return: as memlock_pid_lock_range().
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_pid_unlock_range(struct memlock_target *t,
							    uint64_t start, uint64_t len,
							    uint64_t max_pause_ns, long *ret);

/* memlock_remote_syscall(t, nr, &ret, args...): up to six integer arguments. */
#define memlock_remote_syscall(t, nr, ret, ...)                                  \
	memlock_remote_syscallv((t), (nr), (ret), (const long[6]){ __VA_ARGS__ })

/* ------------------------------------------ limits and locked programs */

/**
 * memlock_pid_get_limit() - RLIMIT_MEMLOCK of process @pid (0: the caller),
 * through prlimit(2), or /proc/PID/limits where prlimit is not permitted.
 * Return: 0, -ESRCH, -EACCES.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_pid_get_limit(pid_t pid, struct memlock_limits *lim);

/**
 * memlock_pid_set_limit() - set RLIMIT_MEMLOCK of process @pid (0: the
 * caller) with prlimit(2). MEMLOCK_UNLIMITED is RLIM_INFINITY.
 * @why: if not NULL, filled on failure with the reason and the fix for the
 *       process's context (raising a hard limit, or changing another user's
 *       process, needs CAP_SYS_RESOURCE).
 * Return: 0, -EINVAL (soft above hard), -EPERM, -ESRCH.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_pid_set_limit(pid_t pid, const struct memlock_limits *lim,
							 struct memlock_verdict *why);

/* Exit status of a program memlock_execvp_locked() would not run unlocked
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
 * struct memlock_exec_opts - how memlock_execvp_locked() locks the program.
 * @sz: sizeof(struct memlock_exec_opts), for growth.
 * @mcl: mlockall flags (MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT); 0 means
 *       MCL_CURRENT|MCL_FUTURE.
 * @best_effort: when the lock fails, run the program unlocked (and report)
 *               rather than end it with MEMLOCK_EXEC_FAILED.
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
	unsigned int mcl;
	bool best_effort;
	memlock_exec_report_fn report;
	void *userdata;
	unsigned int follow_ms;
	memlock_exec_follow_fn follow_end;
};

/**
 * memlock_execvp_locked() - execvp(@file, @argv) with the new program's
 * memory locked from its first instruction. Locks and MCL_FUTURE do not
 * survive execve, so a short-lived helper program (memlock-exec-helper, in
 * LIBEXECDIR or $MEMLOCK_LIBEXECDIR, spawned with posix_spawn in a session
 * of its own, and reparented: the program never sees it as a child) catches
 * the exec stop, injects mlockall(@mcl) into the new image before it runs,
 * and detaches. The caller's side makes only async-signal-safe calls after
 * it forks, so a multithreaded caller may use it. The program keeps the
 * caller's PID, file descriptors, environment and exit status.
 * @why: if not NULL, filled when it refuses before exec.
 *
 * Return: only on failure, -errno: -ENOENT/-EACCES/-ENAMETOOLONG (as execvp; a
 * path too long is refused, never cut), -EPERM (a
 * set-user-ID or file-capability program, which ptrace would run without
 * its privileges; or a lock the predictor says fails, without best effort;
 * or ptrace refused), -EINVAL (bad flags, or a report callback from a
 * multithreaded caller); -ENOENT/-EACCES/-EPROTO/-EPIPE with @why filled
 * when the helper cannot be run or was killed before it traced the caller
 * (with best effort the program runs unlocked instead). When the lock fails
 * at the exec stop, the program ends with MEMLOCK_EXEC_FAILED before
 * running; without best effort, a helper killed before the lock is done
 * takes the program with it (SIGKILL, PTRACE_O_EXITKILL) rather than let it
 * run unlocked.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_execvp_locked(const char *file, char *const argv[],
							 const struct memlock_exec_opts *opts,
							 struct memlock_verdict *why);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_H */
