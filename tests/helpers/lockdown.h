/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lockdown(action) - install a seccomp filter that answers @action
 * (SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO | e) to mlock, mlock2,
 * mlockall, munlock and munlockall, and allows everything else: what a
 * service manager's SystemCallFilter= or a container profile may do. For
 * the test helpers target.c and seccomp-exec.c.
 */
#ifndef MEMLOCK_TEST_LOCKDOWN_H
#define MEMLOCK_TEST_LOCKDOWN_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static inline int lockdown(unsigned int action)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mlock, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mlock2, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mlockall, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_munlock, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_munlockall, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, action),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

#endif /* MEMLOCK_TEST_LOCKDOWN_H */
