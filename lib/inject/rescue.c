// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memlock_rescue_run(): the keeper's side of the rescue record that
 * memlock_target_set_rescue() keeps (lib/inject/inject.c writes it in each stop).
 * Run by another process after the injecting one died in a stop: the thread
 * is seized again, its mask and registers put back, and the group stop of
 * the net's SIGSTOP ended. Nothing here allocates: the caller may share
 * memory with the process that died (memlock's clone(CLONE_VM) worker), in
 * the middle of a malloc for all it knows; errors go to the log, which
 * such a caller turns off.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inject/session.h"

/* The stop PTRACE_INTERRUPT asked for: 0, -ESRCH if the thread died
 * (@seized cleared), -EIO at a syscall stop (never, seized anew). A
 * delivery stop of a signal other than SIGSTOP comes first: its signal in
 * @sig, to pass on. */
static int wait_trap(pid_t tid, bool *seized, int *sig)
{
	int st;

	for (;;) {
		pid_t w = waitpid(tid, &st, __WALL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			*seized = false;
			return -ESRCH;
		}
		if (mlk_is_event_stop(st))
			return 0;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80))
			return -EIO;
		if (WSTOPSIG(st) != SIGSTOP)
			*sig = WSTOPSIG(st);
		return 0;
	}
}

/* the mask an injection sets: every signal (the kernel keeps SIGKILL and
 * SIGSTOP out of any mask) */
#define INJECTED_MASK (~0ull & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP)))

/* The direct path: the thread still holds the injected state - the net
 * caught it, or it is at the borrowed instruction, before or inside the
 * call - and not its own, run on since (a worker that died before its
 * change, or before the net). */
static bool holds_direct(const struct memlock_rescue *r, const struct mlk_regs *cur)
{
	uint64_t pc = mlk_arch_pc(cur);

	return r->stop_queued || pc == r->insn || pc == r->insn + mlk_arch_syscall_insn_len;
}

/* Put back what the thread still holds of the injection: 0 or -errno. */
static int undo_injected(const struct memlock_rescue *r)
{
	struct mlk_regs cur, regs;
	uint64_t mask;
	int rc = mlk_arch_get_regs(r->tid, &cur);

	if (rc < 0)
		return rc;
	/* the mask first: only the one an injection sets is taken back
	 * (the thread may have run on with a mask of its own) */
	if (ptrace(PTRACE_GETSIGMASK, r->tid, (void *)sizeof(mask), &mask) < 0)
		return -errno;
	if (mask == INJECTED_MASK && (r->how != MEMLOCK_RESCUE_REWIND || r->regs_valid) &&
	    ptrace(PTRACE_SETSIGMASK, r->tid, (void *)sizeof(r->mask), &r->mask) < 0)
		return -errno;
	memcpy(regs.raw, r->regs, sizeof(regs.raw));
	switch (r->how) {
	case MEMLOCK_RESCUE_REGS:
		return holds_direct(r, &cur) ? mlk_arch_set_regs(r->tid, &regs) : 0;
	case MEMLOCK_RESCUE_IF_INJECTED:
	case MEMLOCK_RESCUE_REWIND:
		/* the injected call, or the thread's own (the net came first) */
		if (!r->regs_valid || !mlk_arch_is_hijacked(&cur, (long)r->nr, (const long *)r->args))
			return 0;
		return r->how == MEMLOCK_RESCUE_REWIND ? mlk_arch_hijack_restore(r->tid, &regs)
						       : mlk_arch_set_regs(r->tid, &regs);
	}
	return -EINVAL;
}

int memlock_rescue_run(struct memlock_rescue *r)
{
	uint64_t old_caller;
	bool seized = false;
	uint32_t phase;
	int rc, sig = 0;

	rc = r ? mlk_opts_valid(r, r->sz, MLK_SZ_RESCUE, sizeof(*r)) : -EINVAL;
	if (rc < 0)
		return mlk_err(rc);
	phase = __atomic_load_n(&r->phase, __ATOMIC_ACQUIRE);
	if (phase == 0)
		return 0;
	mlk_block_signals(&old_caller);
	rc = 0;
	if (phase == 1) {
		/* wherever the thread is - still in the call, or stopped by the
		 * net - an interrupt stops it before it runs user code (the
		 * kernel takes the trap before any signal), and what it still
		 * holds of the injection is put back there */
		rc = ptrace(PTRACE_SEIZE, r->tid, 0, 0) < 0 ? -errno : 0;
		if (rc == 0) {
			seized = true;
			rc = ptrace(PTRACE_INTERRUPT, r->tid, 0, 0) < 0 ? -errno : 0;
		}
		if (rc == 0)
			rc = wait_trap(r->tid, &seized, &sig);
		if (rc == 0)
			rc = undo_injected(r);
		/* a signal of the program's own, met in its delivery stop, goes on */
		if (seized && ptrace(PTRACE_DETACH, r->tid, 0, (void *)(long)sig) < 0 && rc == 0)
			rc = -errno;
	}
	/* The net's SIGSTOP, pending or taken, is ended with a SIGCONT: it
	 * takes a pending one away, or ends the group stop, whenever it
	 * comes (the thread group's leader may be a zombie: no state is
	 * waited for). Not when the process was stopped before. */
	if (rc == 0 && r->stop_queued && !r->was_stopped)
		kill(r->pid, SIGCONT);
	mlk_unblock_signals(&old_caller);
	if (rc < 0) {
		pr_err("pid %d: cannot put thread %d back after its injector died: %s", (int)r->pid,
		       (int)r->tid, strerror(-rc));
		return mlk_err(rc);
	}
	__atomic_store_n(&r->phase, 0, __ATOMIC_RELEASE);
	return phase == 1 ? 1 : 0;
}
