// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The predictor: the decision logic of mm/mlock.c (do_mlock, mlockall,
 * apply_vma_lock_flags, count_mm_mlocked_page_nr, populate), replayed on what
 * /proc tells about a process. The order of checks is the kernel's, because
 * the first failing check decides the errno: flags, then can_do_mlock(), then
 * the limit (before any range check), then the range, then populate.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "predict/predict.h"


const char *memlock_cause_name(enum memlock_cause cause)
{
	static const char *const names[] = {
		[MEMLOCK_CAUSE_NONE] = "none",
		[MEMLOCK_CAUSE_BAD_FLAGS] = "bad-flags",
		[MEMLOCK_CAUSE_LIMIT_ZERO] = "limit-zero",
		[MEMLOCK_CAUSE_SUBPAGE_LIMIT] = "subpage-limit",
		[MEMLOCK_CAUSE_OVER_LIMIT] = "over-limit",
		[MEMLOCK_CAUSE_ADDRESS_SPACE] = "address-space",
		[MEMLOCK_CAUSE_BAD_RANGE] = "bad-range",
		[MEMLOCK_CAUSE_UNMAPPED] = "unmapped",
		[MEMLOCK_CAUSE_PROT_NONE] = "prot-none",
		[MEMLOCK_CAUSE_NO_PROCESS] = "no-process",
		[MEMLOCK_CAUSE_ZOMBIE] = "zombie",
		[MEMLOCK_CAUSE_KERNEL_THREAD] = "kernel-thread",
		[MEMLOCK_CAUSE_COMPAT_TASK] = "compat-task",
		[MEMLOCK_CAUSE_TRACED] = "traced",
		[MEMLOCK_CAUSE_PTRACE_DENIED] = "ptrace-denied",
		[MEMLOCK_CAUSE_SECCOMP] = "seccomp",
		[MEMLOCK_CAUSE_EINTR_RISK] = "eintr-risk",
	};

	return MLK_NAME_OF(names, cause, "unknown");
}

static void fail(struct memlock_verdict *v, int err, enum memlock_cause cause,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fail(struct memlock_verdict *v, int err, enum memlock_cause cause,
		 const char *fmt, ...)
{
	va_list ap;

	v->ok = false;
	v->err = err;
	v->cause = cause;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/* count_mm_mlocked_page_nr(): bytes of [start, end) inside VM_LOCKED VMAs */
static uint64_t locked_in_range(const struct mlk_facts *f, uint64_t start, uint64_t end)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < f->n_vmas; i++) {
		const struct mlk_vma *m = &f->vmas[i];
		uint64_t s = m->start > start ? m->start : start;
		uint64_t e = m->end < end ? m->end : end;

		if ((m->vmflags & MEMLOCK_VMA_LOCKED) && e > s)
			sum += e - s;
	}
	return sum;
}

/* apply_vma_lock_flags() and the populate walk, for a range that passed the
 * limit test. */
static void check_range(const struct mlk_facts *f, uint64_t start, uint64_t len,
			bool onfault, struct memlock_verdict *v)
{
	uint64_t end = start + len, prev;
	size_t i;

	if (end < start) {
		fail(v, EINVAL, MEMLOCK_CAUSE_BAD_RANGE,
		     "the range 0x%llx + %s wraps past the end of the address space",
		     (unsigned long long)start, MLK_SZ(len));
		return;
	}
	if (!f->have_vmas)
		return;
	prev = start;
	for (i = 0; i < f->n_vmas && prev < end; i++) {
		const struct mlk_vma *m = &f->vmas[i];

		if (m->end <= prev)
			continue;
		if (m->start > prev)
			break;
		prev = m->end;
	}
	if (prev < end) {
		fail(v, ENOMEM, MEMLOCK_CAUSE_UNMAPPED,
		     "0x%llx is not mapped, so mlock fails with ENOMEM there; the kernel "
		     "keeps the mappings before it locked (and counted in VmLck) but not "
		     "faulted in",
		     (unsigned long long)prev);
		return;
	}
	if (onfault)
		return;	/* MLOCK_ONFAULT never populates */
	for (i = 0; i < f->n_vmas; i++) {
		const struct mlk_vma *m = &f->vmas[i];

		if (m->end <= start || m->start >= end ||
		    (m->vmflags & (MEMLOCK_VMA_IO | MEMLOCK_VMA_PFNMAP)))
			continue;
		if (!m->readable_or_writable_or_exec) {
			fail(v, ENOMEM, MEMLOCK_CAUSE_PROT_NONE,
			     "the mapping at 0x%llx is PROT_NONE: the kernel marks it locked "
			     "(VmLck grows) but cannot fault it in, and mlock returns ENOMEM",
			     (unsigned long long)m->start);
			return;
		}
	}
}

