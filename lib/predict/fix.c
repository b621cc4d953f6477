// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fixes and hazards that come with a verdict, as data. A fix names the
 * place that owns the process's limit: the shell that started it,
 * limits.conf for new logins, its systemd unit, its container runtime, or
 * the running process itself - and how much. Wording them is the caller's.
 */
#include <pwd.h>
#include <string.h>
#include <sys/mman.h>

#include "predict/predict.h"

/* The name of user @uid, "" when it has none. */
static void user_name(uid_t uid, char *buf, size_t sz)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
		snprintf(buf, sz, "%s", pw.pw_name);
	else
		buf[0] = '\0';
}

#define MIB (1024ull * 1024)

/*
 * The limit to suggest for @need bytes. With MCL_FUTURE every later mapping
 * is locked too (the dynamic loader's libraries, the heap, thread stacks),
 * so the need of the moment is too little: the address space now plus as
 * much again, at least 16 MiB more, rounded up to whole MiB - and no more
 * than the hard limit when the need itself fits under it, so that the fix
 * stays one an unprivileged user can apply.
 */
static uint64_t suggest(const struct mlk_facts *f, uint64_t need, bool future)
{
	uint64_t base = need, want;

	if (!future || need == MEMLOCK_UNLIMITED)
		return need;
	if (f->vm_size > base)
		base = f->vm_size;
	want = base + (base > 16 * MIB ? base : 16 * MIB);
	if (want < base)
		return MEMLOCK_UNLIMITED;
	want = (want + MIB - 1) / MIB * MIB;
	if (f->lim.hard != MEMLOCK_UNLIMITED && need <= f->lim.hard && want > f->lim.hard)
		want = f->lim.hard;
	return want;
}

/* A fix about a limit of @bytes (soft and hard alike). */
static struct mlk_fix *add_limit(struct memlock_verdict *v, enum memlock_fix_kind kind,
				 uint64_t bytes)
{
	struct mlk_fix *x = mlk_add_fix(v, kind);

	if (x)
		x->f.bytes = x->f.hard_bytes = bytes;
	return x;
}

static void context_fixes(const struct mlk_facts *f, struct memlock_verdict *v, uint64_t bytes,
			  bool soft_enough)
{
	struct mlk_fix *x;

	switch (f->ctx.kind) {
	case MEMLOCK_CTX_SYSTEMD:
		x = add_limit(v, MEMLOCK_FIX_SYSTEMD_LIMIT, bytes);
		if (x) {
			x->f.user_unit = f->ctx.user_unit;
			snprintf(x->unit, sizeof(x->unit), "%s", f->ctx.unit);
		}
		if (!f->ctx.user_unit) {
			x = mlk_add_fix(v, MEMLOCK_FIX_SYSTEMD_CAP);
			if (x)
				snprintf(x->unit, sizeof(x->unit), "%s", f->ctx.unit);
		}
		break;
	case MEMLOCK_CTX_CONTAINER:
		add_limit(v, MEMLOCK_FIX_CONTAINER_ULIMIT, bytes);
		mlk_add_fix(v, MEMLOCK_FIX_CONTAINER_CAP);
		break;
	case MEMLOCK_CTX_SHELL:
		if (soft_enough)
			add_limit(v, MEMLOCK_FIX_SHELL_ULIMIT, bytes);
		x = add_limit(v, MEMLOCK_FIX_LIMITS_CONF, bytes);
		if (x) {
			x->f.uid = f->uid;
			user_name(f->uid, x->user, sizeof(x->user));
		}
		break;
	}
}

