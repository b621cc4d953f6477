// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One injected syscall: seize, interrupt, save, run the syscall at a
 * borrowed instruction (or at the entry of the thread's own call,
 * restart.c), restore (restart rules applied), detach from the stop.
 *
 * The target is left as it was whatever fails. The session keeps explicit
 * state - seized, stopped, registers or mask changed, entry stop seen - and
 * the unwind ladder reads it: get back into a stop (interrupt, wait), put
 * the mask and registers back (only what was changed, only from what was
 * captured), detach, and report a detach that failed. Every signal the
 * caller can block is blocked from the seize to the detach.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject/session.h"

#define MAX_TRIES 8		/* signals that come before anything changed */

_Static_assert(sizeof(struct mlk_regs) <= sizeof(((struct memlock_rescue *)0)->regs),
	       "the rescue record holds the registers");

/*
 * The borrowed instruction, checked in this stop: the cached address still
 * holds the instruction (one read; an exec or munmap since the last stop may
 * have put anything there), or a new one is found.
 */
static int borrowed_insn(struct memlock_target *t, pid_t tid, const struct mlk_regs *saved,
			 uint64_t *insn)
{
	int rc;

	if (t->insn && mlk_insn_at(tid, t->insn)) {
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

/* The direct path: run @nr at the borrowed instruction @insn. */
static int inject_direct(struct memlock_target *t, struct mlk_session *s,
			 const struct mlk_regs *saved, uint64_t insn, long nr, const long args[6],
			 struct mlk_regs *cur, struct mlk_undo *undo)
{
	struct mlk_regs inj = *saved;
	int rc;

	mlk_arch_prepare_syscall(&inj, insn, nr, args);
	undo->regs = true;
	rc = mlk_arch_set_regs(s->tid, &inj);
	if (rc == 0)
		rc = mlk_next_syscall_stop(s);	/* the entry stop */
	if (rc == 0)
		mlk_queue_own_stop(t, s);
	if (rc == 0)
		rc = mlk_arch_get_regs(s->tid, cur);
	if (rc == 0 && (mlk_arch_syscall_nr(cur) != nr ||
			mlk_arch_pc(cur) != insn + mlk_arch_syscall_insn_len))
		rc = -EIO;
	if (rc == 0)
		rc = mlk_step(s, cur);	/* the exit stop */
	if (rc == 0 && mlk_arch_pc(cur) != insn + mlk_arch_syscall_insn_len)
		rc = -EIO;
	return rc;
}

/*
 * One injected call in a thread in a stop: what was saved there, the path
 * taken, and what was changed (what the unwind puts back).
 */
struct call {
	struct memlock_target *t;
	struct mlk_session *s;
	long nr;
	const long *args;
	struct mlk_regs saved;	/* the thread's registers at the stop */
	struct mlk_regs back;	/* the same, with the kernel's restart applied */
	struct mlk_regs cur;	/* at the injected call's exit stop */
	struct mlk_regs entry;	/* at the entry stop of its own call (hijack) */
	uint64_t saved_mask;	/* its signal mask */
	uint64_t insn;		/* the borrowed instruction */
	uint64_t pend;		/* its pending signals after the call, when they matter */
	struct mlk_ext ext;	/* its state beyond the registers */
	bool at_event;		/* saved at an interrupt stop */
	bool hijack;		/* the entry path (restart.c), else the direct one */
	bool late;		/* a restarted call's hijack, the restart applied after the stops */
	bool parked;		/* back at an interrupt stop after the call */
	struct mlk_undo undo;
};

/* Step 1: the thread's registers, mask, borrowed instruction and extended
 * state, captured in the stop before anything changes. */
static int save_thread(struct call *c)
{
	struct mlk_session *s = c->s;
	int rc;

	rc = mlk_arch_get_regs(s->tid, &c->saved);
	if (rc < 0)
		return rc;
	rc = mlk_arch_check_task(&c->saved);
	if (rc < 0)
		return rc;
	/* the stop made the thread's call return EINTR, restart or not (a
	 * timed recv, a call outside the known lists): say so */
	if (mlk_arch_syscall_nr(&c->saved) >= 0 && mlk_arch_syscall_ret(&c->saved) == -EINTR) {
		c->t->stats.eintr_risk = true;
		pr_warn("thread %d of process %d: its syscall %ld returned EINTR at the stop",
			(int)s->tid, (int)c->t->pid, mlk_arch_syscall_nr(&c->saved));
	}
	if (ptrace(PTRACE_GETSIGMASK, s->tid, (void *)sizeof(c->saved_mask), &c->saved_mask) < 0)
		return -errno;
	rc = borrowed_insn(c->t, s->tid, &c->saved, &c->insn);
	if (rc < 0)
		return rc;
	rc = mlk_arch_save_ext(s->tid, &c->ext);
	if (rc == -EOPNOTSUPP)
		pr_err("thread %d of process %d uses SME (streaming mode or ZA), whose state "
		       "memlock does not restore",
		       (int)s->tid, (int)c->t->pid);
	return rc;
}

/* Step 2: the direct path, or the entry of the thread's restarted call, or
 * (right after a call of its own) of its next one, if it comes soon. */
static void choose_path(struct call *c)
{
	uint64_t prev = mlk_arch_prev_syscall_insn(&c->saved);
	bool at_syscall = mlk_insn_at(c->s->tid, mlk_arch_pc(&c->saved));

	c->hijack = !mlk_arch_restart_state(&c->saved, &c->back, at_syscall);
	if (!c->hijack && c->at_event && !c->s->job_stopped && c->t->next_entry_misses < 3 &&
	    prev && mlk_insn_at(c->s->tid, prev))
		c->hijack = c->undo.fresh = true;
}

/* Step 3: the rescue record, filled before anything changes. */
static void fill_rescue(struct call *c)
{
	struct memlock_rescue *r = c->t->rescue;

	if (r == NULL)
		return;
	r->pid = c->t->pid;
	r->tid = c->s->tid;
	r->mask = c->saved_mask;
	r->was_stopped = c->s->job_stopped;
	r->stop_queued = false;
	r->how = !c->hijack ? MEMLOCK_RESCUE_REGS
		 : mlk_arch_late_restart && !c->undo.fresh ? MEMLOCK_RESCUE_IF_INJECTED
							    : MEMLOCK_RESCUE_REWIND;
	r->nr = c->nr;
	r->insn = c->insn;
	memcpy(r->args, c->args, sizeof(r->args));
	r->regs_valid = r->how != MEMLOCK_RESCUE_REWIND;	/* (else at the entry) */
	if (r->regs_valid)
		memcpy(r->regs, c->saved.raw, sizeof(c->saved.raw));
	__atomic_store_n(&r->phase, 1, __ATOMIC_RELEASE);
}

/* Step 4: block every signal in the target so none is delivered at our pc
 * (the entry path: at the entry stop, with the net set first). */
static int block_target_signals(struct call *c)
{
	uint64_t all = ~0ull;

	if (c->hijack)
		return 0;
	if (ptrace(PTRACE_SETSIGMASK, c->s->tid, (void *)sizeof(all), &all) < 0)
		return -errno;
	c->undo.mask = true;
	return 0;
}

/* Step 5: the call, by the path chosen, and its answer in *@ret. */
static int run_call(struct call *c, long *ret)
{
	struct memlock_target *t = c->t;
	struct mlk_session *s = c->s;
	int rc;

	if (c->hijack)
		rc = mlk_inject_hijack(t, s, c->nr, c->args, &c->entry, &c->cur, &c->saved_mask,
				       &c->undo);
	else
		rc = inject_direct(t, s, &c->saved, c->insn, c->nr, c->args, &c->cur, &c->undo);
	if (rc == -EIO)
		pr_err("pid %d: unexpected stop of thread %d in syscall %ld (at 0x%llx); its "
		       "state is put back",
		       (int)t->pid, (int)s->tid, mlk_arch_syscall_nr(&c->cur),
		       (unsigned long long)mlk_arch_pc(&c->cur));
	/* the pending signals matter only for a filter's SIGSYS, the hijack
	 * path and a restore away from an interrupt stop: read them then */
	if (s->seized && (t->filtered || (!c->hijack && (!c->at_event || s->kind != STOP_SYSCALL ||
							 !c->undo.regs))))
		c->pend = mlk_pending_signals(t->pid, s->tid);
	if (s->own_stop)	/* (the net's) */
		c->pend &= ~SIGBIT(SIGSTOP);
	if (rc == 0) {
		*ret = mlk_arch_syscall_ret(&c->cur);
		/* a seccomp filter that kills: the call was not made, its
		 * registers were rolled back, and SIGSYS is on its way */
		if (c->pend & SIGBIT(SIGSYS)) {
			pr_err("pid %d: a seccomp filter answered syscall %ld with SIGSYS: the "
			       "thread or process is being killed",
			       (int)t->pid, c->nr);
			rc = -ENOSYS;
		}
	}
	return rc;
}

/* Unwind 1: back into a stop - the kind the registers were saved at when
 * it can be. */
static int regain_saved_stop(struct call *c)
{
	struct mlk_session *s = c->s;
	int rc;

	c->late = c->undo.entry && mlk_arch_late_restart && !c->undo.fresh;
	c->parked = s->stopped && s->kind == STOP_SYSCALL &&
		    (s->own_stop || ((c->undo.regs || c->late) && c->at_event)) && mlk_park(s) == 0;
	rc = mlk_regain_stop(s);
	if (rc < 0 && rc != -ESRCH)
		pr_err("pid %d: cannot stop thread %d again to restore it: %s", (int)c->t->pid,
		       (int)s->tid, strerror(-rc));
	return rc;
}

/* Unwind 2: the extended state. (A fresh entry: the thread ran on since
 * the save, and its own call at that entry discarded the state beyond the
 * V registers already.) */
static int restore_ext(struct call *c, int rc)
{
	int rrc = c->undo.fresh ? 0 : mlk_arch_restore_ext(c->s->tid, &c->ext);

	if (rrc < 0) {
		pr_err("pid %d: cannot restore the vector registers of thread %d: %s",
		       (int)c->t->pid, (int)c->s->tid, strerror(-rrc));
		return rrc;
	}
	return rc;
}

/* Unwind 3, the entry path: the thread re-enters its own call with its own
 * mask, and the unwind is done. (A fresh entry too: the thread had entered
 * its call - a pause() - so a signal that comes now must meet it there and
 * end it, not run its handler before a call that then waits on: torture
 * caught a pause() that did not return after its handler.) */
static bool rejoined(struct call *c)
{
	return c->undo.entry && !c->late && (c->s->kind != STOP_EVENT || c->parked) &&
	       mlk_rejoin_own_call(c->s, &c->entry, c->saved_mask) == 0;
}

/* Unwind 4: the registers. At an interrupt stop (parked) as they were
 * saved: the kernel's restart code runs after them; at another stop, with
 * the restart applied here - unless a signal the thread takes is waiting:
 * then the kernel's signal code runs on the way out, and applies it as
 * without us. */
static int restore_regs(struct call *c, int rc)
{
	pid_t tid = c->s->tid;
	int rrc = 0;

	if (c->undo.regs || c->late) {
		if (c->at_event && c->s->kind == STOP_EVENT)
			rrc = mlk_arch_set_regs(tid, &c->saved);
		else if (c->undo.regs)
			rrc = mlk_arch_restore_regs(tid, (c->pend & ~c->saved_mask) ? &c->saved
										: &c->back);
		else
			rrc = mlk_arch_hijack_restore(tid, &c->entry);
	} else if (c->undo.entry) {
		rrc = mlk_arch_hijack_restore(tid, &c->entry);
	}
	if (rrc < 0) {
		pr_err("pid %d: cannot restore the registers of thread %d: %s", (int)c->t->pid,
		       (int)tid, strerror(-rrc));
		return rrc;
	}
	return rc;
}

/* Unwind 5: the net taken away, then the mask. */
static int restore_mask(struct call *c, int rc)
{
	struct mlk_session *s = c->s;
	int rrc;

	rrc = mlk_drop_own_stop(c->t, s);
	if (rrc < 0 && rrc != -ESRCH)
		pr_err("pid %d: cannot take back memlock's SIGSTOP to thread %d: %s",
		       (int)c->t->pid, (int)s->tid, strerror(-rrc));
	if (c->undo.mask &&
	    ptrace(PTRACE_SETSIGMASK, s->tid, (void *)sizeof(c->saved_mask), &c->saved_mask) < 0) {
		rrc = -errno;
		pr_err("pid %d: cannot restore the signal mask of thread %d: %s", (int)c->t->pid,
		       (int)s->tid, strerror(-rrc));
		return rrc;
	}
	return rc;
}

/*
 * Run @nr(@args) in thread @s->tid, which is attached and in a ptrace stop,
 * and leave it in a stop with its registers, extended state and signal mask
 * as they were. Detaching is the caller's. The unwind puts back only what
 * was changed, only from state captured in a stop; restore failures are
 * reported above the original error.
 */
static int inject_in_stop(struct memlock_target *t, struct mlk_session *s, long nr, long *ret,
			  const long args[6])
{
	struct call c = { .t = t, .s = s, .nr = nr, .args = args,
			  .at_event = s->kind == STOP_EVENT, .saved_mask = ~0ull };
	int rc, rrc;

	rc = save_thread(&c);
	if (rc < 0)
		goto out_free_ext;
	choose_path(&c);
	fill_rescue(&c);
	rc = block_target_signals(&c);
	if (rc < 0)
		goto out_free_ext;
	rc = run_call(&c, ret);

	rrc = regain_saved_stop(&c);
	if (rrc < 0) {
		rc = rrc;
		goto out_free_ext;
	}
	rc = restore_ext(&c, rc);
	if (rejoined(&c))
		goto out_free_ext;
	rc = restore_regs(&c, rc);
	rc = restore_mask(&c, rc);
out_free_ext:
	mlk_arch_free_ext(&c.ext);
	return rc;
}

static void account(struct memlock_target *t, const struct mlk_session *s, uint64_t t0,
		    long nr, const long args[6], long ret, int rc)
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
	struct mlk_session s = { 0 };
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
		rc = mlk_seize(t, &s);
		if (rc == 0) {
			if (t0 == 0)
				t0 = mlk_now_ns();
			/* the PID or the TID may have been reused since the choice */
			rc = mlk_check_seized(t, &s);
		}
		if (rc == 0)
			rc = inject_in_stop(t, &s, nr, ret, args);
		/* put back: the record would only undo it again, and a dying
		 * tracer now leaves at most the net's group stop to end */
		if (t->rescue && !s.own_stop)
			__atomic_store_n(&t->rescue->phase, 2, __ATOMIC_RELEASE);
		/* straight from the stop we are in; a group-stopped thread re-stops */
		rrc = mlk_release(t, &s);
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
		s = (struct mlk_session){ .tid = s.tid, .reraise = s.reraise };
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
	struct mlk_session s = { .tid = tid, .seized = true, .stopped = true };
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
