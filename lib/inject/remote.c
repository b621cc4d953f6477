// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Syscall injection into one thread: seize, interrupt, save, run the syscall
 * at a borrowed instruction, restore (restart rules applied), detach from
 * the syscall-exit stop.
 *
 * The target is left as it was whatever fails. The session keeps explicit
 * state - seized, stopped, registers or mask changed, entry stop seen - and
 * the unwind ladder reads it: get back into a stop (interrupt, wait), put
 * the mask and registers back (only what was changed, only from what was
 * captured), detach, and report a detach that failed. Every signal the
 * caller can block is blocked from the seize to the detach.
 *
 * The stops are collected with waitpid(tid, __WALL). A thread of the caller
 * that waits for any child (wait(), waitpid(-1), waitid(P_ALL)) during a
 * call can take such a stop first, and the call then waits for a stop that
 * was already reported: the library's users must wait only for their own
 * children by PID or pidfd while an injection runs (man libmemlock(3)).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inject/arch.h"
#include "inject/target.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#define MAX_STRAY_STOPS 64
#define MAX_TRIES 8		/* signals that come before anything changed */
#define NEXT_ENTRY_NS 2000000	/* the wait for a thread's next call (2 ms) */

enum stop_kind { STOP_EVENT, STOP_SYSCALL, STOP_SIGNAL };

struct session {
	pid_t tid;
	bool seized;		/* PTRACE_SEIZE done and the thread alive: ours to detach */
	bool stopped;		/* in a ptrace stop we waited for */
	enum stop_kind kind;	/* of that stop */
	int detach_sig;		/* stopped for this signal's delivery: pass it on leaving */
	bool job_stopped;	/* EVENT_STOP with a stop signal: group-stopped */
	int reraise;		/* a stop signal that arrived meanwhile */
	bool own_stop;		/* our SIGSTOP is pending (the rescue net) */
	bool retry;		/* a signal came before anything changed: try again */
};

/* What waitpid() said of @s->tid: 0 for a stop (its kind noted), -ESRCH if
 * it died. */
static int wait_stop_status(struct session *s, int st)
{
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		s->seized = s->stopped = false;
		return -ESRCH;
	}
	s->stopped = true;
	s->kind = (st >> 16) == PTRACE_EVENT_STOP ? STOP_EVENT
		  : WSTOPSIG(st) == (SIGTRAP | 0x80) ? STOP_SYSCALL : STOP_SIGNAL;
	return 0;
}

/* Wait for the next stop of @s->tid: 0 with *status, -ESRCH if it died,
 * -ECHILD if it is not (or no longer) ours to wait for. */
