/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/predict: facts about a process, the kernel's rules, and the fixes. */
#ifndef MLK_PREDICT_H
#define MLK_PREDICT_H

#include "procfs/procfs.h"

/*
 * verdict.c: the verdict behind the opaque public type. Fixed-size and
 * without pointers, so that it can be copied whole and sent over a socket
 * (memlock_exec_locked()'s helper and reporter); the public structs'
 * string pointers are set by the getters.
 */
#define MLK_TEXT_MAX 320
#define MLK_FIX_MAX 8
#define MLK_NOTE_MAX 4

struct mlk_fix {
	struct memlock_fix f;	/* .unit and .user NULL here */
	char unit[128];
	char user[64];
};

struct memlock_verdict {
	bool ok;
	int err;
	enum memlock_cause cause;
	char reason[MLK_TEXT_MAX];
	struct memlock_facts facts;	/* .unit NULL here */
	char unit[128];
	unsigned int n_fix, n_note;
	struct mlk_fix fix[MLK_FIX_MAX];
	struct memlock_note note[MLK_NOTE_MAX];
};

/* Empty @v: ok, no cause, no fix. */
MLK_HIDDEN void mlk_verdict_clear(struct memlock_verdict *v);
/* The reason, printf-style. */
MLK_HIDDEN void mlk_reason(struct memlock_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append a fix of @kind (dropped past MLK_FIX_MAX): the returned one (NULL
 * when dropped) is zero but for its kind, for the caller to fill. */
MLK_HIDDEN struct mlk_fix *mlk_add_fix(struct memlock_verdict *v, enum memlock_fix_kind kind);
/* A fix with only a kind and a process (0: none). */
MLK_HIDDEN void mlk_add_fix_pid(struct memlock_verdict *v, enum memlock_fix_kind kind, pid_t pid);
MLK_HIDDEN struct memlock_note *mlk_add_note(struct memlock_verdict *v,
					     enum memlock_note_kind kind);
/* Fill @v (may be NULL) with a refusal: @err, @cause, the reason, and a
 * fix of @fix (none for MEMLOCK_FIX_NONE); returns that fix, or NULL. */
MLK_HIDDEN struct mlk_fix *mlk_refuse(struct memlock_verdict *v, int err,
				      enum memlock_cause cause, enum memlock_fix_kind fix,
				      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

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
 * exec stop, or 0 before the exec (the caller's facts); the fixes say to
 * let the launcher raise the limit instead of naming the short-lived process. */
MLK_HIDDEN int mlk_predict_exec(pid_t pid, const struct memlock_request *req,
				struct memlock_verdict *v);

/* fix.c: the fixes and hazards for a context */
/* Where to raise the limit to @want bytes, for the process's context. */
MLK_HIDDEN void mlk_limit_fixes(const struct mlk_facts *f, struct memlock_verdict *v,
				uint64_t want);
MLK_HIDDEN void mlk_suggest_fixes(const struct mlk_facts *f, const struct memlock_request *req,
				  struct memlock_verdict *v);

#endif /* MLK_PREDICT_H */