static void predict_mlock(const struct mlk_facts *f, const struct memlock_request *req,
			  struct memlock_verdict *v, uint64_t lim_pages)
{
	uint64_t page = f->page_size, start = 0, len, pages, locked;
	bool onfault = req->op == MEMLOCK_OP_MLOCK2 && (req->kflags & MLOCK_ONFAULT);

	if (req->op == MEMLOCK_OP_MLOCK2 && (req->kflags & ~(unsigned int)MLOCK_ONFAULT)) {
		fail(v, EINVAL, MEMLOCK_CAUSE_BAD_FLAGS,
		     "mlock2 flags 0x%x are invalid: only MLOCK_ONFAULT (0x1) exists, and the "
		     "kernel checks flags before anything else",
		     req->kflags);
		return;
	}
	/* do_mlock(): len = PAGE_ALIGN(len + offset_in_page(start)), wrapping
	 * as the kernel's unsigned arithmetic does */
	if (req->has_addr) {
		start = req->addr & ~(page - 1);
		len = (req->len + (req->addr & (page - 1)) + page - 1) & ~(page - 1);
	} else {
		len = (req->len + page - 1) & ~(page - 1);
	}
	pages = len / page;
	v->facts.request = len;
	if (f->lim.soft == 0 && !f->has_cap) {
		v->facts.need = mlk_mul_sat(pages + f->vm_lck / page, page);
		fail(v, EPERM, MEMLOCK_CAUSE_LIMIT_ZERO,
		     "RLIMIT_MEMLOCK is 0 and the process has no CAP_IPC_LOCK%s, so the kernel "
		     "refuses every lock with EPERM",
		     f->in_child_userns ? " in the initial user namespace" : "");
		return;
	}
	/* no shortcut for a zero length (nor one rounded to zero): the limit
	 * test still runs, and VmLck already over the limit fails it */
	locked = pages + f->vm_lck / page;
	if (locked > lim_pages && !f->has_cap && req->has_addr) {
		v->facts.already = locked_in_range(f, start, start + len);
		locked -= v->facts.already / page;
	}
	v->facts.need = mlk_mul_sat(locked, page);
	if (locked > lim_pages && !f->has_cap) {
		if (f->lim.soft < page)
			fail(v, ENOMEM, MEMLOCK_CAUSE_SUBPAGE_LIMIT,
			     "RLIMIT_MEMLOCK is %llu bytes, which the kernel rounds down to 0 whole "
			     "pages: not one page can be locked (ENOMEM, not EPERM)",
			     (unsigned long long)f->lim.soft);
		else
			fail(v, ENOMEM, MEMLOCK_CAUSE_OVER_LIMIT,
			     "locking %s on top of VmLck %s%s needs %s, over the soft "
			     "RLIMIT_MEMLOCK of %s (%llu page%s)",
			     MLK_SZ(len), MLK_SZ(f->vm_lck),
			     v->facts.already ? " (less the part already locked)" : "", MLK_SZ(v->facts.need),
			     MLK_SZ(f->lim.soft), (unsigned long long)lim_pages,
			     lim_pages == 1 ? "" : "s");
		return;
	}
	if (req->has_addr) {
		check_range(f, start, len, onfault, v);
		if (v->err)
			return;
	}
	v->ok = true;
	if (len == 0) {
		snprintf(v->reason, sizeof(v->reason),
			 "the request covers no page (a zero length, or one that wraps to zero "
			 "when rounded to pages) and %s: the kernel locks nothing and returns 0",
			 f->has_cap ? "CAP_IPC_LOCK lifts the limit" : "VmLck is within the limit");
		return;
	}
	if (f->has_cap)
		snprintf(v->reason, sizeof(v->reason),
			 "CAP_IPC_LOCK lifts RLIMIT_MEMLOCK: %s can be locked", MLK_SZ(len));
	else
		snprintf(v->reason, sizeof(v->reason),
			 "VmLck would be %s, within the soft RLIMIT_MEMLOCK of %s",
			 MLK_SZ(v->facts.need), f->lim.soft == MEMLOCK_UNLIMITED ? "unlimited" : MLK_SZ(f->lim.soft));
}

static void predict_mlockall(const struct mlk_facts *f, unsigned int fl,
			     struct memlock_verdict *v, uint64_t lim_pages)
{
	uint64_t page = f->page_size, size_pages;

