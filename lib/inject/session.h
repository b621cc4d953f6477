/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One injection session, shared by stop.c (the stops of a seized thread),
 * restart.c (the entry-hijack path) and inject.c (one injected call), and
 * the ptrace constants rescue.c reads stops with.
 */
#ifndef MLK_SESSION_H
#define MLK_SESSION_H

#include "inject/arch.h"
#include "inject/target.h"

/* libcs older than the kernel feature (3.4) lack it */
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#define SIGBIT(sig) (1ull << ((sig) - 1))
#define MAX_STRAY_STOPS 64

enum mlk_stop_kind { STOP_EVENT, STOP_SYSCALL, STOP_SIGNAL };

struct mlk_session {
	pid_t tid;
	bool seized;		/* PTRACE_SEIZE done and the thread alive: ours to detach */
	bool stopped;		/* in a ptrace stop we waited for */
	enum mlk_stop_kind kind;	/* of that stop */
	int detach_sig;		/* stopped for this signal's delivery: pass it on leaving */
	bool job_stopped;	/* EVENT_STOP with a stop signal: group-stopped */
	int reraise;		/* a stop signal that arrived meanwhile */
	bool own_stop;		/* our SIGSTOP is pending (the rescue net) */
	bool retry;		/* a signal came before anything changed: try again */
};

/* What was changed in the thread during one injection: what to put back. */
struct mlk_undo {
	bool mask;		/* its signal mask is ours */
	bool regs;		/* its registers are ours (direct path) */
	bool entry;		/* the entry stop of its own syscall was reached (hijack) */
	bool fresh;		/* hijack of its next call, not of a restart */
};

/* A waitpid() status of a PTRACE_EVENT_STOP: an interrupt or a group stop. */
static inline bool mlk_is_event_stop(int st)
{
	return (st >> 16) == PTRACE_EVENT_STOP;
}

/* stop.c */
MLK_HIDDEN int mlk_wait_stop_status(struct mlk_session *s, int st);
MLK_HIDDEN int mlk_wait_stop(struct mlk_session *s, int *status);
MLK_HIDDEN int mlk_resume(struct mlk_session *s, int req, int sig);
MLK_HIDDEN int mlk_regain_stop(struct mlk_session *s);
MLK_HIDDEN int mlk_next_syscall_stop(struct mlk_session *s);
MLK_HIDDEN int mlk_step(struct mlk_session *s, struct mlk_regs *r);
MLK_HIDDEN int mlk_park(struct mlk_session *s);
MLK_HIDDEN int mlk_seize(struct memlock_target *t, struct mlk_session *s);
MLK_HIDDEN int mlk_check_seized(struct memlock_target *t, const struct mlk_session *s);
MLK_HIDDEN int mlk_release(struct memlock_target *t, struct mlk_session *s);
MLK_HIDDEN uint64_t mlk_pending_signals(pid_t pid, pid_t tid);
MLK_HIDDEN void mlk_queue_own_stop(struct memlock_target *t, struct mlk_session *s);
MLK_HIDDEN int mlk_drop_own_stop(struct memlock_target *t, struct mlk_session *s);

/* restart.c */
MLK_HIDDEN int mlk_inject_hijack(struct memlock_target *t, struct mlk_session *s, long nr,
				 const long args[6], struct mlk_regs *entry, struct mlk_regs *cur,
				 uint64_t *mask, struct mlk_undo *undo);
MLK_HIDDEN int mlk_rejoin_own_call(struct mlk_session *s, const struct mlk_regs *entry,
				   uint64_t saved_mask);

#endif /* MLK_SESSION_H */
