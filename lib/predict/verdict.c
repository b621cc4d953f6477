// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The verdict object: its getters, and the helpers that fill it. A verdict
 * holds facts, fixes and notes as data; wording them is the caller's.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "predict/predict.h"

struct memlock_verdict *memlock_verdict_new(void)
{
	struct memlock_verdict *v = malloc(sizeof(*v));

	if (v == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	mlk_verdict_clear(v);
	return v;
}

void memlock_verdict_free(struct memlock_verdict *v)
{
	free(v);
}

bool memlock_verdict_ok(const struct memlock_verdict *v)
{
	return v->ok;
}

int memlock_verdict_err(const struct memlock_verdict *v)
{
	return v->err;
}

enum memlock_cause memlock_verdict_cause(const struct memlock_verdict *v)
{
	return v->cause;
}

const char *memlock_verdict_reason(const struct memlock_verdict *v)
{
	return v->reason;
}

/* Copy @n bytes of @src to @dst, which says its own size in its first
 * field: what the caller's version knows of, its size kept. */
static int copy_sized(void *dst, const void *src, size_t n)
{
	size_t want;

	if (dst == NULL)
		return mlk_err(-EINVAL);
	memcpy(&want, dst, sizeof(want));
	if (want < sizeof(size_t))
		return mlk_err(-EINVAL);
	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       (want < n ? want : n) - sizeof(size_t));
	return 0;
}

int memlock_verdict_facts(const struct memlock_verdict *v, struct memlock_facts *f)
{
	struct memlock_facts out;

	if (v == NULL)
		return mlk_err(-EINVAL);
	out = v->facts;
	out.unit = v->unit;
	return copy_sized(f, &out, sizeof(out));
}

size_t memlock_verdict_fix_count(const struct memlock_verdict *v)
{
	return v->n_fix;
}

int memlock_verdict_fix(const struct memlock_verdict *v, size_t i, struct memlock_fix *fix)
{
	struct memlock_fix out;

	if (v == NULL || i >= v->n_fix)
		return mlk_err(-EINVAL);
	out = v->fix[i].f;
	out.unit = v->fix[i].unit;
	out.user = v->fix[i].user;
	return copy_sized(fix, &out, sizeof(out));
}

size_t memlock_verdict_note_count(const struct memlock_verdict *v)
{
	return v->n_note;
}

int memlock_verdict_note(const struct memlock_verdict *v, size_t i, struct memlock_note *note)
{
	if (v == NULL || i >= v->n_note)
		return mlk_err(-EINVAL);
	return copy_sized(note, &v->note[i], sizeof(v->note[i]));
}