static int wait_stop(struct session *s, int *status)
{
	int st;

	for (;;) {
		pid_t r = waitpid(s->tid, &st, __WALL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		*status = st;
		return wait_stop_status(s, st);
	}
}

/* Resume @s->tid with ptrace request @req, delivering @sig. */
static int resume(struct session *s, int req, int sig)
{
	if (ptrace(req, s->tid, 0, (void *)(long)sig) < 0)
		return -errno;
	s->stopped = false;
	return 0;
}

static bool is_event_stop(int st)
{
	return (st >> 16) == PTRACE_EVENT_STOP;
}

/* After SEIZE + INTERRUPT: reach the interrupt stop, passing on any signal
 * that arrives first so the target still gets it. After MAX_STRAY_STOPS of
 * them it gives up in the last one's stop, which the detach passes on. */
static int reach_interrupt_stop(struct session *s)
{
	int st, rc, i;

	for (i = 0; i < MAX_STRAY_STOPS; i++) {
		rc = wait_stop(s, &st);
		if (rc < 0)
			return rc;
		if (is_event_stop(st)) {
			if (mlk_is_stop_signal(WSTOPSIG(st)))
				s->job_stopped = true;
			return 0;
		}
		/* a signal-delivery stop: deliver it, the interrupt is still pending */
		if (i + 1 == MAX_STRAY_STOPS) {
			s->detach_sig = WSTOPSIG(st);
			break;
		}
		rc = resume(s, PTRACE_CONT, WSTOPSIG(st));
		if (rc < 0)
			return rc;
	}
	return -EAGAIN;
}

/*
 * Get a thread that was resumed back into a stop, for the unwind: any stop
 * will do (interrupt, syscall, signal delivery - that one's signal is kept
 * for the detach; all others are blocked in the target during an injection).
 */
static int regain_stop(struct session *s)
{
	int st, rc;

	if (!s->seized || s->stopped)
		return s->seized ? 0 : -ESRCH;
	if (ptrace(PTRACE_INTERRUPT, s->tid, 0, 0) < 0)
		return -errno;
	rc = wait_stop(s, &st);
	if (rc < 0)
		return rc;
	if (!is_event_stop(st) && WSTOPSIG(st) != (SIGTRAP | 0x80) && !mlk_is_stop_signal(WSTOPSIG(st)))
		s->detach_sig = WSTOPSIG(st);
	else if (!is_event_stop(st) && mlk_is_stop_signal(WSTOPSIG(st)))
		s->reraise = WSTOPSIG(st);
	return 0;
}

/*
 * Resume with @req (no signal) until a stop of @kind - for STOP_SIGNAL, the
 * delivery of @sig - passing the others: a group-stop trap of a
 * job-stopped target, a stop signal (kept to re-raise after), or another
 * signal (blocked in the target during an injection: only a forced one, a
 * fault at our pc, stops here, and is not delivered).
 */
static int resume_until(struct session *s, int req, enum stop_kind kind, int sig)
{
	int st, rc, i;

	for (i = 0; i < MAX_STRAY_STOPS; i++) {
		rc = resume(s, req, 0);
		if (rc < 0)
			return rc;
		rc = wait_stop(s, &st);
		if (rc < 0)
			return rc;
		if (s->kind == kind && (kind != STOP_SIGNAL || WSTOPSIG(st) == sig))
			return 0;
		if (s->kind == STOP_SIGNAL && WSTOPSIG(st) == SIGSTOP && s->own_stop)
			s->own_stop = false;	/* the net's: discarded by going on */
		else if (s->kind == STOP_SIGNAL && mlk_is_stop_signal(WSTOPSIG(st)))
			s->reraise = WSTOPSIG(st);
	}
	return -EIO;
}

/* PTRACE_SYSCALL to the next syscall stop (entry or exit). */
static int next_syscall_stop(struct session *s)
{
	return resume_until(s, PTRACE_SYSCALL, STOP_SYSCALL, 0);
}

/* To the next syscall stop, and the registers there. */
static int step(struct session *s, struct mlk_regs *r)
{
	int rc = next_syscall_stop(s);

	return rc < 0 ? rc : mlk_arch_get_regs(s->tid, r);
}

/*
 * From the injected call's exit stop back to an interrupt stop, the kind of
 * stop the thread's registers were saved at: put back there, they meet the
 * kernel's own restart and signal code on the way out (its read restarts,
 * or fails with EINTR for a handler without SA_RESTART, its nanosleep goes
 * on with the time left), exactly as after a stop without an injection. The
 * thread executes nothing on the way: the interrupt is taken before it
 * returns to user mode.
 */
static int park(struct session *s)
{
	if (ptrace(PTRACE_INTERRUPT, s->tid, 0, 0) < 0)
		return -errno;
	return resume_until(s, PTRACE_CONT, STOP_EVENT, 0);
}

/* Why PTRACE_SEIZE answered @err: EPERM is also what an exiting thread and
 * an already traced one give - say which. */
static int seize_refused(struct memlock_target *t, pid_t tid, int err)
{
	struct memlock_status st = { .sz = sizeof(st) };

	if (err != -EPERM)
		return err;
	if (mlk_target_check_alive(t) < 0 || memlock_proc_read_status(NULL, tid, &st) < 0 ||
	    st.state == 'Z' || st.state == 'X')
		return -ESRCH;
	if (st.tracer_pid != 0) {
		pr_err("thread %d of process %d is already traced by process %d: another memlock "
		       "or a debugger is at work on it",
		       (int)tid, (int)t->pid, (int)st.tracer_pid);
		return -EBUSY;
	}
	return err;
}

static int seize(struct memlock_target *t, struct session *s)
{
	long opts = PTRACE_O_TRACESYSGOOD;

	if (t->suspend_seccomp)
		opts |= PTRACE_O_SUSPEND_SECCOMP;
	if (ptrace(PTRACE_SEIZE, s->tid, 0, (void *)opts) < 0)
		return seize_refused(t, s->tid, -errno);
	s->seized = true;
	if (ptrace(PTRACE_INTERRUPT, s->tid, 0, 0) < 0)
		return -errno;
	return reach_interrupt_stop(s);
}

/*
 * The seized thread is still @t's: its TID cannot be reused while it is our
 * tracee (a traced thread stays unreaped until its tracer waits for it), so
 * this check, made in the stop, holds until the detach.
 */
static int check_seized(struct memlock_target *t, const struct session *s)
{
	char path[64];
	int rc;

	rc = mlk_target_check_alive(t);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)t->pid, (int)s->tid);
	if (access(path, F_OK) < 0) {
		pr_err("thread %d is no longer a thread of process %d: it exited, and its ID "
		       "went to another task",
		       (int)s->tid, (int)t->pid);
		return -ESRCH;
	}
	return 0;
}

