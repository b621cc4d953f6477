/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core: what every layer of the library uses - errors, log, sizes, time. */
#ifndef MLK_CORE_H
#define MLK_CORE_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "memlock.h"

/* libcs older than the kernel feature (4.4) lack these */
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif

/* Flags of /proc/PID/stat's field 9, as the kernel's include/linux/sched.h
 * names them (no uapi header has them) */
#define PF_EXITING 0x00000004	/* getting shut down */
#define PF_KTHREAD 0x00200000	/* a kernel thread */

#define MLK_HIDDEN __attribute__((visibility("hidden")))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Set errno from a 0/-errno result and pass it through (libbpf_err idea). */
static inline int mlk_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

static inline uint64_t mlk_now_ns(void)	/* CLOCK_MONOTONIC */
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A job-control stop signal (the ones that group-stop a process). */
static inline bool mlk_is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* The kernel's mlockall flags for MEMLOCK_F_CURRENT, _FUTURE, _ONFAULT. */
static inline unsigned int mlk_mcl_of(unsigned int flags)
{
	return (flags & MEMLOCK_F_CURRENT ? MCL_CURRENT : 0u) |
	       (flags & MEMLOCK_F_FUTURE ? MCL_FUTURE : 0u) |
	       (flags & MEMLOCK_F_ONFAULT ? MCL_ONFAULT : 0u);
}

/* log.c */
MLK_HIDDEN void mlk_log(enum memlock_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_err(...) mlk_log(MEMLOCK_LOG_ERR, __VA_ARGS__)
#define pr_warn(...) mlk_log(MEMLOCK_LOG_WARN, __VA_ARGS__)
#define pr_info(...) mlk_log(MEMLOCK_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) mlk_log(MEMLOCK_LOG_DEBUG, __VA_ARGS__)

/* size.c: a size for people, "8 MiB" */
MLK_HIDDEN const char *mlk_size_str(uint64_t bytes, char *buf, size_t sz);
/* A human size as a temporary string, valid to the end of the full expression. */
#define MLK_SZ(x) mlk_size_str((x), (char[32]){ 0 }, 32)

#endif /* MLK_CORE_H */
