// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Syscall injection into one thread: seize, interrupt, save, run the syscall
 * at a borrowed instruction, restore (restart rules applied), detach from
 * the syscall-exit stop. The target is left exactly as it was, whatever
 * fails: every path after the registers are touched goes through
 * out_restore, and the caller's SIGINT/TERM/HUP/PIPE wait until it is done.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

#include "arch.h"
#include "target.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#define MAX_STRAY_STOPS 64

struct session {
	pid_t tid;
	bool job_stopped;	/* EVENT_STOP with a stop signal: group-stopped */
	int reraise;		/* a stop signal that arrived meanwhile */
};

/* Wait for the next stop of @s->tid: 0 with *status, -ESRCH if it died. */
static int wait_stop(struct session *s, int *status)
{
	int st;

	for (;;) {
		pid_t r = waitpid(s->tid, &st, __WALL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return -ESRCH;
		*status = st;
		return 0;
	}
}

/* After SEIZE + INTERRUPT: reach the interrupt stop, passing on any signal
 * that arrives first so the target still gets it. */
static int reach_interrupt_stop(struct session *s)
{
	int st, rc, i;

	for (i = 0; i < MAX_STRAY_STOPS; i++) {
		rc = wait_stop(s, &st);
		if (rc < 0)
			return rc;
		if ((st >> 16) == PTRACE_EVENT_STOP) {
			if (mlk_is_stop_signal(WSTOPSIG(st)))
				s->job_stopped = true;
			return 0;
		}
		/* a signal-delivery stop: deliver it, the interrupt is still pending */
		if (ptrace(PTRACE_CONT, s->tid, 0, (void *)(long)WSTOPSIG(st)) < 0)
			return -errno;
	}
	return -EIO;
}

/* PTRACE_SYSCALL to the next syscall stop (entry or exit), past group-stop
 * traps; a stop signal that arrives meanwhile is kept to re-raise after. */
static int next_syscall_stop(struct session *s)
{
	int st, rc, i;

	for (i = 0; i < MAX_STRAY_STOPS; i++) {
		if (ptrace(PTRACE_SYSCALL, s->tid, 0, 0) < 0)
			return -errno;
		rc = wait_stop(s, &st);
		if (rc < 0)
			return rc;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80))
			return 0;
		if ((st >> 16) == PTRACE_EVENT_STOP)
			continue;	/* the group stop of a job-stopped target */
		if (mlk_is_stop_signal(WSTOPSIG(st)))
			s->reraise = WSTOPSIG(st);
		/* other signals are blocked; SIGKILL never stops here */
	}
	return -EIO;
}

/* To the next syscall stop, and the registers there. */
static int step(struct session *s, struct mlk_regs *r)
{
	int rc = next_syscall_stop(s);

	return rc < 0 ? rc : arch_get_regs(s->tid, r);
}

/*
 * The entry-hijack path (reptyr's): let the thread re-enter the syscall it
 * was interrupted in, replace it at the entry stop, and read the result at
 * the exit stop. @entry gets the entry-stop registers, to rewind with.
 */
static int inject_hijack(struct session *s, long nr, const long args[6], struct mlk_regs *entry,
			 struct mlk_regs *exit_regs)
{
	int rc;

	rc = step(s, entry);
	if (rc == 0)
		rc = arch_hijack_entry(s->tid, entry, nr, args);
	if (rc == 0)
		rc = step(s, exit_regs);
	return rc;
}

static int seize(struct memlock_target *t, struct session *s)
{
	long opts = PTRACE_O_TRACESYSGOOD;

	if (t->suspend_seccomp)
		opts |= PTRACE_O_SUSPEND_SECCOMP;
	if (ptrace(PTRACE_SEIZE, s->tid, 0, (void *)opts) < 0)
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, s->tid, 0, 0) < 0)
		return -errno;
	return reach_interrupt_stop(s);
}

/*
 * A signal pending for thread @tid (its own, or the process's) that its mask
 * @mask lets through. Detaching it sets TIF_SIGPENDING, and ptrace_stop()
 * recalculates it for such a signal anyway: on its way out of the stop the
 * kernel runs its signal code, and with it the restart rules on the saved
 * registers.
 */
static bool signal_waiting(pid_t pid, pid_t tid, uint64_t mask)
{
	const char *p, *end, *line;
	uint64_t pend = 0, v;
	char path[64], *buf;
	size_t len, ll;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	if (mlk_read_file(path, &buf, &len) < 0)
		return false;
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
	return (pend & ~mask) != 0;
}

/*
 * Run @nr(@args) in thread @s->tid, which is attached and in a ptrace stop,
 * and leave it in a stop with its registers and signal mask as they were
 * (restart rules applied). Detaching is the caller's.
 */
