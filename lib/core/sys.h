/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/core: the lock syscalls, raw. Sanitizer runtimes intercept the libc
 * wrappers and turn them into silent no-ops (ASan "ignores mlock/mlockall"),
 * which would make the library lie about what is locked; older libcs lack
 * mlock2, and a wrapper could hide ENOSYS behind a fallback of its own.
 */
#ifndef MLK_SYS_H
#define MLK_SYS_H

#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int mlk_sys_mlock2(const void *addr, size_t len, unsigned int flags)
{
#ifdef SYS_mlock2
	return (int)syscall(SYS_mlock2, addr, len, flags);
#else
	(void)addr, (void)len, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

static inline int mlk_sys_mlock(const void *addr, size_t len)
{
	return (int)syscall(SYS_mlock, addr, len);
}

static inline int mlk_sys_munlock(const void *addr, size_t len)
{
	return (int)syscall(SYS_munlock, addr, len);
}

static inline int mlk_sys_mlockall(int flags)
{
	return (int)syscall(SYS_mlockall, flags);
}

#endif /* MLK_SYS_H */
