// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The stops of one seized thread: seize and interrupt, wait for a stop and
 * tell its kind, resume to the next one, get back into a stop for the
 * unwind, the rescue net's SIGSTOP, and the detach. The tracer's own
 * signals are blocked around all of it (mlk_block_signals()).
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

#include "inject/session.h"

/* What waitpid() said of @s->tid: 0 for a stop (its kind noted), -ESRCH if
 * it died. */
int mlk_wait_stop_status(struct mlk_session *s, int st)
{
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		s->seized = s->stopped = false;
		return -ESRCH;
	}
	s->stopped = true;
	s->kind = mlk_is_event_stop(st) ? STOP_EVENT
		  : WSTOPSIG(st) == (SIGTRAP | 0x80) ? STOP_SYSCALL : STOP_SIGNAL;
	return 0;
}

/* Wait for the next stop of @s->tid: 0 with *status, -ESRCH if it died,
 * -ECHILD if it is not (or no longer) ours to wait for. */
int mlk_wait_stop(struct mlk_session *s, int *status)
{
	int st;

	for (;;) {
		pid_t r = waitpid(s->tid, &st, __WALL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		*status = st;
		return mlk_wait_stop_status(s, st);
	}
}

/* Resume @s->tid with ptrace request @req, delivering @sig. */
int mlk_resume(struct mlk_session *s, int req, int sig)
{
	if (ptrace(req, s->tid, 0, (void *)(long)sig) < 0)
		return -errno;
	s->stopped = false;
	return 0;
}

/* After SEIZE + INTERRUPT: reach the interrupt stop, passing on any signal
 * that arrives first so the target still gets it. After MAX_STRAY_STOPS of
 * them it gives up in the last one's stop, which the detach passes on. */
static int reach_interrupt_stop(struct mlk_session *s)
{
	int st, rc, i;

	for (i = 0; i < MAX_STRAY_STOPS; i++) {
		rc = mlk_wait_stop(s, &st);
		if (rc < 0)
			return rc;
		if (mlk_is_event_stop(st)) {
			if (mlk_is_stop_signal(WSTOPSIG(st)))
				s->job_stopped = true;
			return 0;
		}
		/* a signal-delivery stop: deliver it, the interrupt is still pending */
		if (i + 1 == MAX_STRAY_STOPS) {
			s->detach_sig = WSTOPSIG(st);
			break;
		}
		rc = mlk_resume(s, PTRACE_CONT, WSTOPSIG(st));
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
int mlk_regain_stop(struct mlk_session *s)
{
	int st, rc;

	if (!s->seized || s->stopped)
		return s->seized ? 0 : -ESRCH;
	if (ptrace(PTRACE_INTERRUPT, s->tid, 0, 0) < 0)
		return -errno;
	rc = mlk_wait_stop(s, &st);
	if (rc < 0)
		return rc;
	if (!mlk_is_event_stop(st) && WSTOPSIG(st) != (SIGTRAP | 0x80) &&
	    !mlk_is_stop_signal(WSTOPSIG(st)))
		s->detach_sig = WSTOPSIG(st);
	else if (!mlk_is_event_stop(st) && mlk_is_stop_signal(WSTOPSIG(st)))
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
static int resume_until(struct mlk_session *s, int req, enum mlk_stop_kind kind, int sig)
{
	int st, rc, i;

	for (i = 0; i < MAX_STRAY_STOPS; i++) {
		rc = mlk_resume(s, req, 0);
		if (rc < 0)
			return rc;
		rc = mlk_wait_stop(s, &st);
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
int mlk_next_syscall_stop(struct mlk_session *s)
{
	return resume_until(s, PTRACE_SYSCALL, STOP_SYSCALL, 0);
}

/* To the next syscall stop, and the registers there. */
int mlk_step(struct mlk_session *s, struct mlk_regs *r)
{
	int rc = mlk_next_syscall_stop(s);

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
int mlk_park(struct mlk_session *s)
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

int mlk_seize(struct memlock_target *t, struct mlk_session *s)
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
int mlk_check_seized(struct memlock_target *t, const struct mlk_session *s)
{
	int rc;

	rc = mlk_target_check_alive(t);
	if (rc < 0)
		return rc;
	if (!mlk_task_is_of(NULL, t->pid, s->tid)) {
		pr_err("thread %d is no longer a thread of process %d: it exited, and its ID "
		       "went to another task",
		       (int)s->tid, (int)t->pid);
		return -ESRCH;
	}
	return 0;
}

/* Leave the thread: back into a stop if it is not in one, then detach,
 * passing on a signal it stopped for. A failure is reported. */
int mlk_release(struct memlock_target *t, struct mlk_session *s)
{
	int rc;

	if (!s->seized)
		return 0;
	rc = mlk_regain_stop(s);
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
uint64_t mlk_pending_signals(pid_t pid, pid_t tid)
{
	uint64_t pend = 0, v;
	size_t len;
	char *buf;

	if (mlk_read_task(NULL, pid, tid, "status", &buf, &len) < 0)
		return 0;
	if (mlk_field_u64(buf, len, "SigPnd", 16, &v) == 0)
		pend |= v;
	if (mlk_field_u64(buf, len, "ShdPnd", 16, &v) == 0)
		pend |= v;
	free(buf);
	return pend;
}

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
int mlk_drop_own_stop(struct memlock_target *t, struct mlk_session *s)
{
	struct timespec tick = { 0, 50000 };
	int st, rc;

	if (!s->own_stop)
		return 0;
	if (!(mlk_pending_signals(t->pid, s->tid) & SIGBIT(SIGSTOP))) {
		s->own_stop = false;	/* (a SIGCONT took it) */
		return 0;
	}
	rc = mlk_resume(s, PTRACE_CONT, 0);
	for (int i = 0; rc == 0; i++) {
		pid_t w = waitpid(s->tid, &st, __WALL | WNOHANG);

		if (w < 0 && errno != EINTR)
			return -errno;
		if (w == s->tid) {
			rc = mlk_wait_stop_status(s, st);
			if (rc < 0 || s->kind != STOP_SIGNAL || WSTOPSIG(st) == SIGSTOP)
				break;
			rc = mlk_resume(s, PTRACE_CONT, 0);	/* (a forced signal: not delivered) */
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

/* Queue the rescue net (see mlk_drop_own_stop()) at the injected call's entry
 * stop, first thing there: a tracer that dies from the registers' change to
 * this point is the window left (a few microseconds). A SIGSTOP of the
 * user's pending at the interrupt stop was taken on the way here, and is
 * re-raised after (resume_until()). */
void mlk_queue_own_stop(struct memlock_target *t, struct mlk_session *s)
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
