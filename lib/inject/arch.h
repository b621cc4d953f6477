/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The architecture contract of the injector: everything that names a
 * register, an instruction or a regset lives behind these hooks, in
 * lib/arch/<arch>.c (the Makefile picks exactly one).
 */
#ifndef MLK_ARCH_H
#define MLK_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "memlock: unsupported architecture"
#endif

/* A thread's general registers, as NT_PRSTATUS gives them; big enough for
 * every supported arch (each arch file checks with a _Static_assert). */
struct mlk_regs {
	uint64_t raw[40];
};

/* The instruction the injector borrows from the target (never writes). */
extern const unsigned char mlk_arch_syscall_insn[];
extern const unsigned int mlk_arch_syscall_insn_len;
extern const unsigned int mlk_arch_syscall_insn_align;	/* address alignment */

/* Read/write the registers of a ptrace-stopped thread (GETREGSET/SETREGSET
 * NT_PRSTATUS). 0 or -errno. */
int mlk_arch_get_regs(pid_t tid, struct mlk_regs *r);
int mlk_arch_set_regs(pid_t tid, const struct mlk_regs *r);
/* Put the thread's own registers back at the injected call's exit stop, and
 * leave the kernel no syscall to restart on them (arm64: syscallno -1; on
 * x86_64 orig_rax is one of the registers). */
int mlk_arch_restore_regs(pid_t tid, const struct mlk_regs *r);

/* -EOPNOTSUPP for a task the injector cannot handle (ia32 on x86_64,
 * AArch32 on arm64); 0 otherwise. */
int mlk_arch_check_task(const struct mlk_regs *r);

/* The instruction pointer. */
uint64_t mlk_arch_pc(const struct mlk_regs *r);

/* Where the thread stopped after a syscall instruction: its address, or 0
 * when it did not stop at a syscall boundary. */
uint64_t mlk_arch_prev_syscall_insn(const struct mlk_regs *r);

/*
 * From the registers saved at a stop, compute in @ret the state to put back
 * away from an interrupt stop (the kernel's restart logic disarmed: the
 * thread's call is over).
 * @at_syscall: the word at the thread's pc is a syscall instruction.
 * Returns false when the thread is about to re-enter a syscall the kernel
 * restarts: then the entry-hijack path is used (x86_64: rax holds a
 * -ERESTART* code; arm64: pc at a restarted svc, which it cannot otherwise
 * express from an interrupt stop).
 */
bool mlk_arch_restart_state(const struct mlk_regs *saved, struct mlk_regs *ret, bool at_syscall);

/* The kernel applies its syscall-restart rules after the signal code's
 * stops, to the registers found then (x86_64): registers saved at an
 * interrupt stop can be put back verbatim at any such stop. Otherwise
 * (arm64, which decides before), the entry path ends by re-entering the
 * thread's own call. */
extern const bool mlk_arch_late_restart;

/* Prepare @r (a copy of the saved state) to run syscall @nr(@args) at the
 * borrowed instruction @insn, with the restart logic disarmed. */
void mlk_arch_prepare_syscall(struct mlk_regs *r, uint64_t insn, long nr, const long args[6]);

/* At a syscall-entry stop: the syscall number about to run. At an exit
 * stop: its result (-errno on failure). */
long mlk_arch_syscall_nr(const struct mlk_regs *r);
long mlk_arch_syscall_ret(const struct mlk_regs *r);

/* Entry-hijack path (mlk_arch_restart_state() returned false): at the entry stop
 * of the thread's own restarted syscall, replace it with @nr(@args); after
 * the exit stop, rewind so the original syscall runs again. */
int mlk_arch_hijack_entry(pid_t tid, const struct mlk_regs *entry, long nr, const long args[6]);
int mlk_arch_hijack_restore(pid_t tid, const struct mlk_regs *entry);
/* @cur, read in any stop after mlk_arch_hijack_entry() may have run: whether
 * it did (the thread holds the injected number and arguments), so that
 * mlk_arch_hijack_restore() is due. */
bool mlk_arch_is_hijacked(const struct mlk_regs *cur, long nr, const long args[6]);

/*
 * Register state beyond NT_PRSTATUS that an injected syscall can change
 * (arm64: a syscall discards the SVE state past the 128-bit V registers -
 * the upper Z bits, P registers and FFR). Saved in the stop before anything
 * is changed, written back at the end; nothing to do on x86_64, whose
 * syscalls keep the vector state. mlk_arch_save_ext() returns -EOPNOTSUPP for
 * state it cannot restore (arm64 SME: streaming mode or ZA in use).
 */
struct mlk_ext {
	void *buf;
	size_t len;
};
int mlk_arch_save_ext(pid_t tid, struct mlk_ext *e);
int mlk_arch_restore_ext(pid_t tid, const struct mlk_ext *e);
void mlk_arch_free_ext(struct mlk_ext *e);

/* The architecture's name, as the Makefile's ARCH. */
extern const char mlk_arch_name[];

#endif /* MLK_ARCH_H */
