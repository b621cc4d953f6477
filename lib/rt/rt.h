/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/rt: real-time preparation of the caller's own process. */
#ifndef MLK_RT_H
#define MLK_RT_H

#include "core/core.h"

/* the 1.1 sizes of the layer's sz-structs (core.h's MLK_SZ_* idea) */
#define MLK_SZ_RT_OPTS	 mlk_offsetofend(struct memlock_rt_opts, fork_arg)
#define MLK_SZ_RT_RESULT mlk_offsetofend(struct memlock_rt_result, downgraded)
#define MLK_SZ_RT_FAULTS mlk_offsetofend(struct memlock_rt_faults, tid)

/* anon.c: lock the anonymous mappings of the caller (MEMLOCK_RT_ANON):
 * 0 or -errno, @res's @anon and @skipped filled, @why on refusal. */
MLK_HIDDEN int mlk_rt_lock_anon(unsigned int flags, struct memlock_rt_result *res,
				struct memlock_verdict *why);

#endif /* MLK_RT_H */