	if (fl == 0 || (fl & ~(unsigned int)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    fl == MCL_ONFAULT) {
		fail(v, EINVAL, MEMLOCK_CAUSE_BAD_FLAGS,
		     "mlockall flags 0x%x are invalid: give MCL_CURRENT and/or MCL_FUTURE, "
		     "MCL_ONFAULT only together with one of them",
		     fl);
		return;
	}
	/* rounded up without wrapping: a saturated VmSize stays huge */
	size_pages = f->vm_size / page + (f->vm_size % page != 0);
	if (fl & MCL_CURRENT) {
		v->facts.request = mlk_mul_sat(size_pages, page);
		v->facts.need = v->facts.request;
	}
	if (f->lim.soft == 0 && !f->has_cap) {
		fail(v, EPERM, MEMLOCK_CAUSE_LIMIT_ZERO,
		     "RLIMIT_MEMLOCK is 0 and the process has no CAP_IPC_LOCK%s, so the kernel "
		     "refuses mlockall with EPERM",
		     f->in_child_userns ? " in the initial user namespace" : "");
		return;
	}
	if ((fl & MCL_CURRENT) && !f->has_cap && size_pages > lim_pages) {
		if (f->lim.soft < page)
			fail(v, ENOMEM, MEMLOCK_CAUSE_SUBPAGE_LIMIT,
			     "RLIMIT_MEMLOCK is %llu bytes, which the kernel rounds down to 0 whole "
			     "pages, and MCL_CURRENT needs the whole address space (VmSize %s)",
			     (unsigned long long)f->lim.soft, MLK_SZ(f->vm_size));
		else
			fail(v, ENOMEM, MEMLOCK_CAUSE_ADDRESS_SPACE,
			     "MCL_CURRENT needs the whole address space, VmSize %s (%llu pages), "
			     "above the soft RLIMIT_MEMLOCK of %s (%llu page%s); the kernel counts "
			     "every mapping, PROT_NONE reservations included, not only what it "
			     "would lock",
			     MLK_SZ(f->vm_size), (unsigned long long)size_pages, MLK_SZ(f->lim.soft),
			     (unsigned long long)lim_pages, lim_pages == 1 ? "" : "s");
		return;
	}
	v->ok = true;
	if (!(fl & MCL_CURRENT))
		snprintf(v->reason, sizeof(v->reason),
			 "MCL_FUTURE alone has no size check: it succeeds, and the limit is "
			 "checked at each later mapping");
	else if (f->has_cap)
		snprintf(v->reason, sizeof(v->reason),
			 "CAP_IPC_LOCK lifts RLIMIT_MEMLOCK: the whole address space (VmSize %s) "
			 "can be locked",
			 MLK_SZ(f->vm_size));
	else
		snprintf(v->reason, sizeof(v->reason),
			 "the address space, VmSize %s, fits the soft RLIMIT_MEMLOCK of %s",
			 MLK_SZ(f->vm_size),
			 f->lim.soft == MEMLOCK_UNLIMITED ? "unlimited" : MLK_SZ(f->lim.soft));
}

void mlk_predict_facts(const struct mlk_facts *f, const struct memlock_request *req,
		       struct memlock_verdict *v)
{
	uint64_t lim_pages;

	mlk_verdict_clear(v);
	v->ok = false;
	v->facts.limit = f->lim.soft;
	v->facts.hard_limit = f->lim.hard;
	v->facts.locked = f->vm_lck;
	v->facts.vm_size = f->vm_size;
	v->facts.has_cap = f->has_cap;
	v->facts.in_child_userns = f->in_child_userns;
	v->facts.context = f->ctx.kind;
	snprintf(v->unit, sizeof(v->unit), "%s", f->ctx.unit);
	lim_pages = f->lim.soft == MEMLOCK_UNLIMITED ? UINT64_MAX : f->lim.soft / f->page_size;
	if (req->op == MEMLOCK_OP_MLOCKALL)
		predict_mlockall(f, req->kflags, v, lim_pages);
	else
		predict_mlock(f, req, v, lim_pages);
	mlk_suggest_fixes(f, req, v);
}

struct vmas {
	uint64_t start, end;
	struct mlk_vma *v;
	size_t n, cap;
};

static int add_vma(const struct memlock_mapping *m, void *arg)
{
	struct vmas *vs = arg;
	struct mlk_vma *nv;

	/* the gate VMA is listed but is not in the VMA tree: a hole */
	if (m->end <= vs->start || m->start >= vs->end || strcmp(m->path, "[vsyscall]") == 0)
		return 0;
	nv = mlk_grow(vs->v, &vs->cap, vs->n, sizeof(*nv));
	if (nv == NULL)
		return -ENOMEM;
	vs->v = nv;
	vs->v[vs->n++] = (struct mlk_vma){
		.start = m->start,
		.end = m->end,
		.vmflags = m->vmflags,
		.readable_or_writable_or_exec =
			m->perms[0] == 'r' || m->perms[1] == 'w' || m->perms[2] == 'x',
	};
	return 0;
}

static int load_vmas(const char *root, pid_t pid, uint64_t start, uint64_t end,
		     struct mlk_vma **out, size_t *n)
{
	struct vmas vs = { .start = start, .end = end };
	int rc;

