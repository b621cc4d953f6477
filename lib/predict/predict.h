/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/predict: facts about a process, the kernel's rules, and the fixes. */
#ifndef MLK_PREDICT_H
#define MLK_PREDICT_H

#include "procfs/procfs.h"

/* predict.c: everything the predictor needs to know about a process */
struct mlk_vma {
	uint64_t start, end;
	unsigned int vmflags;
	bool readable_or_writable_or_exec;	/* not PROT_NONE */
};

/* Who the fixes are for: a running process, the caller itself (check
 * without a PID), or a program memlock_exec_locked() is about to run. */
enum mlk_purpose { MLK_FOR_PID, MLK_FOR_SELF, MLK_FOR_EXEC };

struct mlk_facts {
	pid_t pid;
	enum mlk_purpose purpose;
	uint64_t page_size;
	struct memlock_limits lim;
	uint64_t vm_size, vm_lck;
	bool has_cap, in_child_userns;
	unsigned int threads;
	uid_t uid;
	struct mlk_context ctx;
	const struct mlk_vma *vmas;	/* sorted; only for range requests */
	size_t n_vmas;
	bool have_vmas;
};
/* What the predictor and the limit setter know of process @pid (0: self);
 * with @range, the VMAs of [start, end) too. Free with mlk_facts_free(). */
MLK_HIDDEN int mlk_facts_read(const char *root, pid_t pid, bool range, uint64_t start,
			      uint64_t end, struct mlk_facts *f);
MLK_HIDDEN void mlk_facts_free(struct mlk_facts *f);
MLK_HIDDEN void mlk_predict_facts(const struct mlk_facts *f, const struct memlock_request *req,
				  struct memlock_verdict *v);
/* memlock_predict() for the program memlock_exec_locked() runs: @pid at its
 * exec stop, or 0 before the exec (the caller's facts); the fixes name
 * `memlock run --limit` instead of the short-lived process. */
MLK_HIDDEN int mlk_predict_exec(pid_t pid, const struct memlock_request *req,
				struct memlock_verdict *v);

/* fix.c: the reason's wording and the fixes for a context */
MLK_HIDDEN void mlk_add_fix(struct memlock_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
MLK_HIDDEN void mlk_add_note(struct memlock_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A limit as memlock limit takes it back: bytes, or "unlimited". */
MLK_HIDDEN const char *mlk_limit_arg(uint64_t v, char *buf, size_t sz);
/* Where to raise the limit to @want bytes, for the process's context. */
MLK_HIDDEN void mlk_limit_fixes(const struct mlk_facts *f, struct memlock_verdict *v,
				uint64_t want);
MLK_HIDDEN void mlk_suggest_fixes(const struct mlk_facts *f, const struct memlock_request *req,
				  struct memlock_verdict *v);

#endif /* MLK_PREDICT_H */