void mlk_limit_fixes(const struct mlk_facts *f, struct memlock_verdict *v, uint64_t want)
{
	bool unl = want == MEMLOCK_UNLIMITED;
	/* in whole KiB: what ulimit -l, limits.conf and LimitMEMLOCK= count in */
	uint64_t bytes = unl ? want : (want / 1024 + (want % 1024 != 0)) * 1024;
	bool soft_enough = f->lim.hard == MEMLOCK_UNLIMITED || (!unl && bytes <= f->lim.hard);
	struct mlk_fix *x;

	context_fixes(f, v, bytes, soft_enough);
	switch (f->purpose) {
	case MLK_FOR_PID:
		x = mlk_add_fix(v, soft_enough ? MEMLOCK_FIX_SOFT_LIMIT : MEMLOCK_FIX_HARD_LIMIT);
		if (x) {
			x->f.pid = f->pid;
			x->f.bytes = bytes;
			x->f.hard_bytes = soft_enough ? f->lim.hard : bytes;
			x->f.hard_limit = f->lim.hard;
			x->f.needs_cap_sys_resource = !soft_enough;
		}
		break;
	case MLK_FOR_EXEC:
		x = add_limit(v, MEMLOCK_FIX_LAUNCHER_LIMIT, bytes);
		if (x) {
			x->f.hard_limit = f->lim.hard;
			x->f.needs_cap_sys_resource = !soft_enough;
		}
		break;
	case MLK_FOR_SELF:
		break;	/* the caller itself: the shell's limit is the one to raise */
	}
	/* a file capability would make memlock_exec_locked() refuse the program */
	if (f->ctx.kind == MEMLOCK_CTX_SHELL && !f->in_child_userns && f->purpose != MLK_FOR_EXEC)
		mlk_add_fix(v, MEMLOCK_FIX_FILE_CAP);
	if (f->in_child_userns)
		mlk_add_note(v, MEMLOCK_NOTE_CHILD_USERNS);
}

void mlk_suggest_fixes(const struct mlk_facts *f, const struct memlock_request *req,
		       struct memlock_verdict *v)
{
	bool future = req->op == MEMLOCK_OP_MLOCKALL && (req->kflags & MCL_FUTURE);
	bool current = req->op == MEMLOCK_OP_MLOCKALL && (req->kflags & MCL_CURRENT);
	bool onfault = req->op == MEMLOCK_OP_MLOCKALL ? (req->kflags & MCL_ONFAULT) != 0
						       : (req->kflags & 1u) != 0;

	struct mlk_fix *x;
	struct memlock_note *n;
	pid_t pid = f->purpose == MLK_FOR_PID ? f->pid : 0;

	switch (v->cause) {
	case MEMLOCK_CAUSE_BAD_FLAGS:
		x = mlk_add_fix(v, MEMLOCK_FIX_VALID_FLAGS);
		if (x)
			x->f.op = req->op;
		break;
	case MEMLOCK_CAUSE_LIMIT_ZERO:
		v->facts.need = v->facts.need ? v->facts.need : f->page_size;
		/* fall through */
	case MEMLOCK_CAUSE_SUBPAGE_LIMIT:
	case MEMLOCK_CAUSE_OVER_LIMIT:
	case MEMLOCK_CAUSE_ADDRESS_SPACE:
		mlk_limit_fixes(f, v, suggest(f, v->facts.need, future));
		if (v->cause == MEMLOCK_CAUSE_ADDRESS_SPACE)
			mlk_add_fix_pid(v, MEMLOCK_FIX_LOCK_LESS, pid);
		break;
	case MEMLOCK_CAUSE_BAD_RANGE:
	case MEMLOCK_CAUSE_UNMAPPED:
		mlk_add_fix_pid(v, MEMLOCK_FIX_MAPPED_RANGES, pid);
		return;
	case MEMLOCK_CAUSE_PROT_NONE:
		mlk_add_fix(v, MEMLOCK_FIX_ON_FAULT);
		return;
	case MEMLOCK_CAUSE_NONE:
		break;
	default:	/* the refusals of target.c carry their own fixes */
		return;
	}
	if (v->cause == MEMLOCK_CAUSE_BAD_FLAGS)
		return;
	/* hazards hold once the call succeeds, also after its limit is fixed */
	if (future && !f->has_cap)
		mlk_add_note(v, MEMLOCK_NOTE_FUTURE_LIMIT);
	if (future) {
		n = mlk_add_note(v, MEMLOCK_NOTE_FUTURE_STACKS);
		if (n)
			n->onfault = onfault;
	}
	if (current && f->threads > 1) {
		n = mlk_add_note(v, MEMLOCK_NOTE_THREAD_STACKS);
		if (n)
			n->threads = f->threads;
	}
	if (onfault && v->ok) {
		n = mlk_add_note(v, MEMLOCK_NOTE_ON_FAULT);
		if (n)
			n->onfault = true;
	}
}
