/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec-check.c: what memlock_execvp_locked() checks before the exec. */
#ifndef MEMLOCK_EXEC_H
#define MEMLOCK_EXEC_H

#include "internal.h"

/* execvp's search of PATH for @file: 0 with the path in @out, or -errno. */
MLK_HIDDEN int mlk_exec_resolve(const char *file, char *out, size_t sz);
/* A set-user-ID, set-group-ID or file-capability program, which under our
 * ptrace would run without its privileges (we have no CAP_SYS_PTRACE). */
MLK_HIDDEN bool mlk_exec_loses_privileges(const char *path);
/*
 * Refusals known before the exec, each explained in @why (not NULL): a
 * program that would lose its privileges (EPERM), a 32-bit one
 * (EOPNOTSUPP), bad flags, a zero limit (unless @best_effort), a seccomp
 * filter that kills or denies mlockall. With @best_effort the last one is
 * not a refusal: 0 with *@skip_lock set and @why saying why.
 */
MLK_HIDDEN int mlk_exec_check(const char *path, unsigned int mcl, bool best_effort,
			      struct memlock_verdict *why, bool *skip_lock);

#endif /* MEMLOCK_EXEC_H */
