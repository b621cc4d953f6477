// SPDX-License-Identifier: LGPL-2.1-or-later
/* RLIMIT_MEMLOCK of another process: prlimit(2), explained when refused. */
#include <string.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <unistd.h>

#include "predict/predict.h"

static uint64_t from_rlim(rlim_t v)
{
	return v == RLIM_INFINITY ? MEMLOCK_UNLIMITED : (uint64_t)v;
}

static rlim_t to_rlim(uint64_t v)
{
	return v == MEMLOCK_UNLIMITED ? RLIM_INFINITY : (rlim_t)v;
}

int memlock_limit_get(pid_t pid, struct memlock_limits *out)
{
	struct memlock_limits lim = { .sz = sizeof(lim) };
	struct rlimit old;

	if (mlk_out_check(out, MLK_SZ_LIMITS) < 0 || pid < 0)
		return mlk_err(-EINVAL);
	if (prlimit(pid, RLIMIT_MEMLOCK, NULL, &old) == 0) {
		lim.soft = from_rlim(old.rlim_cur);
		lim.hard = from_rlim(old.rlim_max);
		mlk_out_copy(out, &lim, sizeof(lim));
		return 0;
	}
	if (errno == ESRCH)
		return mlk_err(-ESRCH);
	/* another user's process: prlimit wants CAP_SYS_RESOURCE even to read */
	return memlock_proc_read_limits(NULL, pid, out);
}

/* capable(CAP_SYS_RESOURCE) in do_prlimit(): the caller's effective set, and
 * only in the initial user namespace */
static bool can_raise_hard(void)
{
	struct memlock_status st = { .sz = sizeof(st) };

	if (memlock_proc_read_status(NULL, getpid(), &st) < 0)
		return false;
	return (st.cap_eff & (1ull << CAP_SYS_RESOURCE)) && mlk_userns_is_init(NULL, st.pid) > 0;
}

/* A limit as memlock limit takes it, with a unit (a bare soft limit is
 * refused there): in the largest unit that holds it exactly */
static const char *size_arg(uint64_t v, char *buf, size_t sz)
{
	if (v == MEMLOCK_UNLIMITED)
		snprintf(buf, sz, "unlimited");
	else if (v != 0 && v % (1ull << 30) == 0)
		snprintf(buf, sz, "%lluG", (unsigned long long)(v >> 30));
	else if (v != 0 && v % (1ull << 20) == 0)
		snprintf(buf, sz, "%lluM", (unsigned long long)(v >> 20));
	else if (v != 0 && v % 1024 == 0)
		snprintf(buf, sz, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, sz, "%lluB", (unsigned long long)v);
	return buf;
}

/* mlk_size_str(), exact: a limit a user wrote must not read "1.0 MiB" for
 * 1025 KiB beside a hard limit of 1 MiB */
static const char *limit_str(uint64_t v, char *buf, size_t sz)
{
	char tmp[32];

	mlk_size_str(v, tmp, sizeof(tmp));
	if (strchr(tmp, '.') == NULL)
		snprintf(buf, sz, "%s", tmp);
	else if (v % 1024 == 0)
		snprintf(buf, sz, "%llu KiB", (unsigned long long)(v / 1024));
	else
		snprintf(buf, sz, "%llu B", (unsigned long long)v);
	return buf;
}
#define LIM_SZ(x) limit_str((x), (char[32]){ 0 }, 32)

