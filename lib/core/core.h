/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/core: what every layer of the library uses - errors, log, sizes, time. */
#ifndef MLK_CORE_H
#define MLK_CORE_H

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
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

/* An array of @n elements of @elem bytes in @arr (allocated for *@cap) with
 * room for one more: @arr itself, or moved and grown (twice the size, 16 at
 * first). NULL when out of memory, @arr left as it was. */
static inline void *mlk_grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return arr;
	p = reallocarray(arr, ncap, elem);
	if (p != NULL)
		*cap = ncap;
	return p;
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

/* The name of @v in a table indexed by an enum's values, or @none where
 * the table has no entry (a value of a later version, a gap). */
static inline const char *mlk_name_of(const char *const *names, size_t n, unsigned int v,
				      const char *none)
{
	return v < n && names[v] ? names[v] : none;
}
#define MLK_NAME_OF(table, v, none) mlk_name_of((table), ARRAY_SIZE(table), (unsigned int)(v), (none))

/* log.c */
MLK_HIDDEN void mlk_log(enum memlock_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_err(...) mlk_log(MEMLOCK_LOG_ERR, __VA_ARGS__)
#define pr_warn(...) mlk_log(MEMLOCK_LOG_WARN, __VA_ARGS__)
#define pr_info(...) mlk_log(MEMLOCK_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) mlk_log(MEMLOCK_LOG_DEBUG, __VA_ARGS__)

/*
 * sized.c: structs that start with their size (sz), so that a later version
 * can append fields. A struct's 1.0 size is the end of its last 1.0 member:
 * a caller's sz below it is refused (-EINVAL), a member appended later lies
 * past it. Out-structs (the library fills them): mlk_out_check() at entry,
 * then mlk_out_copy() from the library's own complete struct. Options and
 * input structs: mlk_opts_get() into the library's own zero-filled copy.
 */
#define mlk_offsetofend(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#define MLK_SZ_STATUS	 mlk_offsetofend(struct memlock_status, cap_prm)
#define MLK_SZ_LIMITS	 mlk_offsetofend(struct memlock_limits, hard)
#define MLK_SZ_MAPPING	 mlk_offsetofend(struct memlock_mapping, vmflags)
#define MLK_SZ_MEMINFO	 mlk_offsetofend(struct memlock_meminfo, swap_free)
#define MLK_SZ_VMSTAT	 mlk_offsetofend(struct memlock_vmstat, stranded)
#define MLK_SZ_SWAP	 mlk_offsetofend(struct memlock_swap, prio)
#define MLK_SZ_STOP_STATS mlk_offsetofend(struct memlock_stop_stats, job_stopped)
#define MLK_SZ_RESCUE	 mlk_offsetofend(struct memlock_rescue, insn)
#define MLK_SZ_EXEC_OPTS mlk_offsetofend(struct memlock_exec_opts, follow_end)
#define MLK_SZ_RESIDENCY mlk_offsetofend(struct memlock_residency, unknown_err)
#define MLK_SZ_WALK_OPTS mlk_offsetofend(struct memlock_walk_opts, max_size)
#define MLK_SZ_FILE	 mlk_offsetofend(struct memlock_file, operand)
#define MLK_SZ_HOLD_RESULT mlk_offsetofend(struct memlock_hold_result, ino)
#define MLK_SZ_HOLDER_OPTS mlk_offsetofend(struct memlock_holder_opts, flags)
#define MLK_SZ_HOLDER_TOTALS mlk_offsetofend(struct memlock_holder_totals, cgroup_room)
#define MLK_SZ_METRICS_OPTS mlk_offsetofend(struct memlock_metrics_opts, families)
/* -EINVAL for NULL or a size below @min_sz; else 0. */
MLK_HIDDEN int mlk_out_check(const void *out, size_t min_sz);
/* Fill @out from @ours (@our_sz bytes): the smaller of the two sizes, the
 * caller's sz kept; bytes past @our_sz (members this version does not
 * know) are zeroed. */
MLK_HIDDEN void mlk_out_copy(void *out, const void *ours, size_t our_sz);
/* An options or input struct @p of @sz bytes: -EINVAL for NULL or @sz
 * below @min_sz (0 included), -E2BIG when a byte past @our_sz is not zero
 * (a member this version does not know was set); else 0. */
MLK_HIDDEN int mlk_opts_valid(const void *p, size_t sz, size_t min_sz, size_t our_sz);
/* mlk_opts_valid() of @p (whose sz is a leading size_t), then @p copied into
 * @ours (@our_sz bytes), zero past the caller's size. @ours is zeroed even
 * on failure. */
MLK_HIDDEN int mlk_opts_get(void *ours, size_t our_sz, const void *p, size_t min_sz);

/* size.c: a size for people, "8 MiB" */
#define mlk_size_str(b, buf, sz) memlock_size_str((b), 0, (buf), (sz))
/* A human size as a temporary string, valid to the end of the full expression. */
#define MLK_SZ(x) mlk_size_str((x), (char[32]){ 0 }, 32)

#endif /* MLK_CORE_H */