const char *memlock_fix_kind_name(enum memlock_fix_kind kind)
{
	static const char *const names[] = {
		[MEMLOCK_FIX_NONE] = "none",
		[MEMLOCK_FIX_SOFT_LIMIT] = "soft-limit",
		[MEMLOCK_FIX_HARD_LIMIT] = "hard-limit",
		[MEMLOCK_FIX_SOFT_TO_HARD] = "soft-to-hard",
		[MEMLOCK_FIX_SOFT_WITHIN_HARD] = "soft-within-hard",
		[MEMLOCK_FIX_LIMIT_AS_ROOT] = "limit-as-root",
		[MEMLOCK_FIX_LIMIT_AS_OWNER] = "limit-as-owner",
		[MEMLOCK_FIX_SHELL_ULIMIT] = "shell-ulimit",
		[MEMLOCK_FIX_LIMITS_CONF] = "limits-conf",
		[MEMLOCK_FIX_SYSTEMD_LIMIT] = "systemd-limit",
		[MEMLOCK_FIX_CONTAINER_ULIMIT] = "container-ulimit",
		[MEMLOCK_FIX_LAUNCHER_LIMIT] = "launcher-limit",
		[MEMLOCK_FIX_FILE_CAP] = "file-cap",
		[MEMLOCK_FIX_SYSTEMD_CAP] = "systemd-cap",
		[MEMLOCK_FIX_CONTAINER_CAP] = "container-cap",
		[MEMLOCK_FIX_LOCK_LESS] = "lock-less",
		[MEMLOCK_FIX_NO_FUTURE] = "no-future",
		[MEMLOCK_FIX_MAPPED_RANGES] = "mapped-ranges",
		[MEMLOCK_FIX_ON_FAULT] = "on-fault",
		[MEMLOCK_FIX_VALID_FLAGS] = "valid-flags",
		[MEMLOCK_FIX_CHECK_PID] = "check-pid",
		[MEMLOCK_FIX_PROCESS_ID] = "process-id",
		[MEMLOCK_FIX_DETACH_TRACER] = "detach-tracer",
		[MEMLOCK_FIX_PTRACE_SCOPE] = "ptrace-scope",
		[MEMLOCK_FIX_PTRACE_AS_OWNER] = "ptrace-as-owner",
		[MEMLOCK_FIX_CAP_SYS_PTRACE] = "cap-sys-ptrace",
		[MEMLOCK_FIX_LSM] = "lsm",
		[MEMLOCK_FIX_SUSPEND_SECCOMP] = "suspend-seccomp",
		[MEMLOCK_FIX_ALLOW_MLOCKALL] = "allow-mlockall",
		[MEMLOCK_FIX_PRIVILEGED_PROGRAM] = "privileged-program",
		[MEMLOCK_FIX_64BIT_BUILD] = "64bit-build",
		[MEMLOCK_FIX_STOP_FOLLOWING] = "stop-following",
		[MEMLOCK_FIX_INSTALL_HELPER] = "install-helper",
		[MEMLOCK_FIX_SINGLE_THREADED] = "single-threaded",
	};

	return MLK_NAME_OF(names, kind, "unknown");
}

const char *memlock_note_kind_name(enum memlock_note_kind kind)
{
	static const char *const names[] = {
		[MEMLOCK_NOTE_NONE] = "none",
		[MEMLOCK_NOTE_FUTURE_LIMIT] = "future-limit",
		[MEMLOCK_NOTE_FUTURE_STACKS] = "future-stacks",
		[MEMLOCK_NOTE_THREAD_STACKS] = "thread-stacks",
		[MEMLOCK_NOTE_ON_FAULT] = "on-fault",
		[MEMLOCK_NOTE_CHILD_USERNS] = "child-userns",
	};

	return MLK_NAME_OF(names, kind, "unknown");
}

void mlk_verdict_clear(struct memlock_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->ok = true;
	v->facts.sz = sizeof(v->facts);
}

static void vreason(struct memlock_verdict *v, const char *fmt, va_list ap)
{
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
}

void mlk_reason(struct memlock_verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreason(v, fmt, ap);
	va_end(ap);
}

struct mlk_fix *mlk_add_fix(struct memlock_verdict *v, enum memlock_fix_kind kind)
{
	struct mlk_fix *x;

	if (v->n_fix >= MLK_FIX_MAX)
		return NULL;
	x = &v->fix[v->n_fix++];
	memset(x, 0, sizeof(*x));
	x->f.sz = sizeof(x->f);
	x->f.kind = kind;
	return x;
}

void mlk_add_fix_pid(struct memlock_verdict *v, enum memlock_fix_kind kind, pid_t pid)
{
	struct mlk_fix *x = mlk_add_fix(v, kind);

	if (x)
		x->f.pid = pid;
}

struct memlock_note *mlk_add_note(struct memlock_verdict *v, enum memlock_note_kind kind)
{
	struct memlock_note *n;

	if (v->n_note >= MLK_NOTE_MAX)
		return NULL;
	n = &v->note[v->n_note++];
	memset(n, 0, sizeof(*n));
	n->sz = sizeof(*n);
	n->kind = kind;
	return n;
}

struct mlk_fix *mlk_refuse(struct memlock_verdict *v, int err, enum memlock_cause cause,
			   enum memlock_fix_kind fix, const char *fmt, ...)
{
	va_list ap;

	if (v == NULL)
		return NULL;
	mlk_verdict_clear(v);
	v->ok = false;
	v->err = err;
	v->cause = cause;
	va_start(ap, fmt);
	vreason(v, fmt, ap);
	va_end(ap);
	return fix != MEMLOCK_FIX_NONE ? mlk_add_fix(v, fix) : NULL;
}
