/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/limit.h - read and set RLIMIT_MEMLOCK of a process. Include <memlock.h>. */
#ifndef MEMLOCK_LIMIT_H
#define MEMLOCK_LIMIT_H

#include <memlock/predict.h>
#include <memlock/proc.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * memlock_limit_get() - RLIMIT_MEMLOCK of process @pid (0: the caller),
 * through prlimit(2), or /proc/PID/limits where prlimit is not permitted.
 * Return: 0, -ESRCH, -EACCES.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_limit_get(pid_t pid, struct memlock_limits *lim);

/**
 * memlock_limit_set() - set RLIMIT_MEMLOCK of process @pid (0: the
 * caller) with prlimit(2). MEMLOCK_UNLIMITED is RLIM_INFINITY.
 * @why: if not NULL (a verdict of memlock_verdict_new()), filled on failure
 *       with the reason and the fixes for the process's context (raising a
 *       hard limit, or changing another user's process, needs
 *       CAP_SYS_RESOURCE).
 * Return: 0, -EINVAL (soft above hard), -EPERM, -ESRCH.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_limit_set(pid_t pid, const struct memlock_limits *lim,
							 struct memlock_verdict *why);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_LIMIT_H */
