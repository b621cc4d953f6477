// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The records of the files a holder holds, one per file id, 24 bytes each
 * (a million files: 24 MB): what memlock_holder_get() and _next() return,
 * and where the file's mappings are, for memlock_holder_remove(). The few
 * files whose numbers do not fit the record's fields (struct hfile) keep
 * them in a wide record of their own, 32 bytes more.
 */
#include <string.h>

#include "files/files.h"

#define FIELD_MAX(bits) ((1ull << (bits)) - 1)

/* The index of device @dev in @h->devs (added), -EOVERFLOW past 65,536. */
static int dev_index(struct memlock_holder *h, uint64_t dev)
{
	uint64_t *d;

	for (size_t i = h->ndevs; i-- > 0;)	/* (a few; the last ones most likely) */
		if (h->devs[i] == dev)
			return (int)i;
	if (h->ndevs > UINT16_MAX)
		return -EOVERFLOW;
	d = realloc(h->devs, (h->ndevs + 1) * sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	h->devs = d;
	h->devs[h->ndevs] = dev;
	return (int)h->ndevs++;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t nc = *cap ? *cap * 2 : 64;
	void *nv;

	if (n < *cap)
		return 0;
	nv = realloc(*v, nc * size);
	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

/* @w in @f: in its fields, or in a wide record when they are too narrow. */
static int pack(struct memlock_holder *h, const struct hwide *w, struct hfile *f)
{
	size_t at;

	if (w->size <= FIELD_MAX(48) && w->dev <= FIELD_MAX(11) && w->nmaps <= FIELD_MAX(4) &&
	    w->pages <= FIELD_MAX(28) && w->shard <= FIELD_MAX(12) && w->first <= FIELD_MAX(24)) {
		f->size = w->size;
		f->dev = w->dev;
		f->nmaps = w->nmaps;
		f->wide = 0;
		f->pages = w->pages;
		f->shard = w->shard;
		f->first = w->first;
		return 0;
	}
	if (h->wide_free) {	/* a removed one's */
		at = h->wide_free - 1;
		h->wide_free = h->wide[at].first;
	} else if (grow((void **)&h->wide, &h->wide_cap, h->nwide, sizeof(*h->wide)) < 0) {
		return -ENOMEM;
	} else {
		at = h->nwide++;
	}
	h->wide[at] = *w;
	f->size = 0;
	f->dev = 0;
	f->nmaps = 0;
	f->wide = 1;
	f->at = at;
	return 0;
}

/* File @id's numbers into @w; false when it is not held. */
static bool unpack(const struct memlock_holder *h, uint64_t id, struct hwide *w)
{
	const struct hfile *f = id && id <= h->nheld ? &h->held[id - 1] : NULL;

	if (f == NULL || (!f->wide && f->pages == 0))
		return false;
	if (f->wide) {
		*w = h->wide[f->at];
		return true;
	}
	*w = (struct hwide){ .size = f->size, .pages = f->pages, .first = (uint32_t)f->first,
			     .nmaps = f->nmaps, .dev = f->dev, .shard = f->shard };
	return true;
}

int mlk_held_add(struct memlock_holder *h, uint64_t first, uint32_t shard,
		 struct memlock_hold_result *res)
{
	int dev = dev_index(h, res->dev);
	struct hwide w;
	int rc;

	if (dev < 0)
		return dev;
	if (first > UINT32_MAX || res->locked % h->page || res->locked == 0 ||
	    h->nheld >= UINT32_MAX)
		return -EOVERFLOW;	/* (4 billion mappings or files) */
	rc = grow((void **)&h->held, &h->held_cap, h->nheld, sizeof(*h->held));
	if (rc < 0)
		return rc;
	w = (struct hwide){ .size = res->size, .pages = res->locked / h->page,
			    .first = (uint32_t)first, .nmaps = res->maps, .dev = (uint32_t)dev,
			    .shard = shard };
	rc = pack(h, &w, &h->held[h->nheld]);
	if (rc < 0)
		return rc;
	h->held[h->nheld++].ino = res->ino;
	h->files++;
	res->id = h->nheld;
	return 0;
}

/* File @id is no longer held: its record (and a wide one's) marked so. */
static void forget(struct memlock_holder *h, uint64_t id)
{
	struct hfile *f = &h->held[id - 1];

	if (f->wide) {
		h->wide[f->at] = (struct hwide){ .first = (uint32_t)h->wide_free };
		h->wide_free = f->at + 1;
	}
	f->wide = 0;
	f->at = 0;
	h->files--;
}

int memlock_holder_remove(struct memlock_holder *h, uint64_t id)
{
	struct hwide w;
	int rc = 0;

	if (h == NULL)
		return mlk_err(-EINVAL);
	if (!unpack(h, id, &w))
		return mlk_err(-ENOENT);
	if (w.shard) {
		rc = mlk_spread_remove(h, w.shard, w.first, w.nmaps);
		h->shard_maps -= w.nmaps;
	} else {
		mlk_unmap_range(h, w.first, w.nmaps);
	}
	h->used -= w.pages * h->page;
	forget(h, id);
	return mlk_err(rc);
}

int memlock_holder_get(const struct memlock_holder *h, uint64_t id, struct memlock_hold_result *out)
{
	struct memlock_hold_result r = { .sz = sizeof(r) };
	struct hwide w;

	if (h == NULL || mlk_out_check(out, MLK_SZ_HOLD_RESULT) < 0)
		return mlk_err(-EINVAL);
	if (!unpack(h, id, &w))
		return mlk_err(-ENOENT);
	r.size = w.size;
	r.data = r.locked = w.pages * h->page;
	r.maps = w.nmaps;
	r.id = id;
	r.dev = h->devs[w.dev];
	r.ino = h->held[id - 1].ino;
	mlk_out_copy(out, &r, sizeof(r));
	return 0;
}

int memlock_holder_next(const struct memlock_holder *h, uint64_t *cursor,
			struct memlock_hold_result *res)
{
	if (h == NULL || cursor == NULL || mlk_out_check(res, MLK_SZ_HOLD_RESULT) < 0)
		return mlk_err(-EINVAL);
	/* ids are indexes + 1 of a table that only grows: past the cursor is
	 * past every file returned so far, whatever came and went since */
	for (uint64_t id = *cursor + 1; id <= h->nheld && id > *cursor; id++) {
		const struct hfile *f = &h->held[id - 1];

		if (!f->wide && f->pages == 0)
			continue;
		*cursor = id;
		return memlock_holder_get(h, id, res);
	}
	*cursor = h->nheld > *cursor ? h->nheld : *cursor;
	return 1;
}
