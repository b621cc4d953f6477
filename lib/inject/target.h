/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The target handle, shared by target.c, threads.c and the injection (session.h). */
#ifndef MLK_TARGET_H
#define MLK_TARGET_H

#include <linux/capability.h>	/* CAP_* bit numbers, for mlk_own_caps() */

#include "predict/predict.h"

struct memlock_target {
	pid_t pid;
	int pidfd;
	unsigned long long start;	/* /proc/PID/stat starttime, against PID reuse */
	unsigned int flags;		/* MEMLOCK_T_* */
	pid_t tid_override;
	bool suspend_seccomp;
	bool filtered;			/* under seccomp (unknown counts): SIGSYS is looked for */
	bool waited;			/* the wait for a better thread was made */
	uint64_t insn;			/* borrowed syscall instruction, 0 until found */
	bool no_populate;		/* its kernel has no MADV_POPULATE_* (< 5.14) */
	unsigned int next_entry_misses;	/* waits for a thread's next call in a row that
					 * timed out: from 3 on, none is made */
	struct memlock_stop_stats stats;
	struct memlock_rescue *rescue;	/* shared with a process that can put a thread back */
	memlock_call_fn call_fn;
	void *call_data;
	char why_tid[64];
};

MLK_HIDDEN struct memlock_target *mlk_target_new(pid_t pid);
MLK_HIDDEN int mlk_start_time(pid_t pid, unsigned long long *start);
/* CapEff of the caller; the ELF class of a file (ELFCLASS32/64, -ENOEXEC if not ELF). */
MLK_HIDDEN uint64_t mlk_own_caps(void);
MLK_HIDDEN int mlk_elf_class(const char *path);
MLK_HIDDEN int mlk_target_check_alive(const struct memlock_target *t);
/* stop.c: block every signal the caller can block (the raw call: glibc's
 * 32 and 33 too), and put the mask back. */
MLK_HIDDEN void mlk_block_signals(uint64_t *old);
MLK_HIDDEN void mlk_unblock_signals(const uint64_t *old);
MLK_HIDDEN void mlk_explain_ptrace_denied(pid_t pid, const struct memlock_status *st,
					  struct memlock_verdict *v);
/* attach.c: chunk sizes under --max-pause: the first (from an assumed slow
 * fault rate) and the next (from the time the last one took); page-aligned,
 * within 256 KiB..1 GiB */
MLK_HIDDEN uint64_t mlk_pace_first(uint64_t bound_ns, uint64_t page);
MLK_HIDDEN uint64_t mlk_pace_next(uint64_t chunk, uint64_t len, uint64_t took_ns,
				  uint64_t bound_ns, uint64_t page);
/* threads.c: the thread to stop; 0 or -EINTR (MEMLOCK_F_NO_EINTR) / -ESRCH */
MLK_HIDDEN int mlk_choose_thread(struct memlock_target *t, pid_t *tid);
/* inject.c: inject into a thread the caller has attached and stopped */
MLK_HIDDEN int mlk_inject_stopped(struct memlock_target *t, pid_t tid, long nr, long *ret,
				  const long args[6]);
/* insn.c: a syscall instruction in the target, found without writing */
MLK_HIDDEN int mlk_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len);
/* The borrowed instruction stands at @addr of @pid. */
MLK_HIDDEN bool mlk_insn_at(pid_t pid, uint64_t addr);
MLK_HIDDEN int mlk_find_syscall_insn(pid_t pid, uint64_t prev, uint64_t *insn);

#endif /* MLK_TARGET_H */