/* Leave the thread: back into a stop if it is not in one, then detach,
 * passing on a signal it stopped for. A failure is reported. */
static int release(struct memlock_target *t, struct session *s)
{
	int rc;

	if (!s->seized)
		return 0;
	rc = regain_stop(s);
	if (rc == 0 && ptrace(PTRACE_DETACH, s->tid, 0, (void *)(long)s->detach_sig) < 0)
		rc = -errno;
	if (rc == -ESRCH && waitpid(s->tid, &(int){ 0 }, __WALL | WNOHANG) > 0)
		rc = 0;		/* it died meanwhile: nothing is left to detach */
	if (rc < 0)
		pr_err("pid %d: cannot detach from thread %d: %s", (int)t->pid, (int)s->tid,
		       strerror(-rc));
	s->seized = false;
	return rc;
}

/* The thread's pending signals (its own and the process's), or 0. */
static uint64_t pending_signals(pid_t pid, pid_t tid)
{
	const char *p, *end, *line;
	uint64_t pend = 0, v;
	char path[64], *buf;
	size_t len, ll;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	if (mlk_read_file(path, &buf, &len) < 0)
		return 0;
	p = buf;
	end = buf + len;
	while (mlk_next_line(&p, end, &line, &ll)) {
		const char *f = mlk_field(line, ll, "SigPnd");

		if (f == NULL)
			f = mlk_field(line, ll, "ShdPnd");
		if (f && mlk_parse_u64(&f, line + ll, 16, &v) == 0)
			pend |= v;
	}
	free(buf);
	return pend;
}

#define SIGBIT(sig) (1ull << ((sig) - 1))
_Static_assert(sizeof(struct mlk_regs) <= sizeof(((struct memlock_rescue *)0)->regs),
	       "the rescue record holds the registers");

/*
 * With a rescue record, the thread gets a SIGSTOP before anything it runs
 * with is changed: should we die during the call, it group-stops the
 * process before the thread runs one more instruction of its own, and the
 * record's keeper puts it back. The end of the stop parks the thread at an
 * interrupt stop first (never a plain PTRACE_CONT with our registers in
 * place: a SIGCONT to the process takes a pending SIGSTOP away) and puts
 * its registers back there; then this takes the SIGSTOP, if still pending,
 * at its delivery stop, and the detach discards it. Every signal is still
 * blocked: nothing else is delivered meanwhile, and if a SIGCONT takes it
 * away first, the thread (its own registers back) is interrupted again.
 */
