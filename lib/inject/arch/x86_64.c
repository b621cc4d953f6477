// SPDX-License-Identifier: LGPL-2.1-or-later
/* x86_64 hooks of the injector (see lib/arch.h). */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "inject/arch.h"

_Static_assert(sizeof(struct user_regs_struct) <= sizeof(struct mlk_regs), "mlk_regs too small");

/* kernel-internal restart codes, visible to a tracer in rax */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516
#define USER_CS_32 0x23	/* an ia32 task; reptyr's test */

const char mlk_arch_name[] = "x86_64";
const unsigned char mlk_arch_syscall_insn[] = {
	0x0f, 0x05,	/* syscall */
};
const unsigned int mlk_arch_syscall_insn_len = sizeof(mlk_arch_syscall_insn);
const unsigned int mlk_arch_syscall_insn_align = 1;
const bool mlk_arch_late_restart = true;
_Static_assert(sizeof(mlk_arch_syscall_insn) == 2, "syscall is two bytes");

/* mlk_regs is an opaque buffer: copy in and out, never alias it */
static struct user_regs_struct get(const struct mlk_regs *r)
{
	struct user_regs_struct u;

	memcpy(&u, r->raw, sizeof(u));
	return u;
}

static void put(struct mlk_regs *r, const struct user_regs_struct *u)
{
	memcpy(r->raw, u, sizeof(*u));
}

int mlk_arch_get_regs(pid_t tid, struct mlk_regs *r)
{
	struct iovec iov = { r->raw, sizeof(struct user_regs_struct) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return -errno;
	return 0;
}

int mlk_arch_set_regs(pid_t tid, const struct mlk_regs *r)
{
	struct iovec iov = { (void *)r->raw, sizeof(struct user_regs_struct) };

	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return -errno;
	return 0;
}

int mlk_arch_restore_regs(pid_t tid, const struct mlk_regs *r)
{
	return mlk_arch_set_regs(tid, r);
}

int mlk_arch_check_task(const struct mlk_regs *r)
{
	return get(r).cs == USER_CS_32 ? -EOPNOTSUPP : 0;
}

uint64_t mlk_arch_pc(const struct mlk_regs *r)
{
	return get(r).rip;
}

uint64_t mlk_arch_prev_syscall_insn(const struct mlk_regs *r)
{
	struct user_regs_struct u = get(r);

	/* orig_rax >= 0: stopped inside or right after a syscall */
	return (long long)u.orig_rax >= 0 ? u.rip - 2 : 0;
}

bool mlk_arch_restart_state(const struct mlk_regs *saved, struct mlk_regs *ret, bool at_syscall)
{
	struct user_regs_struct v = get(saved), *u = &v;

	(void)at_syscall;	/* x86 sees orig_rax: it knows */
	*ret = *saved;
	if ((long long)u->orig_rax < 0)
		return true;
	switch ((long long)u->rax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		/* the kernel re-enters it (or restart_syscall) with no signal
		 * to run: hijack that entry, so that the registers are ours only
		 * while the thread is inside the kernel (see lib/inject/restart.c) */
		return false;
	default:
		break;
	}
	/* its call is over: the kernel must not "restart" on our rip */
	u->orig_rax = (unsigned long long)-1;
	put(ret, u);
	return true;
}

/* The syscall ABI's argument registers, in order. */
static unsigned long long *arg_reg(struct user_regs_struct *u, int i)
{
	unsigned long long *regs[6] = { &u->rdi, &u->rsi, &u->rdx, &u->r10, &u->r8, &u->r9 };

	return regs[i];
}

static void set_args(struct user_regs_struct *u, const long a[6])
{
	for (int i = 0; i < 6; i++)
		*arg_reg(u, i) = (unsigned long long)a[i];
}

void mlk_arch_prepare_syscall(struct mlk_regs *r, uint64_t insn, long nr, const long a[6])
{
	struct user_regs_struct v = get(r), *u = &v;

	u->rip = insn;
	u->rax = (unsigned long long)nr;
	u->orig_rax = (unsigned long long)-1;
	set_args(u, a);
	put(r, u);
}

long mlk_arch_syscall_nr(const struct mlk_regs *r)
{
	return (long)get(r).orig_rax;
}

long mlk_arch_syscall_ret(const struct mlk_regs *r)
{
	return (long)get(r).rax;
}

/* the kernel keeps the FPU/vector state across syscalls */
int mlk_arch_save_ext(pid_t tid, struct mlk_ext *e)
{
	(void)tid;
	e->buf = NULL;
	e->len = 0;
	return 0;
}

int mlk_arch_restore_ext(pid_t tid, const struct mlk_ext *e)
{
	(void)tid, (void)e;
	return 0;
}

void mlk_arch_free_ext(struct mlk_ext *e)
{
	(void)e;
}

/* At the entry stop the kernel takes the number from orig_rax; the
 * arguments are still in their registers. */
int mlk_arch_hijack_entry(pid_t tid, const struct mlk_regs *entry, long nr, const long a[6])
{
	struct mlk_regs r = *entry;
	struct user_regs_struct v = get(&r), *u = &v;

	u->orig_rax = (unsigned long long)nr;
	set_args(u, a);
	put(&r, u);
	return mlk_arch_set_regs(tid, &r);
}

int mlk_arch_hijack_restore(pid_t tid, const struct mlk_regs *entry)
{
	struct mlk_regs r = *entry;
	struct user_regs_struct v = get(&r), *u = &v;

	/* back to the syscall instruction with its own number in rax: the
	 * thread issues its call again; orig_rax -1, or the kernel's restart
	 * code would read rax (a syscall number) as the call's result */
	u->rax = u->orig_rax;
	u->rip -= 2;
	u->orig_rax = (unsigned long long)-1;
	put(&r, u);
	return mlk_arch_set_regs(tid, &r);
}

bool mlk_arch_is_hijacked(const struct mlk_regs *cur, long nr, const long a[6])
{
	struct user_regs_struct u = get(cur);

	/* a syscall leaves orig_rax and the argument registers as they were */
	if ((long long)u.orig_rax != nr)
		return false;
	for (int i = 0; i < 6; i++)
		if (*arg_reg(&u, i) != (unsigned long long)a[i])
			return false;
	return true;
}
