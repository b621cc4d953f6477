// SPDX-License-Identifier: LGPL-2.1-or-later
/* Locking the caller's own memory. */
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/sys.h"
#include "predict/predict.h"

/* On failure, ask the predictor why; when its errno differs from the
 * kernel's, keep the kernel's and say so. */
static int explain(int rc, const struct memlock_request *req, struct memlock_verdict *why)
{
	if (why == NULL)
		return mlk_err(rc);
	if (memlock_predict(NULL, 0, req, why) < 0 || why->err != -rc)
		mlk_refuse(why, -rc, MEMLOCK_CAUSE_NONE, MEMLOCK_FIX_NONE,
			   "the kernel answered %s, which the predictor did not expect from "
			   "the process's limits and mappings",
			   strerrorname_np(-rc) ? strerrorname_np(-rc) : "an error");
	why->ok = false;
	return mlk_err(rc);
}

int memlock_self_lock(const void *addr, size_t len, unsigned int flags,
		      struct memlock_verdict *why)
{
	struct memlock_request req = {
		.op = MEMLOCK_OP_MLOCK, .addr = (uintptr_t)addr, .len = len, .has_addr = true,
	};
	int rc = 0;

	if (flags & ~(MEMLOCK_F_ONFAULT | MEMLOCK_F_BEST_EFFORT))
		return mlk_err(-EINVAL);
	if (flags & MEMLOCK_F_ONFAULT) {
		req.op = MEMLOCK_OP_MLOCK2;
		req.kflags = MLOCK_ONFAULT;
		if (mlk_sys_mlock2(addr, len, MLOCK_ONFAULT) == 0)
			return 0;
		rc = -errno;
		if (rc != -ENOSYS || !(flags & MEMLOCK_F_BEST_EFFORT))
			return explain(rc, &req, why);
		pr_warn("mlock2 is not available: locking %zu bytes with mlock instead", len);
		req.op = MEMLOCK_OP_MLOCK;
		req.kflags = 0;
	}
	if (mlk_sys_mlock(addr, len) < 0)
		return explain(-errno, &req, why);
	return rc == -ENOSYS ? MEMLOCK_DOWNGRADED : 0;
}

int memlock_self_unlock(const void *addr, size_t len)
{
	if (mlk_sys_munlock(addr, len) < 0)
		return mlk_err(-errno);
	return 0;
}

int memlock_self_lock_all(unsigned int flags, struct memlock_verdict *why)
{
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCKALL };
	int kflags = 0;

	if (flags & ~(MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE | MEMLOCK_F_ONFAULT |
		      MEMLOCK_F_BEST_EFFORT) ||
	    !(flags & (MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE)))
		return mlk_err(-EINVAL);
	kflags = mlk_mcl_of(flags);
	req.kflags = (unsigned int)kflags;
	if (mlk_sys_mlockall(kflags) == 0)
		return 0;
	/* kernels before 4.4 reject MCL_ONFAULT with EINVAL */
	if (errno == EINVAL && (flags & MEMLOCK_F_ONFAULT) && (flags & MEMLOCK_F_BEST_EFFORT)) {
		pr_warn("MCL_ONFAULT is not supported: locking without it");
		req.kflags &= ~(unsigned int)MCL_ONFAULT;
		if (mlk_sys_mlockall((int)req.kflags) == 0)
			return MEMLOCK_DOWNGRADED;
	}
	return explain(-errno, &req, why);
}

int memlock_self_unlock_all(void)
{
	if (syscall(SYS_munlockall) < 0)
		return mlk_err(-errno);
	return 0;
}
