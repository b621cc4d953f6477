// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * aarch64 hooks of the injector (see lib/arch.h). Tested by make
 * check-aarch64, on Debian's arm64 kernel under qemu-system-aarch64 -cpu max
 * (SVE, BTI, pointer authentication).
 *
 * arm64 differs from x86_64 in two ways that matter here: at an interrupt
 * stop inside a syscall the kernel has already rewound pc and x0 for the
 * restart, but switches x8 to restart_syscall only after the stop, and only
 * if pc is unchanged; and at syscall stops x7 reads as 0/1 and writes to it
 * are dropped. So a thread stopped at a restarted svc is injected through
 * the entry-hijack path (its own syscall is replaced at the entry stop, then
 * re-issued), and registers are always restored at the kind of stop they
 * were captured at.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <asm/ptrace.h>

#include "inject/arch.h"

_Static_assert(sizeof(struct user_pt_regs) <= sizeof(struct mlk_regs), "mlk_regs too small");

#ifndef NT_ARM_SYSTEM_CALL
#define NT_ARM_SYSTEM_CALL 0x404
#endif
#ifndef NT_ARM_SVE
#define NT_ARM_SVE 0x405
#endif
#ifndef NT_ARM_SSVE
#define NT_ARM_SSVE 0x40b
#endif
#ifndef NT_ARM_ZA
#define NT_ARM_ZA 0x40c
#endif
/* the headers of NT_ARM_SVE/SSVE and NT_ARM_ZA, as <asm/ptrace.h> of 6.x */
struct sve_hdr {
	uint32_t size, max_size;
	uint16_t vl, max_vl, flags, reserved;
};
#define SVE_HDR_REGS_MASK 1	/* SVE_PT_REGS_MASK: 1 = SVE layout, 0 = FPSIMD */
#ifndef PSR_MODE32_BIT
#define PSR_MODE32_BIT 0x10	/* an AArch32 task */
#endif
#ifndef PSR_BTYPE_MASK
#define PSR_BTYPE_MASK 0xc00	/* BTI: clear when jumping into a guarded page */
#endif

const char mlk_arch_name[] = "aarch64";
const unsigned char mlk_arch_syscall_insn[] = {
	0x01, 0x00, 0x00, 0xd4,	/* svc #0 */
};
const unsigned int mlk_arch_syscall_insn_len = sizeof(mlk_arch_syscall_insn);
const unsigned int mlk_arch_syscall_insn_align = 4;
const bool mlk_arch_late_restart = false;
_Static_assert(sizeof(mlk_arch_syscall_insn) == 4, "svc is one 32-bit word");

static struct user_pt_regs get(const struct mlk_regs *r)
{
	struct user_pt_regs u;

	memcpy(&u, r->raw, sizeof(u));
	return u;
}

static void put(struct mlk_regs *r, const struct user_pt_regs *u)
{
	memcpy(r->raw, u, sizeof(*u));
}

int mlk_arch_get_regs(pid_t tid, struct mlk_regs *r)
{
	struct iovec iov = { r->raw, sizeof(struct user_pt_regs) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return -errno;
	return 0;
}

int mlk_arch_set_regs(pid_t tid, const struct mlk_regs *r)
{
	struct iovec iov = { (void *)r->raw, sizeof(struct user_pt_regs) };

	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return -errno;
	return 0;
}

static int set_syscallno(pid_t tid, int nr)
{
	struct iovec iov = { &nr, sizeof(nr) };

	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_ARM_SYSTEM_CALL, &iov) < 0)
		return -errno;
	return 0;
}

int mlk_arch_restore_regs(pid_t tid, const struct mlk_regs *r)
{
	int rc = mlk_arch_set_regs(tid, r);

	/* syscallno is still the injected call's: with x0 by chance in
	 * -ERESTART* range the kernel would "restart" it on the thread's pc */
	return rc < 0 ? rc : set_syscallno(tid, -1);
}

int mlk_arch_check_task(const struct mlk_regs *r)
{
	return get(r).pstate & PSR_MODE32_BIT ? -EOPNOTSUPP : 0;
}

uint64_t mlk_arch_pc(const struct mlk_regs *r)
{
	return get(r).pc;
}

uint64_t mlk_arch_prev_syscall_insn(const struct mlk_regs *r)
{
	return get(r).pc - 4;	/* the caller checks the word there */
}

bool mlk_arch_restart_state(const struct mlk_regs *saved, struct mlk_regs *ret, bool at_syscall)
{
	/* pc at an svc: a syscall being restarted, maybe via restart_syscall,
	 * which the kernel only sets up after this stop: hijack its entry */
	*ret = *saved;
	return !at_syscall;
}