static int drop_own_stop(struct memlock_target *t, struct session *s)
{
	struct timespec tick = { 0, 50000 };
	int st, rc;

	if (!s->own_stop)
		return 0;
	if (!(pending_signals(t->pid, s->tid) & SIGBIT(SIGSTOP))) {
		s->own_stop = false;	/* (a SIGCONT took it) */
		return 0;
	}
	rc = resume(s, PTRACE_CONT, 0);
	for (int i = 0; rc == 0; i++) {
		pid_t w = waitpid(s->tid, &st, __WALL | WNOHANG);

		if (w < 0 && errno != EINTR)
			return -errno;
		if (w == s->tid) {
			rc = wait_stop_status(s, st);
			if (rc < 0 || s->kind != STOP_SIGNAL || WSTOPSIG(st) == SIGSTOP)
				break;
			rc = resume(s, PTRACE_CONT, 0);	/* (a forced signal: not delivered) */
			continue;
		}
		if (i == 2000 && ptrace(PTRACE_INTERRUPT, s->tid, 0, 0) < 0)	/* ~100 ms */
			return -errno;
		nanosleep(&tick, NULL);
	}
	if (rc == 0)
		s->own_stop = false;	/* taken, or gone: an interrupt stop */
	return rc;
}

/* Queue the rescue net (see take_own_stop()) at the injected call's entry
 * stop, first thing there: a tracer that dies from the registers' change to
 * this point is the window left (a few microseconds). A SIGSTOP of the
 * user's pending at the interrupt stop was taken on the way here, and is
 * re-raised after (resume_until()). */
static void queue_own_stop(struct memlock_target *t, struct session *s)
{
	if (t->rescue == NULL)
		return;
	/* said before it is sent: a worker killed on the call's way out
	 * has sent it */
	t->rescue->stop_queued = true;
	if (syscall(SYS_tgkill, t->pid, s->tid, SIGSTOP) < 0) {
		t->rescue->stop_queued = false;
		return;
	}
	s->own_stop = true;
}

/*
 * The borrowed instruction, checked in this stop: the cached address still
 * holds the instruction (one read; an exec or munmap since the last stop may
 * have put anything there), or a new one is found.
 */
static int borrowed_insn(struct memlock_target *t, pid_t tid, const struct mlk_regs *saved,
			 uint64_t *insn)
{
	unsigned char word[8];
	int rc;

	if (t->insn && mlk_read_mem(tid, t->insn, word, mlk_arch_syscall_insn_len) == 0 &&
	    memcmp(word, mlk_arch_syscall_insn, mlk_arch_syscall_insn_len) == 0) {
		*insn = t->insn;
		return 0;
	}
	if (t->insn)
		pr_debug("pid %d: the syscall instruction at 0x%llx is gone, looking again",
			 (int)t->pid, (unsigned long long)t->insn);
	t->insn = 0;
	rc = mlk_find_syscall_insn(tid, mlk_arch_prev_syscall_insn(saved), insn);
	if (rc == 0)
		t->insn = *insn;
	return rc;
}

/* What was changed in the thread during one injection: what to put back. */
struct undo {
	bool mask;		/* its signal mask is ours */
	bool regs;		/* its registers are ours (direct path) */
	bool entry;		/* the entry stop of its own syscall was reached (hijack) */
	bool fresh;		/* hijack of its next call, not of a restart */
};

/* The direct path: run @nr at the borrowed instruction @insn. */
static int inject_direct(struct memlock_target *t, struct session *s, const struct mlk_regs *saved,
			 uint64_t insn, long nr, const long args[6], struct mlk_regs *cur,
			 struct undo *undo)
{
	struct mlk_regs inj = *saved;
	int rc;

	mlk_arch_prepare_syscall(&inj, insn, nr, args);
	undo->regs = true;
	rc = mlk_arch_set_regs(s->tid, &inj);
	if (rc == 0)
		rc = next_syscall_stop(s);	/* the entry stop */
	if (rc == 0)
		queue_own_stop(t, s);
	if (rc == 0)
		rc = mlk_arch_get_regs(s->tid, cur);
	if (rc == 0 && (mlk_arch_syscall_nr(cur) != nr ||
			mlk_arch_pc(cur) != insn + mlk_arch_syscall_insn_len))
		rc = -EIO;
	if (rc == 0)
		rc = step(s, cur);	/* the exit stop */
	if (rc == 0 && mlk_arch_pc(cur) != insn + mlk_arch_syscall_insn_len)
		rc = -EIO;
	return rc;
}

