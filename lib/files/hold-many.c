// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Files given to a holder, one or many at a time: each is held in this
 * process while its mappings last, then (MEMLOCK_F_SPREAD) by helper
 * processes, to which the files go in batches (spread.c). Every file has a
 * result of its own, whatever happens to the others.
 */
#include <string.h>

#include "files/files.h"

#define CHUNK 1024u	/* files whose results are worked on at once */

/* Hold @fds[0..@n) in order: @res[i] and @rc[i] for each; @known: the
 * stat of the one file (@n 1) when the caller has it, or NULL. */
static void add_many(struct memlock_holder *h, const int *fds, size_t n,
		     const struct stat *known, struct memlock_hold_result *res, int *rc)
{
	bool spread = h->flags & MEMLOCK_F_SPREAD;

	for (size_t i = 0; i < n; i++) {
		/* every mapping of this process in use: the rest straight to the
		 * helpers, which look at the files themselves (no fstat here) */
		if (spread && h->nshards && h->live_maps >= h->max_maps) {
			mlk_spread_add_many(h, fds + i, n - i, res + i, rc + i);
			return;
		}
		rc[i] = mlk_hold_local(h, fds[i], known, UINT64_MAX, &res[i]);
		if (spread && rc[i] == 0 && res[i].why == MEMLOCK_HOLD_WHY_MAP_COUNT &&
		    res[i].locked == 0)
			mlk_spread_add_many(h, fds + i, 1, res + i, rc + i);
	}
}

int memlock_holder_add_fd(struct memlock_holder *h, int fd, struct memlock_hold_result *out)
{
	struct memlock_hold_result res;
	int rc;

	if (h == NULL || mlk_out_check(out, MLK_SZ_HOLD_RESULT) < 0)
		return mlk_err(-EINVAL);
	add_many(h, &fd, 1, NULL, &res, &rc);
	if (rc == 0)
		mlk_out_copy(out, &res, sizeof(res));
	return mlk_err(rc);
}

int memlock_holder_add_walked(struct memlock_holder *h, const struct memlock_file *f,
			      struct memlock_hold_result *out)
{
	struct memlock_hold_result res;
	struct stat st = { 0 };
	int rc;

	if (h == NULL || mlk_out_check(out, MLK_SZ_HOLD_RESULT) < 0 || f == NULL ||
	    f->sz < mlk_offsetofend(struct memlock_file, blocks) ||
	    f->kind != MEMLOCK_FILE_REGULAR || f->fd < 0 || !S_ISREG(f->mode))
		return mlk_err(-EINVAL);
	st.st_dev = (dev_t)f->dev;
	st.st_ino = (ino_t)f->ino;
	st.st_size = (off_t)f->size;
	st.st_blocks = (blkcnt_t)f->blocks;
	st.st_mode = f->mode;
	add_many(h, &f->fd, 1, &st, &res, &rc);
	if (rc == 0)
		mlk_out_copy(out, &res, sizeof(res));
	return mlk_err(rc);
}

int memlock_holder_add_fds(struct memlock_holder *h, const int *fds, size_t n,
			   struct memlock_hold_result *out)
{
	size_t stride, m = n < CHUNK ? n : CHUNK;
	struct memlock_hold_result *res, one;
	int *rc, one_rc;

	if (h == NULL || (n && (fds == NULL || mlk_out_check(out, MLK_SZ_HOLD_RESULT) < 0)))
		return mlk_err(-EINVAL);
	if (n == 0)
		return 0;
	stride = out->sz;
	res = malloc(m * sizeof(*res));
	rc = malloc(m * sizeof(*rc));
	if (res == NULL || rc == NULL) {	/* one at a time, then */
		m = 1;
		free(res);
		free(rc);
		res = &one;
		rc = &one_rc;
	}
	for (size_t pos = 0; pos < n; pos += m) {
		size_t k = n - pos < m ? n - pos : m;

		add_many(h, fds + pos, k, NULL, res, rc);
		for (size_t i = 0; i < k; i++) {
			struct memlock_hold_result *o = (void *)((char *)out + (pos + i) * stride);

			if (rc[i] < 0)	/* its own failure: its result alone */
				res[i] = (struct memlock_hold_result){
					.state = MEMLOCK_HOLD_NOT_LOCKED,
					.why = MEMLOCK_HOLD_WHY_ERROR, .err = -rc[i] };
			o->sz = stride;
			mlk_out_copy(o, &res[i], sizeof(res[i]));
		}
	}
	if (m > 1) {
		free(res);
		free(rc);
	}
	return 0;
}