void mlk_arch_prepare_syscall(struct mlk_regs *r, uint64_t insn, long nr, const long a[6])
{
	struct user_pt_regs u = get(r);

	u.pc = insn;
	u.pstate &= ~(uint64_t)PSR_BTYPE_MASK;
	u.regs[8] = (uint64_t)nr;
	for (int i = 0; i < 6; i++)
		u.regs[i] = (uint64_t)a[i];
	put(r, &u);
}

long mlk_arch_syscall_nr(const struct mlk_regs *r)
{
	return (long)get(r).regs[8];
}

long mlk_arch_syscall_ret(const struct mlk_regs *r)
{
	return (long)get(r).regs[0];
}

int mlk_arch_hijack_entry(pid_t tid, const struct mlk_regs *entry, long nr, const long a[6])
{
	struct mlk_regs r = *entry;
	struct user_pt_regs u = get(&r);
	int rc;

	for (int i = 0; i < 6; i++)
		u.regs[i] = (uint64_t)a[i];
	/* the kernel takes the number from syscallno; x8 too, for
	 * mlk_arch_is_hijacked() (the rewind puts the thread's own back) */
	u.regs[8] = (uint64_t)nr;
	put(&r, &u);
	rc = mlk_arch_set_regs(tid, &r);
	if (rc < 0)
		return rc;
	return set_syscallno(tid, (int)nr);
}

int mlk_arch_hijack_restore(pid_t tid, const struct mlk_regs *entry)
{
	struct mlk_regs r = *entry;
	struct user_pt_regs u = get(&r);
	int rc;

	/* back to the svc, with the original x0 and x8: the thread issues its
	 * own syscall again (restart_syscall keeps a timeout's remainder) */
	u.pc -= 4;
	put(&r, &u);
	rc = mlk_arch_set_regs(tid, &r);
	if (rc < 0)
		return rc;
	return set_syscallno(tid, -1);
}

bool mlk_arch_is_hijacked(const struct mlk_regs *cur, long nr, const long a[6])
{
	struct user_pt_regs u = get(cur);

	/* x0 holds the result by now; x1-x5 and x8 are as mlk_arch_hijack_entry()
	 * left them (signal code has reset syscallno) */
	if (u.regs[8] != (uint64_t)nr)
		return false;
	for (int i = 1; i < 6; i++)
		if (u.regs[i] != (uint64_t)a[i])
			return false;
	return true;
}

/* A regset's header: 0, or -errno (-EINVAL/-ENODEV: the CPU or kernel has
 * no such state). */
static int get_hdr(pid_t tid, int type, struct sve_hdr *h)
{
	struct iovec iov = { h, sizeof(*h) };

	memset(h, 0, sizeof(*h));
	if (ptrace(PTRACE_GETREGSET, tid, (void *)(long)type, &iov) < 0)
		return -errno;
	return 0;
}

int mlk_arch_save_ext(pid_t tid, struct mlk_ext *e)
{
	struct sve_hdr h;
	struct iovec iov;

	e->buf = NULL;
	e->len = 0;
	/* SME: ZA in use, or streaming mode (its Z registers are the SSVE
	 * regset's): restoring them is not done here - refuse, touch nothing */
	if (get_hdr(tid, NT_ARM_ZA, &h) == 0 && h.size > sizeof(h))
		return -EOPNOTSUPP;
	if (get_hdr(tid, NT_ARM_SSVE, &h) == 0 && (h.flags & SVE_HDR_REGS_MASK))
		return -EOPNOTSUPP;
	if (get_hdr(tid, NT_ARM_SVE, &h) < 0)
		return 0;	/* no SVE: the V registers survive a syscall */
	if (h.size < sizeof(h))
		return -EIO;
	e->buf = malloc(h.size);
	if (e->buf == NULL)
		return -ENOMEM;
	iov.iov_base = e->buf;
	iov.iov_len = h.size;
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_SVE, &iov) < 0) {
		int rc = -errno;

		mlk_arch_free_ext(e);
		return rc;
	}
	e->len = iov.iov_len;
	return 0;
}

int mlk_arch_restore_ext(pid_t tid, const struct mlk_ext *e)
{
	struct iovec iov = { e->buf, e->len };

	if (e->buf == NULL)
		return 0;
	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_ARM_SVE, &iov) < 0)
		return -errno;
	return 0;
}

void mlk_arch_free_ext(struct mlk_ext *e)
{
	free(e->buf);
	e->buf = NULL;
	e->len = 0;
}
