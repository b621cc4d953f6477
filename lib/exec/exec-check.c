// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What memlock_exec_locked() knows before the exec: where the program is,
 * whether ptrace would take its privileges, whether it is a 64-bit image
 * memlock can inject into, whether its start-up fits under MCL_FUTURE
 * (exec-startup.c), and whether a seccomp filter the program would inherit
 * lets mlockall through.
 */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <elf.h>
#include <unistd.h>

#include "exec/exec.h"
#include "inject/target.h"

int mlk_exec_resolve(const char *file, char *out, size_t sz)
{
	const char *path = getenv("PATH"), *p, *colon;
	char dflt[256];
	int err = -ENOENT;
	size_t len;

	if (*file == '\0')
		return -ENOENT;
	/* a path cut to fit @out would name another file: never run that */
	if (strchr(file, '/')) {
		if ((size_t)snprintf(out, sz, "%s", file) >= sz)
			return -ENAMETOOLONG;
		return access(out, X_OK) == 0 ? 0 : -errno;
	}
	if (strlen(file) > NAME_MAX)	/* as execvp */
		return -ENAMETOOLONG;
	if (path == NULL) {	/* execvp's default search path */
		len = confstr(_CS_PATH, dflt, sizeof(dflt));
		if (len == 0 || len > sizeof(dflt))
			snprintf(dflt, sizeof(dflt), "/bin:/usr/bin");
		path = dflt;
	}
	for (p = path;; p = colon + 1) {
		struct stat st;
		size_t n;

		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		/* a directory too long to join is skipped, as execvp does */
		if ((size_t)snprintf(out, sz, "%.*s/%s", (int)n, n ? p : ".", file) < sz &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			err = -EACCES;
		}
		if (colon == NULL)
			break;
	}
	return err;
}

/* set-user-ID, set-group-ID (with group execute) or file capabilities */
static bool exec_privileged(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return false;
	return (st.st_mode & S_ISUID) || ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP)) ||
	       getxattr(path, "security.capability", NULL, 0) > 0;
}

bool mlk_exec_loses_privileges(const char *path)
{
	/* the kernel keeps them when the tracer has CAP_SYS_PTRACE */
	return exec_privileged(path) && !(mlk_own_caps() & (1ull << CAP_SYS_PTRACE));
}

/* In the probe child: no CAP_IPC_LOCK and a soft limit of one page, so that
 * the kernel refuses mlockall(MCL_CURRENT) at its limit test (ENOMEM),
 * right after the filter and before it faults anything in. */
static void probe_cannot_populate(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	struct rlimit lim;

	if (syscall(SYS_capget, &h, d) == 0) {
		d[0].effective &= ~(1u << CAP_IPC_LOCK);
		(void)syscall(SYS_capset, &h, d);
	}
	if (getrlimit(RLIMIT_MEMLOCK, &lim) == 0) {
		lim.rlim_cur = lim.rlim_max < (rlim_t)getpagesize() ? lim.rlim_max
								    : (rlim_t)getpagesize();
		(void)setrlimit(RLIMIT_MEMLOCK, &lim);
	}
}

/*
 * Does the caller's seccomp filter (which the program inherits, and which
 * the injected call meets) let mlockall(@mcl) through? Asked of the filter
 * itself, in a child: 0, a positive errno it returns, or -1 when it kills.
 */
static int seccomp_probe(unsigned int mcl)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return 0;	/* cannot tell: the lock's own answer will */
	if (pid == 0) {
		long r;

		/* a kill is expected: no core dump, not even a piped one */
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		probe_cannot_populate();
		r = syscall(SYS_mlockall, mcl);
		_exit(r == 0 ? 0 : errno > 0 && errno < 255 ? errno : 255);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (WIFSIGNALED(status))
		return -1;
	/* the limit's own refusals are the predictor's to explain */
	if (WEXITSTATUS(status) == ENOMEM || WEXITSTATUS(status) == EAGAIN)
		return 0;
	return WEXITSTATUS(status);
}

int mlk_exec_check(const char *path, unsigned int mcl, bool best_effort,
		   struct memlock_verdict *why, enum mlk_exec_plan *plan)
{
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCKALL, .kflags = mcl };
	struct memlock_verdict v;
	int r;

	*plan = MLK_PLAN_LOCK;
	mlk_verdict_clear(&v);
	if (mlk_exec_loses_privileges(path)) {
		mlk_refuse(why, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED, MEMLOCK_FIX_PRIVILEGED_PROGRAM,
		       "%.200s is a set-user-ID, set-group-ID or file-capability program: under "
		       "ptrace by a tracer without CAP_SYS_PTRACE the kernel would run it without "
		       "its privileges%s",
		       path, best_effort ? ", so it runs untraced, with them" : "");
		if (!best_effort)
			return -EPERM;
		*plan = MLK_PLAN_UNTRACED;
		return 0;
	}
	if (mlk_elf_class(path) == ELFCLASS32) {
		mlk_refuse(why, EOPNOTSUPP, MEMLOCK_CAUSE_COMPAT_TASK, MEMLOCK_FIX_64BIT_BUILD,
		       "%.200s is a 32-bit (ia32, x32 or AArch32) program: memlock injects only "
		       "into 64-bit tasks",
		       path);
		return -EOPNOTSUPP;
	}
	/* what does not depend on the new image's size is known now */
	if (mlk_predict_exec(0, &req, &v) == 0 &&
	    (v.cause == MEMLOCK_CAUSE_BAD_FLAGS ||
	     (v.cause == MEMLOCK_CAUSE_LIMIT_ZERO && !best_effort))) {
		*why = v;
		return -v.err;
	}
	/* with best effort the helper locks without MCL_FUTURE instead */
	if (!best_effort) {
		r = mlk_exec_startup_check(0, path, mcl, why);
		if (r < 0)
			return r;
	}
	if (mlk_seccomp_mode(getpid()) != SECCOMP_MODE_FILTER || (r = seccomp_probe(mcl)) == 0)
		return 0;
	/* a zero hard limit: the kernel's own EPERM (best effort got here) */
	if (r == EPERM && v.cause == MEMLOCK_CAUSE_LIMIT_ZERO)
		return 0;
	mlk_refuse(why, r > 0 ? r : EPERM, MEMLOCK_CAUSE_SECCOMP, MEMLOCK_FIX_ALLOW_MLOCKALL,
	       "memlock runs under a seccomp filter, which the program inherits, and it %s "
	       "mlockall%s",
	       r > 0 ? "denies" : "kills the process for", r > 0 ? "" : ": the program would die of SIGSYS");
	if (r > 0)
		snprintf(why->reason + strlen(why->reason), sizeof(why->reason) - strlen(why->reason),
			 " (%s)", strerrorname_np(r) ?: "?");
	if (!best_effort)
		return -why->err;
	*plan = MLK_PLAN_SKIP_LOCK;
	return 0;
}
