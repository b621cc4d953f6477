/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/self.h - lock and unlock the caller's own memory. Include <memlock.h>. */
#ifndef MEMLOCK_SELF_H
#define MEMLOCK_SELF_H

#include <memlock/predict.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returned (> 0) when MEMLOCK_F_BEST_EFFORT made the call lock without
 * ONFAULT because the kernel lacks it: everything asked for is locked, but
 * populated up front. */
#define MEMLOCK_DOWNGRADED 1

/**
 * memlock_self_lock() - lock [@addr, @addr + @len) of the caller, rounded out
 * to whole pages as the kernel does.
 * @flags: 0 or MEMLOCK_F_ONFAULT (mlock2 MLOCK_ONFAULT), optionally with
 *         MEMLOCK_F_BEST_EFFORT.
 * @why: if not NULL (a verdict of memlock_verdict_new()), filled on failure
 *       with the predictor's explanation.
 *
 * mlock2 is called through syscall(2) when libc lacks the wrapper. Without
 * MEMLOCK_F_BEST_EFFORT an ENOSYS from mlock2 is returned as is.
 * Return: 0, MEMLOCK_DOWNGRADED, or -EINVAL (bad flags or range), -EPERM
 * (limit 0 without CAP_IPC_LOCK), -ENOMEM (over RLIMIT_MEMLOCK, unmapped
 * range, PROT_NONE), -EAGAIN (could not fault pages in), -ENOSYS.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_self_lock(const void *addr, size_t len, unsigned int flags,
		  struct memlock_verdict *why);

/**
 * memlock_self_unlock() - munlock [@addr, @addr + @len).
 * Locks do not nest: one unlock undoes any number of locks.
 * Return: 0, -EINVAL (wrapping range), -ENOMEM (range not fully mapped; the
 * mapped prefix is unlocked anyway, as in the kernel).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_self_unlock(const void *addr, size_t len);

/**
 * memlock_self_lock_all() - mlockall() of the caller.
 * @flags: MEMLOCK_F_CURRENT and/or MEMLOCK_F_FUTURE, optionally
 *         MEMLOCK_F_ONFAULT and MEMLOCK_F_BEST_EFFORT.
 * @why: if not NULL (a verdict of memlock_verdict_new()), filled on failure
 *       with the predictor's explanation.
 *
 * Each call replaces the previous MCL_FUTURE setting, as the kernel does.
 * Return: 0, MEMLOCK_DOWNGRADED, -EINVAL, -EPERM, -ENOMEM (MCL_CURRENT and
 * VmSize above RLIMIT_MEMLOCK).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_self_lock_all(unsigned int flags,
							 struct memlock_verdict *why);

/**
 * memlock_self_unlock_all() - munlockall(): unlock everything, stop MCL_FUTURE.
 * Return: 0 or -EINTR.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_self_unlock_all(void);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_SELF_H */
