/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/target.h - lock a running process from outside, by ptrace syscall injection. Include <memlock.h>. */
#ifndef MEMLOCK_TARGET_H
#define MEMLOCK_TARGET_H

#include <memlock/predict.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A running process to lock from outside. Its syscalls are injected through
 * ptrace into ONE of its threads (mlockall, mlock and munlockall act on the
 * whole address space), at a syscall instruction borrowed from the vDSO; no
 * code is ever written into it, its signal mask and registers are restored,
 * an interrupted syscall continues by the kernel's restart rules, and a
 * job-control-stopped target stays stopped.
 */
struct memlock_target;

/**
 * memlock_target_open() - pin process @pid (pidfd and start time, against
 * PID reuse) and check that it can be injected into.
 * @flags: MEMLOCK_F_FORCE, MEMLOCK_F_NO_EINTR (others: EINVAL).
 * @why: if not NULL (a verdict of memlock_verdict_new()), filled on refusal
 *       with the reason and the fix (the cause says which check refused).
 *
 * Return: a handle, or NULL with errno: ESRCH (no such process, or a
 * zombie), EINVAL (a kernel thread), EOPNOTSUPP (a 32-bit or x32 task), EBUSY
 * (already traced), EPERM (ptrace not permitted, or a seccomp filter without
 * CAP_SYS_ADMIN and without MEMLOCK_F_FORCE).
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

/* What the injections into a target cost it. @sz:
 * sizeof(struct memlock_stop_stats), set by the caller. */
struct memlock_stop_stats {
	size_t sz;
	unsigned int stops;		/* ptrace stops so far */
	uint64_t longest_ns, total_ns;	/* the thread's stopped time */
	pid_t tid;			/* the thread used last */
	const char *why_tid;		/* why that thread: "idle in futex", ... */
	bool eintr_risk;		/* it sat in an EINTR-prone call */
	bool job_stopped;		/* the target was job-control stopped */
};

/**
 * memlock_target_stats() - the stop statistics of @t.
 * @st: filled; @st->sz set by the caller. @st->why_tid points into @t,
 *      valid until its next injection or memlock_target_close().
 * Return: 0, -EINVAL (@t NULL, @st NULL or @st->sz too small).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_target_stats(const struct memlock_target *t,
							struct memlock_stop_stats *st);

/**
 * memlock_target_syscall() - run syscall @nr with @args in the target.
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
 * -EINTR (MEMLOCK_F_NO_EINTR and only EINTR-prone threads), -EAGAIN (every
 * thread, or the one of memlock_target_set_tid(), in uninterruptible sleep),
 * -EIO (an unexpected stop; the target was restored).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_target_syscall(struct memlock_target *t, long nr,
							   long *ret, const long args[6]);

/* Called after every injected syscall, with the target kernel's answer. */
typedef void (*memlock_call_fn)(long nr, const long args[6], long ret, void *userdata);

/*
 * A rescue record: what it takes to put a stopped thread back if the caller
 * dies (SIGKILL) inside a stop. Kept in memory the caller shares with
 * another process (MAP_SHARED), which calls memlock_rescue_run() on it when the
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

/*
 * @sz is sizeof(struct memlock_rescue), set by the caller, under the rules
 * of every sized struct (see common.h), but a uint32_t, not a size_t: the
 * record is read by a process other than the one that wrote it (a keeper,
 * which may be another program, e.g. a daemon), so its layout is fixed,
 * made of fixed-width members only, like the kernel's records that share
 * memory or cross an ABI (perf_event_attr and sched_attr carry a __u32
 * size); and @sz shares its 64-bit word with @phase without padding.
 */
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
 * (NULL: none). @r->sz must be set; the rest of @r is the library's.
 * Return: 0, -EINVAL (@t NULL, @r->sz too small), -E2BIG (@r bigger than
 * this version's record, with a byte past it not zero).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_target_set_rescue(struct memlock_target *t,
							     struct memlock_rescue *r);

/**
 * memlock_rescue_run() - after the process that injected died: if @r says a
 * thread holds injected state, attach to it, put its registers and mask
 * back, detach, and end the group stop memlock's SIGSTOP began.
 * Return: 1 when a thread was put back, 0 when there was nothing to do,
 * -EINVAL/-E2BIG (@r->sz, as memlock_target_set_rescue()), -errno.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_rescue_run(struct memlock_rescue *r);

/** memlock_target_set_call_log() - report each injected call to @fn (NULL: none). */
MEMLOCK_API void memlock_target_set_call_log(struct memlock_target *t, memlock_call_fn fn,
					     void *userdata);

/**
 * memlock_target_lock_all() - mlockall() in the target.
 * @flags: MEMLOCK_F_CURRENT and/or MEMLOCK_F_FUTURE, optionally
 *   MEMLOCK_F_ONFAULT: mlockall(2)'s MCL_* (other bits: -EINVAL, nothing done).
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
 * memlock_target_syscall().
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_target_lock_all(struct memlock_target *t,
							unsigned int flags, uint64_t max_pause_ns,
							long *ret);

/**
 * memlock_target_lock_range() - mlock(@start, @len) in the target, or mlock2
 * with @flags MEMLOCK_F_ONFAULT, mlock2(MLOCK_ONFAULT) (other bits: -EINVAL).
 * @max_pause_ns: 0 for one stop; else mlock() in chunks sized to the bound,
 *   as memlock_target_lock_all() does (on fault there is nothing to fault in:
 *   one stop). A failing chunk leaves the chunks before it locked.
 * @ret: the first failing call's answer (-errno), or 0.
 * Return: 0 when every injection worked (see @ret), -errno as
 * memlock_target_syscall().
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_target_lock_range(struct memlock_target *t,
							  uint64_t start, uint64_t len,
							  unsigned int flags, uint64_t max_pause_ns,
							  long *ret);

/**
 * memlock_target_unlock_all() - munlockall() in the target.
 * @max_pause_ns: 0 for one stop; else each locked mapping is munlock()ed in
 *   chunks sized to the bound as memlock_target_lock_all() does (a mapping is
 *   split in two between the stops that unlock it), then munlockall()
 *   ends MCL_FUTURE and unlocks what was mapped meanwhile.
 * @ret: the first failing call's answer (-errno), or 0.
 * Return: as memlock_target_lock_all().
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_target_unlock_all(struct memlock_target *t,
							  uint64_t max_pause_ns, long *ret);

/**
 * memlock_target_unlock_range() - munlock(@start, @len) in the target, in
 * chunks sized to @max_pause_ns when it is not 0.
 * Return: as memlock_target_lock_range().
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_target_unlock_range(struct memlock_target *t,
							    uint64_t start, uint64_t len,
							    uint64_t max_pause_ns, long *ret);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_TARGET_H */