static int inject_in_stop(struct memlock_target *t, struct session *s, long nr, long *ret,
			  const long args[6])
{
	struct mlk_regs saved, back, inj, cur, entry;
	uint64_t mask = ~0ull, saved_mask, insn;
	bool at_syscall, hijack;
	unsigned char word[8];
	int rc, rrc;

	rc = arch_get_regs(s->tid, &saved);
	if (rc < 0)
		return rc;
	rc = arch_check_task(&saved);
	if (rc < 0)
		return rc;
	/* the stop made the thread's call return EINTR, restart or not (a
	 * timed recv, a call outside the known lists): say so */
	if (arch_syscall_nr(&saved) >= 0 && arch_syscall_ret(&saved) == -EINTR) {
		t->stats.eintr_risk = true;
		pr_warn("thread %d of process %d: its syscall %ld returned EINTR at the stop",
			(int)s->tid, (int)t->pid, arch_syscall_nr(&saved));
	}
	if (ptrace(PTRACE_GETSIGMASK, s->tid, (void *)sizeof(saved_mask), &saved_mask) < 0)
		return -errno;
	insn = t->insn;
	if (insn == 0) {
		rc = mlk_find_syscall_insn(s->tid, arch_prev_syscall_insn(&saved), &insn);
		if (rc < 0)
			return rc;
	}
	at_syscall = mlk_read_mem(s->tid, arch_pc(&saved), word, arch_syscall_insn_len) == 0 &&
		     memcmp(word, arch_syscall_insn, arch_syscall_insn_len) == 0;
	hijack = !arch_restart_state(&saved, &back, at_syscall);
	/* block every signal in the target so none is delivered at our pc */
	if (ptrace(PTRACE_SETSIGMASK, s->tid, (void *)sizeof(mask), &mask) < 0)
		return -errno;
	if (hijack) {
		rc = inject_hijack(s, nr, args, &entry, &cur);
		if (rc == 0)
			*ret = arch_syscall_ret(&cur);
	} else {
		inj = saved;
		arch_prepare_syscall(&inj, insn, nr, args);
		rc = arch_set_regs(s->tid, &inj);
		if (rc == 0)
			rc = step(s, &cur);	/* the entry stop */
		if (rc == 0 && (arch_syscall_nr(&cur) != nr ||
				arch_pc(&cur) != insn + arch_syscall_insn_len)) {
			pr_err("pid %d: unexpected syscall entry (nr %ld at 0x%llx)", (int)t->pid,
			       arch_syscall_nr(&cur), (unsigned long long)arch_pc(&cur));
			rc = -EIO;
		}
		if (rc == 0)
			rc = step(s, &cur);	/* the exit stop */
		if (rc == 0)
			*ret = arch_syscall_ret(&cur);
	}
	/* restore, whatever happened; restore failures are reported above the
	 * original error. The mask first: a signal for the thread that came
	 * meanwhile (the check as late as it can be) must meet the interrupted
	 * call as the kernel left it (-ERESTART* and its number): the kernel
	 * then decides EINTR or restart by the handler's SA_RESTART, as without
	 * us. With the restart done ahead, the handler would run and pause() or
	 * sigsuspend() wait on as if it had not. */
	if (ptrace(PTRACE_SETSIGMASK, s->tid, (void *)sizeof(saved_mask), &saved_mask) < 0) {
		rrc = -errno;
		pr_err("pid %d: cannot restore the signal mask of thread %d: %s", (int)t->pid,
		       (int)s->tid, strerror(-rrc));
		rc = rrc;
	}
	if (!hijack && signal_waiting(t->pid, s->tid, saved_mask))
		back = saved;
	rrc = hijack ? arch_hijack_restore(s->tid, &entry) : arch_restore_regs(s->tid, &back);
	if (rrc < 0) {
		pr_err("pid %d: cannot restore the registers of thread %d: %s", (int)t->pid,
		       (int)s->tid, strerror(-rrc));
		rc = rrc;
	}
	return rc;
}

static void block_signals(sigset_t *old)
{
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, old);
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

int memlock_remote_syscallv(struct memlock_target *t, long nr, long *ret, const long args[6])
{
	struct session s = { 0 };
	sigset_t old_caller;
	uint64_t t0 = 0;
	int rc;

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

	block_signals(&old_caller);
	rc = seize(t, &s);
	if (rc == 0) {
		t0 = mlk_now_ns();
		/* the PID may have been reused between the checks and the seize */
		rc = mlk_target_check_alive(t);
	}
	if (rc == 0)
		rc = inject_in_stop(t, &s, nr, ret, args);
	/* straight from the stop we are in; a group-stopped thread re-stops */
	if (s.tid && ptrace(PTRACE_DETACH, s.tid, 0, 0) < 0 && rc == 0 && errno != ESRCH)
		rc = -errno;
	if (s.reraise)
		kill(t->pid, s.reraise);
	pthread_sigmask(SIG_SETMASK, &old_caller, NULL);
	account(t, &s, t0, nr, args, *ret, rc);
	return mlk_err(rc);
}

int mlk_inject_stopped(struct memlock_target *t, pid_t tid, long nr, long *ret,
		       const long args[6])
{
	struct session s = { .tid = tid };
	sigset_t old_caller;
	uint64_t t0 = mlk_now_ns();
	int rc;

	if (t->insn == 0)
		(void)mlk_find_syscall_insn(tid, 0, &t->insn);
	block_signals(&old_caller);
	rc = inject_in_stop(t, &s, nr, ret, args);
	pthread_sigmask(SIG_SETMASK, &old_caller, NULL);
	account(t, &s, t0, nr, args, *ret, rc);
	return rc;
}
