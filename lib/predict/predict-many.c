// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The predictor for a sequence of calls, as attach --mapping makes them: one
 * read of /proc for all of them (memlock_predict() per range read smaps once
 * per range: 30,000 mappings took over 10 minutes), and each call predicted
 * on top of the ones before it, as the kernel will see them - two ranges that
 * each fit the limit may not fit it together.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "predict/predict.h"

/* the first of the sorted @v[0..n) that ends above @addr */
static size_t first_above(const struct mlk_vma *v, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The calls' page-rounded [start, end), as do_mlock() takes it; false for a
 * call without a range, or one that wraps (the predictor's to refuse). */
static bool span_of(const struct memlock_request *r, uint64_t page, uint64_t *s, uint64_t *e)
{
	if (r->op == MEMLOCK_OP_MLOCKALL || !r->has_addr)
		return false;
	*s = r->addr & ~(page - 1);
	*e = *s + ((r->len + (r->addr & (page - 1)) + page - 1) & ~(page - 1));
	return *e >= *s;
}

int memlock_predict_many(const char *root, pid_t pid, const struct memlock_request *reqs,
			 size_t n, struct memlock_verdict *v, size_t *at)
{
	uint64_t page = (uint64_t)getpagesize(), lo = UINT64_MAX, hi = 0, s, e;
	struct mlk_vma *vmas = NULL;
	struct mlk_facts f, sub;
	size_t i, j, nv = 0;
	int rc;

	if (reqs == NULL || v == NULL || at == NULL || n == 0 || pid < 0)
		return mlk_err(-EINVAL);
	for (i = 0; i < n; i++) {
		if (reqs[i].op < MEMLOCK_OP_MLOCK || reqs[i].op > MEMLOCK_OP_MLOCKALL)
			return mlk_err(-EINVAL);
		if (span_of(&reqs[i], page, &s, &e)) {
			/* one page more, as memlock_predict() reads */
			e = e + page < e ? UINT64_MAX : e + page;
			lo = s < lo ? s : lo;
			hi = e > hi ? e : hi;
		}
	}
	rc = mlk_facts_read(root, pid, lo < hi, lo < hi ? lo : 0, hi, &f);
	if (rc < 0)
		return mlk_err(rc);
	if (f.n_vmas) {	/* a copy to mark locked as the calls go */
		vmas = malloc(f.n_vmas * sizeof(*vmas));
		if (vmas == NULL) {
			mlk_facts_free(&f);
			return mlk_err(-ENOMEM);
		}
		memcpy(vmas, f.vmas, f.n_vmas * sizeof(*vmas));
		nv = f.n_vmas;
	}
	for (i = 0; i < n; i++) {
		bool ranged = span_of(&reqs[i], page, &s, &e);

		sub = f;
		if (ranged && f.have_vmas) {
			/* only the VMAs of this range: no walk of all of them per call */
			size_t a = first_above(vmas, nv, s), b = a;

			while (b < nv && vmas[b].start < e + page)
				b++;
			sub.vmas = vmas + a;
			sub.n_vmas = b - a;
		}
		mlk_predict_facts(&sub, &reqs[i], v);
		if (!v->ok)
			break;
		if (!ranged)
			continue;
		/* what this call adds to VmLck; a VMA it covers whole is then
		 * locked (one only partly covered is counted again by a later
		 * call over it: a prediction on the safe side) */
		for (j = first_above(vmas, nv, s); j < nv && vmas[j].start < e; j++) {
			uint64_t a = vmas[j].start > s ? vmas[j].start : s;
			uint64_t b = vmas[j].end < e ? vmas[j].end : e;

			if (vmas[j].vmflags & MEMLOCK_VMA_LOCKED)
				continue;
			f.vm_lck += b - a;
			if (a == vmas[j].start && b == vmas[j].end)
				vmas[j].vmflags |= MEMLOCK_VMA_LOCKED;
		}
	}
	*at = i < n ? i : n;
	free(vmas);
	mlk_facts_free(&f);
	return 0;
}