	rc = mlk_maps_walk(root, pid, "smaps", add_vma, &vs);
	if (rc < 0) {
		free(vs.v);
		return rc;
	}
	*out = vs.v;
	*n = vs.n;
	return 0;
}

int mlk_facts_read(const char *root, pid_t pid, bool range, uint64_t start, uint64_t end,
		   struct mlk_facts *f)
{
	struct mlk_vma *vmas = NULL;
	struct memlock_status st = { .sz = sizeof(st) };
	size_t len;
	char *buf;
	int rc;

	memset(f, 0, sizeof(*f));
	f->lim.sz = sizeof(f->lim);
	f->page_size = (uint64_t)getpagesize();
	rc = memlock_proc_read_status(root, pid, &st);
	if (rc == 0)
		rc = memlock_proc_read_limits(root, pid, &f->lim);
	if (rc == -ENOENT)
		rc = -ESRCH;
	if (rc == 0 && (st.state == 'Z' || st.state == 'X'))
		rc = -ESRCH;	/* exited: nothing left to lock */
	else if (rc == 0 && !st.has_mm)
		rc = -EINVAL;	/* a kernel thread has no memory to lock */
	if (rc < 0)
		return rc;
	f->pid = st.pid;
	f->purpose = pid == 0 ? MLK_FOR_SELF : MLK_FOR_PID;
	f->vm_size = st.vm_size;
	f->vm_lck = st.vm_lck;
	f->threads = st.threads;
	f->uid = st.ruid;
	f->has_cap = memlock_proc_has_cap_ipc_lock(root, &st, &f->in_child_userns);
	if (mlk_read_proc(root, pid, "cgroup", &buf, &len) == 0) {
		mlk_parse_cgroup(buf, len, &f->ctx);
		free(buf);
	}
	if (range) {
		rc = load_vmas(root, pid, start, end, &vmas, &f->n_vmas);
		if (rc < 0)
			return rc == -ENOENT ? -ESRCH : rc;
		f->vmas = vmas;
		f->have_vmas = true;
	}
	return 0;
}

void mlk_facts_free(struct mlk_facts *f)
{
	free((void *)f->vmas);
	f->vmas = NULL;
}

int mlk_predict_exec(pid_t pid, const struct memlock_request *req, struct memlock_verdict *v)
{
	struct mlk_facts f;
	int rc;

	rc = mlk_facts_read(NULL, pid, false, 0, 0, &f);
	if (rc < 0)
		return mlk_err(rc);
	f.purpose = MLK_FOR_EXEC;
	mlk_predict_facts(&f, req, v);
	mlk_facts_free(&f);
	return 0;
}

int memlock_predict(const char *root, pid_t pid, const struct memlock_request *req,
		    struct memlock_verdict *v)
{
	bool range = req != NULL && req->op != MEMLOCK_OP_MLOCKALL && req->has_addr;
	uint64_t start = 0, end = 0, page = (uint64_t)getpagesize();
	struct mlk_facts f;
	int rc;

	if (req == NULL || v == NULL || pid < 0 || req->op < MEMLOCK_OP_MLOCK ||
	    req->op > MEMLOCK_OP_MLOCKALL)
		return mlk_err(-EINVAL);
	if (range) {
		start = req->addr & ~(page - 1);
		end = start + req->len + page;
		if (end < start)
			end = UINT64_MAX;
	}
	rc = mlk_facts_read(root, pid, range, start, end, &f);
	if (rc < 0)
		return mlk_err(rc);
	mlk_predict_facts(&f, req, v);
	pr_debug("predict pid %d: op %d flags 0x%x len %llu: VmSize %llu VmLck %llu limit %llu/%llu "
		 "cap %d child-userns %d context %d -> %s (%s)",
		 (int)f.pid, req->op, req->kflags, (unsigned long long)req->len,
		 (unsigned long long)f.vm_size, (unsigned long long)f.vm_lck,
		 (unsigned long long)f.lim.soft, (unsigned long long)f.lim.hard, f.has_cap,
		 f.in_child_userns, f.ctx.kind, v->ok ? "ok" : "fail", memlock_cause_name(v->cause));
	mlk_facts_free(&f);
	return 0;
}
