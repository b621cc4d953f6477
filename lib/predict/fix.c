// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fixes and hazards that come with a verdict. A fix names the place that
 * owns the process's limit: the shell that started it, limits.conf for new
 * logins, its systemd unit, its container runtime, or the running process
 * itself. For the running process both commands are given: `memlock limit`
 * explains a refusal, prlimit(1) works where memlock is not installed.
 */
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>

#include "predict/predict.h"


static void add(int *n, int max, char (*arr)[MEMLOCK_TEXT_MAX], const char *fmt, va_list ap)
{
	if (*n >= max)
		return;
	vsnprintf(arr[*n], MEMLOCK_TEXT_MAX, fmt, ap);
	(*n)++;
}

void mlk_add_fix(struct memlock_verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(&v->n_fix, MEMLOCK_FIX_MAX, v->fix, fmt, ap);
	va_end(ap);
}

void mlk_add_note(struct memlock_verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(&v->n_note, MEMLOCK_NOTE_MAX, v->note, fmt, ap);
	va_end(ap);
}

static const char *user_name(uid_t uid, char *buf, size_t sz)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res != NULL)
		snprintf(buf, sz, "%s", pw.pw_name);
	else
		snprintf(buf, sz, "<user of uid %u>", (unsigned int)uid);
	return buf;
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

const char *mlk_limit_arg(uint64_t v, char *buf, size_t sz)
{
	if (v == MEMLOCK_UNLIMITED)
		snprintf(buf, sz, "unlimited");
	else
		snprintf(buf, sz, "%llu", (unsigned long long)v);
	return buf;
}

void mlk_limit_fixes(const struct mlk_facts *f, struct memlock_verdict *v, uint64_t want)
{
	bool unl = want == MEMLOCK_UNLIMITED;
	/* in whole KiB: what ulimit -l, limits.conf and LimitMEMLOCK= count in */
	uint64_t kib = unl ? 0 : want / 1024 + (want % 1024 != 0), bytes = kib * 1024;
	bool soft_enough = f->lim.hard == MEMLOCK_UNLIMITED || (!unl && bytes <= f->lim.hard);
	char n[24], k[32], b[48], one[24], user[64];

	/* the value as each place spells it: 64 (KiB, no suffix) / 64K /
	 * bytes, each or unlimited; bytes:bytes / -1:-1 */
	mlk_limit_arg(unl ? want : kib, n, sizeof(n));
	snprintf(k, sizeof(k), "%s%s", n, unl ? "" : "K");
	mlk_limit_arg(unl ? want : bytes, one, sizeof(one));
	if (unl)
		snprintf(b, sizeof(b), "-1:-1");
	else
		snprintf(b, sizeof(b), "%llu:%llu", (unsigned long long)bytes,
			 (unsigned long long)bytes);
	switch (f->ctx.kind) {
	case MEMLOCK_CTX_SYSTEMD:
		mlk_add_fix(v, "systemctl %sedit %s: add [Service] LimitMEMLOCK=%s, then restart it",
			    f->ctx.user_unit ? "--user " : "", f->ctx.unit, unl ? "infinity" : k);
		if (!f->ctx.user_unit)
			mlk_add_fix(v, "or give the unit the capability: [Service] "
				       "AmbientCapabilities=CAP_IPC_LOCK");
		break;
	case MEMLOCK_CTX_CONTAINER:
		mlk_add_fix(v, "start the container with --ulimit memlock=%s (docker/podman run)", b);
		mlk_add_fix(v, "or with --cap-add IPC_LOCK (rootful containers only: in a user "
			       "namespace the capability does not count)");
		break;
	case MEMLOCK_CTX_SHELL:
		/* ulimit and limits.conf count KiB without a suffix */
		if (soft_enough)
			mlk_add_fix(v, "in the shell that starts it: ulimit -l %s", n);
		mlk_add_fix(v, "for every login of the user: /etc/security/limits.conf: "
			       "%s - memlock %s",
			    user_name(f->uid, user, sizeof(user)), n);
		break;
	}
	switch (f->purpose) {
	case MLK_FOR_PID:
		if (soft_enough)
			mlk_add_fix(v, "for the running process: memlock limit %d %s, or prlimit "
				       "--pid %d --memlock=%s: (the soft limit, up to the hard "
				       "limit %s)",
				    (int)f->pid, k, (int)f->pid, one,
				    MLK_SZ(f->lim.hard));
		else
			mlk_add_fix(v, "for the running process, as root with CAP_SYS_RESOURCE "
				       "(the hard limit is %s): memlock limit %d %s:%s, or "
				       "prlimit --pid %d --memlock=%s:%s",
				    MLK_SZ(f->lim.hard), (int)f->pid, k, k, (int)f->pid, one, one);
		break;
	case MLK_FOR_EXEC:
		mlk_add_fix(v, "%slet memlock raise it first: memlock run --limit %s -- ...",
			    soft_enough ? "" : "as root with CAP_SYS_RESOURCE, ", k);
		break;
	case MLK_FOR_SELF:
		break;	/* memlock itself: the shell's limit is the one to raise */
	}
	/* a file capability would make memlock run refuse the program */
	if (f->ctx.kind == MEMLOCK_CTX_SHELL && !f->in_child_userns && f->purpose != MLK_FOR_EXEC)
		mlk_add_fix(v, "or start it with CAP_IPC_LOCK, which lifts the limit "
			       "(e.g. setcap cap_ipc_lock+ep on its binary)");
	if (f->in_child_userns)
		mlk_add_note(v, "the process is in a child user namespace: CAP_IPC_LOCK there "
				"does not lift RLIMIT_MEMLOCK, only the limit itself helps");
}