/*
 * The approach of the entry path: from the interrupt stop, with nothing
 * changed, to the entry stop of the call the kernel restarts. A signal that
 * comes first is the thread's: the stop is left passing it on, and the
 * injection is tried again from a new stop (-EAGAIN, @s->retry).
 */
static int reach_own_entry(struct session *s, struct mlk_regs *entry)
{
	int st, rc;

	for (int i = 0; i < MAX_STRAY_STOPS; i++) {
		rc = resume(s, PTRACE_SYSCALL, 0);
		if (rc == 0)
			rc = wait_stop(s, &st);
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
static int reach_next_entry(struct session *s, struct mlk_regs *entry)
{
	struct timespec tick = { 0, 20000 };
	uint64_t deadline = mlk_now_ns() + NEXT_ENTRY_NS;
	int st, rc, sig = 0;
	bool late = false;

	for (int i = 0; i < MAX_STRAY_STOPS; i++) {
		rc = resume(s, PTRACE_SYSCALL, sig);
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
		rc = wait_stop_status(s, st);
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
static int inject_hijack(struct memlock_target *t, struct session *s, long nr,
			 const long args[6], struct mlk_regs *entry, struct mlk_regs *cur,
			 uint64_t *mask, struct undo *undo)
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
	queue_own_stop(t, s);
	/* every signal blocked, so that none is taken with our registers */
	if (ptrace(PTRACE_SETSIGMASK, s->tid, (void *)sizeof(all), &all) < 0)
		return -errno;
	undo->mask = true;
	undo->entry = true;
	rc = mlk_arch_hijack_entry(s->tid, entry, nr, args);
	if (rc == 0)
		rc = step(s, cur);
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
static int rejoin_own_call(struct session *s, const struct mlk_regs *entry,
			      uint64_t saved_mask)
{
	struct mlk_regs cur;
	int rc;

	rc = mlk_arch_hijack_restore(s->tid, entry);
	if (rc == 0)
		rc = step(s, &cur);
	if (rc == 0 && (mlk_arch_syscall_nr(&cur) != mlk_arch_syscall_nr(entry) ||
			mlk_arch_pc(&cur) != mlk_arch_pc(entry)))
		rc = -EIO;
	if (rc == 0 &&
	    ptrace(PTRACE_SETSIGMASK, s->tid, (void *)sizeof(saved_mask), &saved_mask) < 0)
		rc = -errno;
	return rc;
}

/*
 * Run @nr(@args) in thread @s->tid, which is attached and in a ptrace stop,
 * and leave it in a stop with its registers, extended state and signal mask
 * as they were. Detaching is the caller's.
 */
static int inject_in_stop(struct memlock_target *t, struct session *s, long nr, long *ret,
			  const long args[6])
{
	struct mlk_regs saved, back, cur, entry;
	uint64_t mask = ~0ull, saved_mask, insn, pend;
	bool at_syscall, hijack, at_event = s->kind == STOP_EVENT;
	struct mlk_ext ext = { 0 };
	struct undo undo = { 0 };
	unsigned char word[8];
	bool late, parked;
	int rc, rrc;

	rc = mlk_arch_get_regs(s->tid, &saved);
	if (rc < 0)
		return rc;
	rc = mlk_arch_check_task(&saved);
	if (rc < 0)
		return rc;
	/* the stop made the thread's call return EINTR, restart or not (a
	 * timed recv, a call outside the known lists): say so */
	if (mlk_arch_syscall_nr(&saved) >= 0 && mlk_arch_syscall_ret(&saved) == -EINTR) {
		t->stats.eintr_risk = true;
		pr_warn("thread %d of process %d: its syscall %ld returned EINTR at the stop",
			(int)s->tid, (int)t->pid, mlk_arch_syscall_nr(&saved));
	}
	if (ptrace(PTRACE_GETSIGMASK, s->tid, (void *)sizeof(saved_mask), &saved_mask) < 0)
		return -errno;
	rc = borrowed_insn(t, s->tid, &saved, &insn);
	if (rc < 0)
		return rc;
	rc = mlk_arch_save_ext(s->tid, &ext);
	if (rc == -EOPNOTSUPP)
		pr_err("thread %d of process %d uses SME (streaming mode or ZA), whose state "
		       "memlock does not restore",
		       (int)s->tid, (int)t->pid);
	if (rc < 0)
		return rc;
	at_syscall = mlk_read_mem(s->tid, mlk_arch_pc(&saved), word, mlk_arch_syscall_insn_len) == 0 &&
		     memcmp(word, mlk_arch_syscall_insn, mlk_arch_syscall_insn_len) == 0;
	hijack = !mlk_arch_restart_state(&saved, &back, at_syscall);
	/* right after a call of its own: its next one is taken, if it comes soon */
	if (!hijack && at_event && !s->job_stopped && t->next_entry_misses < 3 &&
	    mlk_arch_prev_syscall_insn(&saved) &&
	    mlk_read_mem(s->tid, mlk_arch_prev_syscall_insn(&saved), word,
			 mlk_arch_syscall_insn_len) == 0 &&
	    memcmp(word, mlk_arch_syscall_insn, mlk_arch_syscall_insn_len) == 0)
		hijack = undo.fresh = true;
	if (t->rescue) {
		struct memlock_rescue *r = t->rescue;

		r->pid = t->pid;
		r->tid = s->tid;
		r->mask = saved_mask;
		r->was_stopped = s->job_stopped;
		r->stop_queued = false;
		r->how = !hijack ? MEMLOCK_RESCUE_REGS
			 : mlk_arch_late_restart && !undo.fresh ? MEMLOCK_RESCUE_IF_INJECTED
							    : MEMLOCK_RESCUE_REWIND;
		r->nr = nr;
		r->insn = insn;
		memcpy(r->args, args, sizeof(r->args));
		r->regs_valid = r->how != MEMLOCK_RESCUE_REWIND;	/* (else at the entry) */
		if (r->regs_valid)
			memcpy(r->regs, saved.raw, sizeof(saved.raw));
		__atomic_store_n(&r->phase, 1, __ATOMIC_RELEASE);
	}
	/* block every signal in the target so none is delivered at our pc
	 * (the entry path: at the entry stop, with the net set first) */
	if (!hijack && ptrace(PTRACE_SETSIGMASK, s->tid, (void *)sizeof(mask), &mask) < 0) {
		mlk_arch_free_ext(&ext);
		return -errno;
	}
	undo.mask = !hijack;
	if (hijack)
		rc = inject_hijack(t, s, nr, args, &entry, &cur, &saved_mask, &undo);
	else
		rc = inject_direct(t, s, &saved, insn, nr, args, &cur, &undo);
	if (rc == -EIO)
		pr_err("pid %d: unexpected stop of thread %d in syscall %ld (at 0x%llx); its "
		       "state is put back",
		       (int)t->pid, (int)s->tid, mlk_arch_syscall_nr(&cur),
		       (unsigned long long)mlk_arch_pc(&cur));
	/* the pending signals matter only for a filter's SIGSYS, the hijack
	 * path and a restore away from an interrupt stop: read them then */
	pend = s->seized && (t->filtered || (!hijack && (!at_event || s->kind != STOP_SYSCALL ||
							 !undo.regs)))
		       ? pending_signals(t->pid, s->tid)
		       : 0;
	if (s->own_stop)	/* (the net's) */
		pend &= ~SIGBIT(SIGSTOP);
	if (rc == 0) {
		*ret = mlk_arch_syscall_ret(&cur);
		/* a seccomp filter that kills: the call was not made, its
		 * registers were rolled back, and SIGSYS is on its way */
		if (pend & SIGBIT(SIGSYS)) {
			pr_err("pid %d: a seccomp filter answered syscall %ld with SIGSYS: the "
			       "thread or process is being killed",
			       (int)t->pid, nr);
			rc = -ENOSYS;
		}
	}

	/* The unwind: back into a stop - the kind the registers were saved at
	 * when it can be - then put back only what was changed, only from
	 * state captured in a stop. Restore failures are reported above the
	 * original error. */
	late = undo.entry && mlk_arch_late_restart && !undo.fresh;
	parked = s->stopped && s->kind == STOP_SYSCALL && (s->own_stop || ((undo.regs || late) &&
									    at_event)) &&
		 park(s) == 0;
	rrc = regain_stop(s);
	if (rrc < 0) {
		if (rrc != -ESRCH)
			pr_err("pid %d: cannot stop thread %d again to restore it: %s", (int)t->pid,
			       (int)s->tid, strerror(-rrc));
		mlk_arch_free_ext(&ext);
		return rrc;
	}
	/* (a fresh entry: the thread ran on since the save, and its own call
	 * at that entry discarded the state beyond the V registers already) */
	rrc = undo.fresh ? 0 : mlk_arch_restore_ext(s->tid, &ext);
	mlk_arch_free_ext(&ext);
	if (rrc < 0) {
		pr_err("pid %d: cannot restore the vector registers of thread %d: %s",
		       (int)t->pid, (int)s->tid, strerror(-rrc));
		rc = rrc;
	}
	/* (a fresh entry too: the thread had entered its call - a pause() -
	 * so a signal that comes now must meet it there and end it, not run
	 * its handler before a call that then waits on: torture caught a
	 * pause() that did not return after its handler) */
	if (undo.entry && !late && (s->kind != STOP_EVENT || parked) &&
	    rejoin_own_call(s, &entry, saved_mask) == 0)
		return rc;
	/* The registers, then the net taken away, then the mask */
	rrc = 0;
	if (undo.regs || late) {
		/* at an interrupt stop (parked) as they were saved: the
		 * kernel's restart code runs after them; at another stop, with
		 * the restart applied here - unless a signal the thread takes
		 * is waiting: then the kernel's signal code runs on the way
		 * out, and applies it as without us */
		if (at_event && s->kind == STOP_EVENT)
			rrc = mlk_arch_set_regs(s->tid, &saved);
		else if (undo.regs)
			rrc = mlk_arch_restore_regs(s->tid, (pend & ~saved_mask) ? &saved : &back);
		else
			rrc = mlk_arch_hijack_restore(s->tid, &entry);
	} else if (undo.entry) {
		rrc = mlk_arch_hijack_restore(s->tid, &entry);
	}
	if (rrc < 0) {
		pr_err("pid %d: cannot restore the registers of thread %d: %s", (int)t->pid,
		       (int)s->tid, strerror(-rrc));
		rc = rrc;
	}
	rrc = drop_own_stop(t, s);
	if (rrc < 0 && rrc != -ESRCH)
		pr_err("pid %d: cannot take back memlock's SIGSTOP to thread %d: %s", (int)t->pid,
		       (int)s->tid, strerror(-rrc));
	if (undo.mask &&
	    ptrace(PTRACE_SETSIGMASK, s->tid, (void *)sizeof(saved_mask), &saved_mask) < 0) {
		rrc = -errno;
		pr_err("pid %d: cannot restore the signal mask of thread %d: %s", (int)t->pid,
		       (int)s->tid, strerror(-rrc));
		rc = rrc;
	}
	return rc;
}

/* Every signal the caller can block waits until the thread is restored and
 * detached: a handler, a default action (SIGQUIT, SIGUSR1, SIGALRM...) or a
 * stop in between would leave it with the injected registers. The raw
 * syscall, because glibc's sigprocmask leaves out its two internal signals
 * (32, 33: cancellation and setxid), whose default action, with no handler
 * installed, also terminates; blocked, a setuid() in another thread of the
 * caller, or a pthread_cancel() of this one, waits for the stop's end.
 * SIGKILL and SIGSTOP cannot be blocked: see man memlock(1), "Signals". */
void mlk_block_signals(uint64_t *old)
{
	uint64_t all = ~0ull;

	(void)syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, old, sizeof(all));
}

void mlk_unblock_signals(const uint64_t *old)
{
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, sizeof(*old));
}

static void account(struct memlock_target *t, const struct session *s, uint64_t t0, long nr,
		    const long args[6], long ret, int rc)
{
	uint64_t dt = t0 ? mlk_now_ns() - t0 : 0;

	if (t0) {
		t->stats.stops++;
		t->stats.total_ns += dt;
		if (dt > t->stats.longest_ns)
			t->stats.longest_ns = dt;
	}
	t->stats.tid = s->tid;
	t->stats.job_stopped = s->job_stopped;
	if (rc == 0 && t->call_fn)
		t->call_fn(nr, args, ret, t->call_data);
	if (rc == 0)
		pr_debug("pid %d tid %d: syscall %ld = %ld, stopped %llu us", (int)t->pid, (int)s->tid,
			 nr, ret, (unsigned long long)(dt / 1000));
}

int memlock_target_syscall(struct memlock_target *t, long nr, long *ret, const long args[6])
{
	struct session s = { 0 };
	uint64_t old_caller;
	uint64_t t0 = 0;
	int rc, rrc;

	if (t == NULL || ret == NULL || args == NULL)
		return mlk_err(-EINVAL);
	rc = mlk_target_check_alive(t);
	if (rc < 0)
		return mlk_err(rc);
	rc = mlk_choose_thread(t, &s.tid);
	if (rc < 0)
		return mlk_err(rc);
	/* outside the stop: the vDSO scan reads memory (through the chosen
	 * thread, live even when the leader is a zombie) */
	if (t->insn == 0)
		(void)mlk_find_syscall_insn(s.tid, 0, &t->insn);

	mlk_block_signals(&old_caller);
	for (int tries = 0;; tries++) {
		rc = seize(t, &s);
		if (rc == 0) {
			if (t0 == 0)
				t0 = mlk_now_ns();
			/* the PID or the TID may have been reused since the choice */
			rc = check_seized(t, &s);
		}
		if (rc == 0)
			rc = inject_in_stop(t, &s, nr, ret, args);
		/* put back: the record would only undo it again, and a dying
		 * tracer now leaves at most the net's group stop to end */
		if (t->rescue && !s.own_stop)
			__atomic_store_n(&t->rescue->phase, 2, __ATOMIC_RELEASE);
		/* straight from the stop we are in; a group-stopped thread re-stops */
		rrc = release(t, &s);
		/* a net left pending (an error on the way): ended here, so that
		 * no group stop outlives us */
		if (s.own_stop && !s.job_stopped)
			kill(t->pid, SIGCONT);
		if (t->rescue)
			__atomic_store_n(&t->rescue->phase, 0, __ATOMIC_RELEASE);
		if (rc == 0)
			rc = rrc;
		if (rc != -EAGAIN || !s.retry || rrc < 0 || tries == MAX_TRIES)
			break;
		s = (struct session){ .tid = s.tid, .reraise = s.reraise };
	}
	if (s.reraise)
		kill(t->pid, s.reraise);
	mlk_unblock_signals(&old_caller);
	account(t, &s, t0, nr, args, *ret, rc);
	return mlk_err(rc);
}

int mlk_inject_stopped(struct memlock_target *t, pid_t tid, long nr, long *ret,
		       const long args[6])
{
	/* the caller's tracee, in a stop the caller waited for */
	struct session s = { .tid = tid, .seized = true, .stopped = true };
	uint64_t old_caller;
	uint64_t t0 = mlk_now_ns();
	int rc;

	if (t->insn == 0)
		(void)mlk_find_syscall_insn(tid, 0, &t->insn);
	mlk_block_signals(&old_caller);
	rc = inject_in_stop(t, &s, nr, ret, args);
	mlk_unblock_signals(&old_caller);
	account(t, &s, t0, nr, args, *ret, rc);
	return rc;
}