int memlock_limit_set(pid_t pid, const struct memlock_limits *want, struct memlock_verdict *why)
{
	struct memlock_limits given, *lim = &given;
	struct rlimit rl, old;
	struct mlk_facts f;
	char sl[32], hl[32];
	bool raise;
	int err;

	err = mlk_opts_get(&given, sizeof(given), want, MLK_SZ_LIMITS);
	if (err < 0 || pid < 0)
		return mlk_err(err < 0 ? err : -EINVAL);
	rl.rlim_cur = to_rlim(lim->soft);
	rl.rlim_max = to_rlim(lim->hard);
	if (prlimit(pid, RLIMIT_MEMLOCK, &rl, &old) == 0)
		return 0;
	err = errno;
	if (why == NULL)
		return mlk_err(-err);
	memset(why, 0, sizeof(*why));
	why->err = err;
	if ((err != EPERM && err != EINVAL) || mlk_facts_read(NULL, pid, false, 0, 0, &f) < 0) {
		if (err == EINVAL)
			snprintf(why->reason, sizeof(why->reason),
				 "the soft limit (%s) cannot be above the hard limit (%s)",
				 LIM_SZ(lim->soft), LIM_SZ(lim->hard));
		else
			snprintf(why->reason, sizeof(why->reason), "prlimit refused: %s",
				 strerror(err));
		return mlk_err(-err);
	}
	why->limit = f.lim.soft;
	why->hard_limit = f.lim.hard;
	why->context = f.ctx.kind;
	snprintf(why->unit, sizeof(why->unit), "%s", f.ctx.unit);
	/* the kernel checks soft <= hard before the raise of the hard limit: a
	 * soft limit over the current hard one fails with EINVAL, and
	 * SOFT:SOFT then with EPERM unless memlock may raise the hard limit */
	raise = lim->soft > f.lim.hard && !can_raise_hard();
	if (err == EINVAL && !raise) {
		snprintf(why->reason, sizeof(why->reason),
			 "the soft limit (%s) cannot be above the hard limit (%s)",
			 LIM_SZ(lim->soft), LIM_SZ(lim->hard));
		mlk_add_fix(why, "give SOFT:HARD with SOFT <= HARD: memlock limit %d %s:%s, or "
				 "prlimit --pid %d --memlock=%s:%s",
			    (int)pid, size_arg(lim->soft, sl, sizeof(sl)), sl, (int)pid,
			    mlk_limit_arg(lim->soft, hl, sizeof(hl)), hl);
		return mlk_err(-err);
	}
	if (err == EPERM && (f.uid != getuid() || f.uid != geteuid())) {
		snprintf(why->reason, sizeof(why->reason),
			 "process %d belongs to uid %u: changing another user's limits needs "
			 "CAP_SYS_RESOURCE, which memlock does not have",
			 (int)pid, (unsigned int)f.uid);
		mlk_limit_arg(lim->soft, sl, sizeof(sl));
		mlk_limit_arg(lim->hard, hl, sizeof(hl));
		mlk_add_fix(why, "as root with CAP_SYS_RESOURCE: memlock limit %d %s:%s, or prlimit "
				 "--pid %d --memlock=%s:%s",
			    (int)pid, sl, hl, (int)pid, sl, hl);
		mlk_add_fix(why, "or as uid %u, its owner, if the hard limit stays as it is (%s)",
			    (unsigned int)f.uid, LIM_SZ(f.lim.hard));
		return mlk_err(-err);
	}
	why->need = lim->soft > lim->hard ? lim->soft : lim->hard;
	if (err == EINVAL)
		snprintf(why->reason, sizeof(why->reason),
			 "the soft limit (%s) cannot be above the hard limit (%s), and raising "
			 "the hard limit (now %s) to %s needs CAP_SYS_RESOURCE, which memlock "
			 "does not have; any process may lower its limits, and raise the soft "
			 "one up to the hard one",
			 LIM_SZ(lim->soft), LIM_SZ(lim->hard), LIM_SZ(f.lim.hard),
			 LIM_SZ(why->need));
	else
		snprintf(why->reason, sizeof(why->reason),
			 "raising the hard limit (%s) to %s needs CAP_SYS_RESOURCE, which "
			 "memlock does not have; any process may lower its limits, and raise "
			 "the soft one up to the hard one",
			 LIM_SZ(f.lim.hard), LIM_SZ(why->need));
	/* the fixes name where a limit that high is set */
	mlk_limit_fixes(&f, why, why->need);
	if (f.lim.soft < f.lim.hard)
		mlk_add_fix(why, "or keep the hard limit and raise the soft one to it: memlock "
				 "limit %d %s, or prlimit --pid %d --memlock=%s:",
			    (int)pid, size_arg(f.lim.hard, sl, sizeof(sl)), (int)pid,
			    mlk_limit_arg(f.lim.hard, hl, sizeof(hl)));
	return mlk_err(-err);
}