void mlk_suggest_fixes(const struct mlk_facts *f, const struct memlock_request *req,
		       struct memlock_verdict *v)
{
	bool future = req->op == MEMLOCK_OP_MLOCKALL && (req->kflags & MCL_FUTURE);
	bool current = req->op == MEMLOCK_OP_MLOCKALL && (req->kflags & MCL_CURRENT);
	bool onfault = req->op == MEMLOCK_OP_MLOCKALL ? (req->kflags & MCL_ONFAULT) != 0
						       : (req->kflags & 1u) != 0;

	switch (v->cause) {
	case MEMLOCK_CAUSE_BAD_FLAGS:
		mlk_add_fix(v, req->op == MEMLOCK_OP_MLOCKALL
				       ? "pass MCL_CURRENT, MCL_FUTURE or both (memlock: --current, "
					 "--future), with MCL_ONFAULT (--onfault) only beside them"
				       : "pass 0 or MLOCK_ONFAULT as mlock2 flags");
		break;
	case MEMLOCK_CAUSE_LIMIT_ZERO:
		v->need = v->need ? v->need : f->page_size;
		/* fall through */
	case MEMLOCK_CAUSE_SUBPAGE_LIMIT:
	case MEMLOCK_CAUSE_OVER_LIMIT:
	case MEMLOCK_CAUSE_ADDRESS_SPACE:
		mlk_limit_fixes(f, v, suggest(f, v->need, future));
		if (v->cause == MEMLOCK_CAUSE_ADDRESS_SPACE && f->purpose == MLK_FOR_PID)
			mlk_add_fix(v, "or lock less: mlockall(MCL_FUTURE) alone, or mlock of the "
				       "ranges that matter (memlock status --maps %d)",
				    (int)f->pid);
		else if (v->cause == MEMLOCK_CAUSE_ADDRESS_SPACE)
			mlk_add_fix(v, "or lock less: mlockall(MCL_FUTURE) alone (--future), or "
				       "mlock of the ranges that matter");
		break;
	case MEMLOCK_CAUSE_BAD_RANGE:
	case MEMLOCK_CAUSE_UNMAPPED:
		if (f->purpose == MLK_FOR_PID)
			mlk_add_fix(v, "lock only mapped ranges: memlock status --maps %d lists "
				       "them",
				    (int)f->pid);
		else
			mlk_add_fix(v, "lock only mapped ranges (/proc/self/maps lists them)");
		return;
	case MEMLOCK_CAUSE_PROT_NONE:
		mlk_add_fix(v, "lock on fault (mlock2 MLOCK_ONFAULT, memlock --onfault), or "
			       "mprotect the range accessible first");
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
		mlk_add_note(v, "MCL_FUTURE checks every later mmap, brk and stack growth "
				"against the limit: past it mmap fails with EAGAIN, brk and "
				"malloc with ENOMEM, stack growth with SIGSEGV; %s",
			     v->ok ? "leave headroom (or make it unlimited)"
				   : "the sizes above leave room (the address space now and as "
				     "much again, 16 MiB at least, within the hard limit), "
				     "'unlimited' needs no guess");
	if (future)
		mlk_add_note(v, "with MCL_FUTURE each new thread's stack (8 MiB by default) is "
				"locked%s when the thread starts",
			     onfault ? "" : " and faulted in");
	if (current && f->threads > 1)
		mlk_add_note(v, "the stacks of all %u threads are locked with the rest",
			     f->threads);
	if (onfault && v->ok)
		mlk_add_note(v, "on fault: VmLck counts whole mappings now, but pages become "
				"resident and locked only when first touched");
}
