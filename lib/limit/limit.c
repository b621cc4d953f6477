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

#define LIM_SZ(x) memlock_size_str((x), MEMLOCK_F_EXACT, (char[32]){ 0 }, 32)

/* A fix for process @pid: soft @soft, hard @hard, the hard limit now @now. */
static struct mlk_fix *add_pid_fix(struct memlock_verdict *v, enum memlock_fix_kind kind,
				   pid_t pid, uint64_t soft, uint64_t hard, uint64_t now)
{
	struct mlk_fix *x = mlk_add_fix(v, kind);

	if (x) {
		x->f.pid = pid;
		x->f.bytes = soft;
		x->f.hard_bytes = hard;
		x->f.hard_limit = now;
	}
	return x;
}

/* prlimit refused, or the facts behind its refusal cannot be read */
static int refused(struct memlock_verdict *why, const struct memlock_limits *lim, int err)
{
	if (err == EINVAL)
		mlk_reason(why, "the soft limit (%s) cannot be above the hard limit (%s)",
			   LIM_SZ(lim->soft), LIM_SZ(lim->hard));
	else
		mlk_reason(why, "prlimit refused: %s", strerror(err));
	return mlk_err(-err);
}

int memlock_limit_set(pid_t pid, const struct memlock_limits *want, struct memlock_verdict *why)
{
	struct memlock_limits given, *lim = &given;
	struct rlimit rl, old;
	struct mlk_facts f;
	struct mlk_fix *x;
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
	mlk_verdict_clear(why);
	why->ok = false;
	why->err = err;
	if ((err != EPERM && err != EINVAL) || mlk_facts_read(NULL, pid, false, 0, 0, &f) < 0)
		return refused(why, lim, err);
	why->facts.limit = f.lim.soft;
	why->facts.hard_limit = f.lim.hard;
	why->facts.context = f.ctx.kind;
	snprintf(why->unit, sizeof(why->unit), "%s", f.ctx.unit);
	/* the kernel checks soft <= hard before the raise of the hard limit: a
	 * soft limit over the current hard one fails with EINVAL, and
	 * SOFT:SOFT then with EPERM unless the caller may raise the hard limit */
	raise = lim->soft > f.lim.hard && !can_raise_hard();
	if (err == EINVAL && !raise) {
		refused(why, lim, err);
		add_pid_fix(why, MEMLOCK_FIX_SOFT_WITHIN_HARD, pid, lim->soft, lim->soft,
			    f.lim.hard);
		return mlk_err(-err);
	}
	if (err == EPERM && (f.uid != getuid() || f.uid != geteuid())) {
		mlk_reason(why, "process %d belongs to uid %u: changing another user's limits "
				"needs CAP_SYS_RESOURCE, which memlock does not have",
			   (int)pid, (unsigned int)f.uid);
		add_pid_fix(why, MEMLOCK_FIX_LIMIT_AS_ROOT, pid, lim->soft, lim->hard, f.lim.hard);
		x = add_pid_fix(why, MEMLOCK_FIX_LIMIT_AS_OWNER, pid, lim->soft, f.lim.hard,
				f.lim.hard);
		if (x)
			x->f.uid = f.uid;
		return mlk_err(-err);
	}
	why->facts.need = lim->soft > lim->hard ? lim->soft : lim->hard;
	if (err == EINVAL)
		mlk_reason(why, "the soft limit (%s) cannot be above the hard limit (%s), and "
				"raising the hard limit (now %s) to %s needs CAP_SYS_RESOURCE, which "
				"memlock does not have; any process may lower its limits, and "
				"raise the soft one up to the hard one",
			   LIM_SZ(lim->soft), LIM_SZ(lim->hard), LIM_SZ(f.lim.hard),
			   LIM_SZ(why->facts.need));
	else
		mlk_reason(why, "raising the hard limit (%s) to %s needs CAP_SYS_RESOURCE, which "
				"memlock does not have; any process may lower its limits, and "
				"raise the soft one up to the hard one",
			   LIM_SZ(f.lim.hard), LIM_SZ(why->facts.need));
	/* the fixes name where a limit that high is set */
	mlk_limit_fixes(&f, why, why->facts.need);
	if (f.lim.soft < f.lim.hard)
		add_pid_fix(why, MEMLOCK_FIX_SOFT_TO_HARD, pid, f.lim.hard, f.lim.hard, f.lim.hard);
	return mlk_err(-err);
}
