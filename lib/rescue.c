// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * memlock_rescue(): the keeper's side of the rescue record that
 * memlock_target_set_rescue() keeps (lib/remote.c writes it in each stop).
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

#include "arch.h"
#include "target.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

/* The stop PTRACE_INTERRUPT asked for: 0, -ESRCH if the thread died
 * (@seized cleared), -EIO at a syscall stop (never, seized anew). */
static int wait_trap(pid_t tid, bool *seized)
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
		return (st >> 16) != PTRACE_EVENT_STOP && WSTOPSIG(st) == (SIGTRAP | 0x80) ? -EIO : 0;
	}
}

/* Process @pid's state letter from /proc/PID/stat, or 0. Read on the stack:
 * the caller may share its heap with a process killed inside malloc. */
static char proc_state(pid_t pid)
{
	char path[32], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* (the name may hold anything) */
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Wait (up to ~1 s) until process @pid is group-stopped. */
static bool wait_group_stop(pid_t pid)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 1000; i++) {
		char c = proc_state(pid);

		if (c == 0)
			return false;
		if (c == 'T')
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

/* The entry path: the thread holds the injected call (it ran, its tracer
 * gone) or its own (the net came first): only the first is undone. */
static int undo_injected(const struct memlock_rescue *r, const struct mlk_regs *regs)
{
	struct mlk_regs cur;
	int rc = arch_get_regs(r->tid, &cur);

	if (rc < 0 || !arch_is_hijacked(&cur, (long)r->nr, (const long *)r->args))
		return rc;
	return r->how == MEMLOCK_RESCUE_REWIND ? arch_hijack_restore(r->tid, regs)
					       : arch_set_regs(r->tid, regs);
}

int memlock_rescue(struct memlock_rescue *r)
{
	struct mlk_regs regs;
	uint64_t old_caller;
	bool seized = false;
	uint32_t phase;
	int rc;

	if (r == NULL || r->sz < sizeof(*r))
		return mlk_err(-EINVAL);
	phase = __atomic_load_n(&r->phase, __ATOMIC_ACQUIRE);
	if (phase == 2 && r->stop_queued && !r->was_stopped && wait_group_stop(r->pid))
		kill(r->pid, SIGCONT);	/* put back, the net's SIGSTOP not yet discarded */
	if (phase != 1)
		return 0;
	memcpy(regs.raw, r->regs, sizeof(regs.raw));
	mlk_block_signals(&old_caller);
	/* wherever the thread is - still in the call, or group-stopped by
	 * the net - a stop inside the kernel's signal code is reached, and
	 * the registers put back there verbatim */
	rc = ptrace(PTRACE_SEIZE, r->tid, 0, 0) < 0 ? -errno : 0;
	if (rc == 0) {
		seized = true;
		rc = ptrace(PTRACE_INTERRUPT, r->tid, 0, 0) < 0 ? -errno : 0;
	}
	if (rc == 0)
		rc = wait_trap(r->tid, &seized);
	/* (the entry path of a thread's next call changes nothing before
	 * that entry, where @regs and @mask are recorded) */
	if (rc == 0 && (r->how != MEMLOCK_RESCUE_REWIND || r->regs_valid) &&
	    ptrace(PTRACE_SETSIGMASK, r->tid, (void *)sizeof(r->mask), &r->mask) < 0)
		rc = -errno;
	if (rc == 0 && r->how == MEMLOCK_RESCUE_REGS)
		rc = arch_set_regs(r->tid, &regs);
	else if (rc == 0 && r->regs_valid)
		rc = undo_injected(r, &regs);
	if (seized && ptrace(PTRACE_DETACH, r->tid, 0, 0) < 0 && rc == 0)
		rc = -errno;
	/* the net's group stop (the SIGSTOP taken by the thread, now or on
	 * its way out) is ended, unless the process was stopped before */
	if (rc == 0 && r->stop_queued && !r->was_stopped && wait_group_stop(r->pid))
		kill(r->pid, SIGCONT);
	mlk_unblock_signals(&old_caller);
	if (rc < 0) {
		pr_err("pid %d: cannot put thread %d back after its injector died: %s", (int)r->pid,
		       (int)r->tid, strerror(-rc));
		return mlk_err(rc);
	}
	__atomic_store_n(&r->phase, 0, __ATOMIC_RELEASE);
	return 1;
}

