// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The entry-hijack path of one injection (reptyr's): a thread interrupted
 * in a syscall the kernel restarts, or stopped right after a call of its
 * own, is let run to the entry of its (restarted, or next) call; the call
 * is replaced there by the injected one, and afterwards the thread re-enters
 * its own call with its own mask, as if it had never stopped.
 */
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

#include "inject/session.h"

#define NEXT_ENTRY_NS 2000000	/* the wait for a thread's next call (2 ms) */

/*
 * The approach of the entry path: from the interrupt stop, with nothing
 * changed, to the entry stop of the call the kernel restarts. A signal that
 * comes first is the thread's: the stop is left passing it on, and the
 * injection is tried again from a new stop (-EAGAIN, @s->retry).
 */
static int reach_own_entry(struct mlk_session *s, struct mlk_regs *entry)
{
	int st, rc;

	for (int i = 0; i < MAX_STRAY_STOPS; i++) {
		rc = mlk_resume(s, PTRACE_SYSCALL, 0);
		if (rc == 0)
			rc = mlk_wait_stop(s, &st);
		if (rc < 0)
			return rc;
		if (s->kind == STOP_SYSCALL)
			return mlk_arch_get_regs(s->tid, entry);
		if (s->kind == STOP_SIGNAL) {
			s->detach_sig = WSTOPSIG(st);
			s->retry = true;
			return -EAGAIN;
		}
		/* (a group-stop trap of a job-stopped target: on) */
	}
	return -EIO;
}

/*
 * The approach of a thread stopped right after a call of its own (its next
 * one is usually near: a loop around read or recv): let it run, untouched,
 * to its next syscall entry, passing on the signals it gets meanwhile.
 * -ETIME when none comes within NEXT_ENTRY_NS: then it is back in an
 * interrupt stop, and the injection starts again from a new stop (@s->retry)
 * by the borrowed instruction.
 */
static int reach_next_entry(struct mlk_session *s, struct mlk_regs *entry)
{
	struct timespec tick = { 0, 20000 };
	uint64_t deadline = mlk_now_ns() + NEXT_ENTRY_NS;
	int st, rc, sig = 0;
	bool late = false;

	for (int i = 0; i < MAX_STRAY_STOPS; i++) {
		rc = mlk_resume(s, PTRACE_SYSCALL, sig);
		if (rc < 0)
			return rc;
		sig = 0;
		for (;;) {
			pid_t w = waitpid(s->tid, &st, __WALL | WNOHANG);

			if (w == s->tid || (w < 0 && errno != EINTR))
				break;
			if (!late && mlk_now_ns() > deadline) {
				late = true;	/* (a stop that comes first is taken) */
				if (ptrace(PTRACE_INTERRUPT, s->tid, 0, 0) < 0)
					return -errno;
			}
			nanosleep(&tick, NULL);
		}
		rc = mlk_wait_stop_status(s, st);
		if (rc < 0)
			return rc;
		if (s->kind == STOP_SYSCALL)
			return mlk_arch_get_regs(s->tid, entry);
		if (s->kind == STOP_EVENT) {
			/* our interrupt, or a group stop: from a new stop */
			if (mlk_is_stop_signal(WSTOPSIG(st)))
				s->job_stopped = true;
			s->retry = true;
			return -ETIME;
		}
		sig = WSTOPSIG(st);	/* its own signal: delivered, on */
	}
	return -EIO;
}

/* The entry-hijack path (reptyr's): let the thread re-enter the syscall it
 * was interrupted in, replace it at the entry stop, read the result at the
 * exit stop. @entry: the registers at that entry stop, to rewind with.
 * The registers are ours only while the thread is in the kernel, and the
 * rescue net is queued before they change: no window is left. */
int mlk_inject_hijack(struct memlock_target *t, struct mlk_session *s, long nr,
		      const long args[6], struct mlk_regs *entry, struct mlk_regs *cur,
		      uint64_t *mask, struct mlk_undo *undo)
{
	uint64_t all = ~0ull;
	int rc;

	rc = undo->fresh ? reach_next_entry(s, entry) : reach_own_entry(s, entry);
	if (undo->fresh)	/* (a busy thread, or a busy machine: not every time) */
		t->next_entry_misses = rc == -ETIME ? t->next_entry_misses + 1 : 0;
	if (rc < 0)
		return rc == -ETIME ? -EAGAIN : rc;
	pr_debug("pid %d: thread %d taken at the entry of its %s call (syscall %ld)",
		 (int)t->pid, (int)s->tid, undo->fresh ? "next" : "restarted",
		 mlk_arch_syscall_nr(entry));
	/* (a fresh entry: the thread ran on, a handler's mask may be on now) */
	if (undo->fresh && ptrace(PTRACE_GETSIGMASK, s->tid, (void *)sizeof(*mask), mask) < 0)
		return -errno;
	if (t->rescue && (undo->fresh || !mlk_arch_late_restart)) {
		memcpy(t->rescue->regs, entry->raw, sizeof(entry->raw));
		t->rescue->mask = *mask;
		t->rescue->regs_valid = true;
	}
	mlk_queue_own_stop(t, s);
	/* every signal blocked, so that none is taken with our registers */
	if (ptrace(PTRACE_SETSIGMASK, s->tid, (void *)sizeof(all), &all) < 0)
		return -errno;
	undo->mask = true;
	undo->entry = true;
	rc = mlk_arch_hijack_entry(s->tid, entry, nr, args);
	if (rc == 0)
		rc = mlk_step(s, cur);
	if (rc == 0 && mlk_arch_pc(cur) != mlk_arch_pc(entry))
		rc = -EIO;
	return rc;
}

/*
 * The end of a hijack: rewound to its syscall instruction with its mask put
 * back, the thread would run the handler of a signal that is waiting (or
 * arrives before the detach) before the call, and the call would start
 * again instead of failing with EINTR. So it re-enters its own syscall with
 * every signal still blocked, and its mask is put back at that entry stop:
 * the call then meets any signal as it would have without us. 0: done,
 * detach from this entry stop.
 */
int mlk_rejoin_own_call(struct mlk_session *s, const struct mlk_regs *entry,
			uint64_t saved_mask)
{
	struct mlk_regs cur;
	int rc;

	rc = mlk_arch_hijack_restore(s->tid, entry);
	if (rc == 0)
		rc = mlk_step(s, &cur);
	if (rc == 0 && (mlk_arch_syscall_nr(&cur) != mlk_arch_syscall_nr(entry) ||
			mlk_arch_pc(&cur) != mlk_arch_pc(entry)))
		rc = -EIO;
	if (rc == 0 &&
	    ptrace(PTRACE_SETSIGMASK, s->tid, (void *)sizeof(saved_mask), &saved_mask) < 0)
		rc = -errno;
	return rc;
}
