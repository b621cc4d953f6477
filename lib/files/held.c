// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The records of the files a holder holds, one per file id, 16 bytes each
 * (a million files: 16 MB): what memlock_holder_get() and _next() return,
 * and where the file's mappings are, for memlock_holder_remove(). A small
 * file locked in full in one mapping (a million small files: every one)
 * has its size, its mapping's place and its device in 63 bits; its bytes
 * locked are its size in whole pages. Any other file keeps its numbers in
 * a wide record of its own, 32 bytes more (nothing beside what it locks:
 * 1 MiB at least, or a file with holes or locked in part, which are few).
 */
#include "files/files.h"

/* struct hfile's @bits of a narrow record: bit 0 clear, then these */
#define SIZE_BITS 20	/* the size: less than 1 MiB */
#define FIRST_BITS 25	/* its mapping's index: maps[] here, or the helper's */
#define SHARD_BITS 10	/* 0 (here), or the helper's number */
#define DEV_BITS 8	/* the index of its device in @devs */
#define SIZE_AT 1
#define FIRST_AT (SIZE_AT + SIZE_BITS)
#define SHARD_AT (FIRST_AT + FIRST_BITS)
#define DEV_AT (SHARD_AT + SHARD_BITS)
_Static_assert(DEV_AT + DEV_BITS == 64, "a narrow record's fields fill 63 bits");

#define FIELD_MAX(bits) ((1ull << (bits)) - 1)
#define FIELD(v, at, bits) (((v) >> (at)) & FIELD_MAX(bits))

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

/* @v, an array of *@cap items of @size bytes, @n in use: room for one
 * more, @v or a new one; NULL. */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t nc = *cap ? *cap * 2 : 64;

	if (n < *cap)
		return v;
	v = realloc(v, nc * size);
	if (v)
		*cap = nc;
	return v;
}

/* @w in @f: in its fields, or in a wide record when they cannot say it. */
static int pack(struct memlock_holder *h, const struct hwide *w, struct hfile *f)
{
	size_t at;

	if (w->size && w->size <= FIELD_MAX(SIZE_BITS) && w->nmaps == 1 &&
	    w->pages == (w->size + h->page - 1) / h->page && w->first <= FIELD_MAX(FIRST_BITS) &&
	    w->shard <= FIELD_MAX(SHARD_BITS) && w->dev <= FIELD_MAX(DEV_BITS)) {
		f->bits = w->size << SIZE_AT | (uint64_t)w->first << FIRST_AT |
			  (uint64_t)w->shard << SHARD_AT | (uint64_t)w->dev << DEV_AT;
		return 0;
	}
	if (h->wide_free) {	/* a removed one's */
		at = h->wide_free - 1;
		h->wide_free = h->wide[at].first;
	} else {
		struct hwide *v = grow(h->wide, &h->wide_cap, h->nwide, sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		h->wide = v;
		at = h->nwide++;
	}
	h->wide[at] = *w;
	f->bits = (uint64_t)at << 1 | 1;
	return 0;
}

bool mlk_held_numbers(const struct memlock_holder *h, uint64_t id, struct hwide *w)
{
	uint64_t b = id && id <= h->nheld ? h->held[id - 1].bits : 0;

	if (b & 1) {
		*w = h->wide[b >> 1];
		return true;
	}
	*w = (struct hwide){ .size = FIELD(b, SIZE_AT, SIZE_BITS), .nmaps = 1,
			     .first = (uint32_t)FIELD(b, FIRST_AT, FIRST_BITS),
			     .shard = (uint32_t)FIELD(b, SHARD_AT, SHARD_BITS),
			     .dev = (uint32_t)FIELD(b, DEV_AT, DEV_BITS) };
	w->pages = (w->size + h->page - 1) / h->page;
	return b != 0;
}

int mlk_held_add(struct memlock_holder *h, uint64_t first, uint32_t shard,
		 struct memlock_hold_result *res)
{
	int dev = dev_index(h, res->dev);
	struct hfile *f;
	struct hwide w;
	int rc;

	if (dev < 0)
		return dev;
	if (first > UINT32_MAX || res->locked % h->page || res->locked == 0 ||
	    h->nheld >= UINT32_MAX)
		return -EOVERFLOW;	/* (4 billion mappings or files) */
	f = grow(h->held, &h->held_cap, h->nheld, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	h->held = f;
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

	if (f->bits & 1) {
		h->wide[f->bits >> 1] = (struct hwide){ .first = (uint32_t)h->wide_free };
		h->wide_free = (f->bits >> 1) + 1;
	}
	f->bits = 0;
	h->files--;
}

int memlock_holder_remove(struct memlock_holder *h, uint64_t id)
{
	struct hwide w;
	int rc = 0;

	if (h == NULL)
		return mlk_err(-EINVAL);
	if (!mlk_held_numbers(h, id, &w))
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
	if (!mlk_held_numbers(h, id, &w))
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
		if (h->held[id - 1].bits == 0)
			continue;
		*cursor = id;
		return memlock_holder_get(h, id, res);
	}
	*cursor = h->nheld > *cursor ? h->nheld : *cursor;
	return 1;
}
