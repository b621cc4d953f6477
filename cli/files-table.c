// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table of the files a holder follows, small enough for a million of
 * them: the entries in one array (16 bytes each), each path stored as its
 * directory (once per directory, with its trailing slash) and its name (in
 * an arena of names), and an index by path: open addressing of 4-byte
 * slots, linear probing. An entry holds no copy of what the library keeps
 * of a held file (its device, inode and locked bytes: memlock_holder_get()).
 * A removed entry's slot is used again; the names of removed entries are
 * dropped from the arena when they are more than half of it.
 */
#include <limits.h>

#include "cli.h"
#include "files.h"

#define NO_ENTRY UINT32_MAX

/* @p with room for @need; NULL (and @p as it was) when memory is short */
static void *grow(void *p, size_t *cap, size_t need, size_t each)
{
	size_t n = *cap ? *cap : 64;

	if (need <= *cap)
		return p;
	while (n < need)
		n = n / 2 * 3;	/* 1.5x: a table of a million is copied less wastefully */
	p = realloc(p, n * each);
	if (p != NULL)
		*cap = n;
	return p;
}

static uint32_t hash_bytes(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)	/* FNV-1a */
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The hash of the path @dir + @name (the directory's index: its own key). */
static uint32_t hash_path(uint32_t dir, const char *name, size_t n)
{
	return hash_bytes(2166136261u ^ dir * 0x9e3779b9u, name, n);
}

static const char *name_of(const struct follow_table *t, const struct held_entry *e)
{
	return t->names + e->name;
}

/* Directories: the index of @dir (the path up to its last slash, @n bytes). */
static uint32_t dir_index(struct follow_table *t, const char *dir, size_t n)
{
	uint32_t h = hash_bytes(2166136261u, dir, n), mask, i;
	char **nd;

	if ((t->ndirs + 1) * 2 > t->dir_slots_n) {	/* rehash at half full */
		size_t ns = t->dir_slots_n ? t->dir_slots_n * 2 : 64;
		uint32_t *s = malloc(ns * sizeof(*s));

		if (s == NULL)
			return NO_ENTRY;
		memset(s, 0xff, ns * sizeof(*s));
		for (uint32_t d = 0; d < t->ndirs; d++) {
			for (i = hash_bytes(2166136261u, t->dirs[d], strlen(t->dirs[d])) & (ns - 1);
			     s[i] != NO_ENTRY; i = (i + 1) & (ns - 1))
				;
			s[i] = d;
		}
		free(t->dir_slots);
		t->dir_slots = s;
		t->dir_slots_n = ns;
	}
	mask = (uint32_t)t->dir_slots_n - 1;
	for (i = h & mask; t->dir_slots[i] != NO_ENTRY; i = (i + 1) & mask) {
		const char *d = t->dirs[t->dir_slots[i]];

		if (strncmp(d, dir, n) == 0 && d[n] == '\0')
			return t->dir_slots[i];
	}
	nd = grow(t->dirs, &t->dirs_cap, t->ndirs + 1, sizeof(*t->dirs));
	if (nd == NULL)
		return NO_ENTRY;
	t->dirs = nd;
	t->dirs[t->ndirs] = strndup(dir, n);
	if (t->dirs[t->ndirs] == NULL)
		return NO_ENTRY;
	t->dir_slots[i] = t->ndirs;
	return t->ndirs++;
}

/* The directory part of @path (up to and with its last slash) and its length. */
static size_t dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path + 1) : 0;
}

/* The index of the entries: any number of slots (it grows by half, so that
 * a million entries take 6 MB of it, not 8), a hash's home slot taken from
 * its high bits by a multiplication, linear probing with wrap-around. */
static inline uint32_t home_of(uint32_t hash, size_t nslots)
{
	return (uint32_t)(((uint64_t)hash * nslots) >> 32);
}

static inline uint32_t next_slot(uint32_t i, size_t nslots)
{
	return i + 1 == nslots ? 0 : i + 1;
}

static uint32_t entry_home(const struct follow_table *t, const struct held_entry *e, size_t ns)
{
	const char *name = name_of(t, e);

	return home_of(hash_path(e->dir, name, strlen(name)), ns);
}

/* The slot of @path's entry, or of the empty slot where it would go; @dir
 * its directory's index. */
static uint32_t find_slot(const struct follow_table *t, const char *path, uint32_t dir)
{
	size_t dn = dir_len(path);
	const char *name = path + dn;
	uint32_t i = home_of(hash_path(dir, name, strlen(name)), t->nslots);

	for (; t->slots[i] != NO_ENTRY; i = next_slot(i, t->nslots)) {
		const struct held_entry *e = &t->ent[t->slots[i]];

		if (e->dir == dir && strcmp(name_of(t, e), name) == 0)
			break;
	}
	return i;
}

static uint32_t dir_find(const struct follow_table *t, const char *path)
{
	size_t n = dir_len(path);
	uint32_t mask, i;

	if (t->dir_slots_n == 0)
		return NO_ENTRY;
	mask = (uint32_t)t->dir_slots_n - 1;
	for (i = hash_bytes(2166136261u, path, n) & mask; t->dir_slots[i] != NO_ENTRY;
	     i = (i + 1) & mask) {
		const char *d = t->dirs[t->dir_slots[i]];

		if (strncmp(d, path, n) == 0 && d[n] == '\0')
			return t->dir_slots[i];
	}
	return NO_ENTRY;
}

struct held_entry *table_find(struct follow_table *t, const char *path)
{
	uint32_t dir = dir_find(t, path), s;

	if (dir == NO_ENTRY || t->nslots == 0)
		return NULL;
	s = find_slot(t, path, dir);
	return t->slots[s] == NO_ENTRY ? NULL : &t->ent[t->slots[s]];
}

static bool rehash(struct follow_table *t, size_t ns)
{
	uint32_t *s = malloc(ns * sizeof(*s));

	if (s == NULL)
		return false;
	memset(s, 0xff, ns * sizeof(*s));
	for (uint32_t k = 0; k < t->nent; k++) {
		const struct held_entry *e = &t->ent[k];
		uint32_t i;

		if (e->dead)
			continue;
		for (i = entry_home(t, e, ns); s[i] != NO_ENTRY; i = next_slot(i, ns))
			;
		s[i] = k;
	}
	free(t->slots);
	t->slots = s;
	t->nslots = ns;
	return true;
}

/* Names of removed entries past half the arena: the arena again without them. */
static void compact_names(struct follow_table *t)
{
	char *n;
	size_t len = 0;

	if (t->names_dead * 2 <= t->names_len)
		return;
	n = malloc(t->names_len - t->names_dead + 1);
	if (n == NULL)
		return;	/* not now */
	for (uint32_t k = 0; k < t->nent; k++) {
		struct held_entry *e = &t->ent[k];
		size_t l;

		if (e->dead)
			continue;
		l = strlen(name_of(t, e)) + 1;
		memcpy(n + len, name_of(t, e), l);
		e->name = (uint32_t)len;
		len += l;
	}
	free(t->names);
	t->names = n;
	t->names_len = t->names_cap = len;
	t->names_dead = 0;
}

struct held_entry *table_add(struct follow_table *t, const char *path)
{
	size_t dn = dir_len(path), nl = strlen(path + dn) + 1;
	uint32_t dir, s, k;
	struct held_entry *e;
	void *g;

	if (t->names_len + nl > UINT32_MAX || t->nent >= UINT32_MAX - 1) {
		errno = E2BIG;	/* too many files to follow */
		return NULL;
	}
	errno = ENOMEM;	/* (what fails below) */
	dir = dir_index(t, path, dn);
	if (dir == NO_ENTRY ||
	    ((t->live + 1) * 4 > t->nslots * 3 &&	/* rehash at three quarters full */
	     !rehash(t, t->nslots ? t->nslots / 2 * 3 : 1024)))
		return NULL;
	if ((g = grow(t->names, &t->names_cap, t->names_len + nl, 1)) == NULL)
		return NULL;
	t->names = g;
	if (t->free_head == NO_ENTRY) {
		if ((g = grow(t->ent, &t->ent_cap, t->nent + 1, sizeof(*t->ent))) == NULL)
			return NULL;
		t->ent = g;
	}
	memcpy(t->names + t->names_len, path + dn, nl);
	if (t->free_head != NO_ENTRY) {	/* a removed entry's place */
		k = t->free_head;
		t->free_head = t->ent[k].name;
	} else {
		k = (uint32_t)t->nent++;
	}
	e = &t->ent[k];
	*e = (struct held_entry){ .dir = dir, .name = (uint32_t)t->names_len };
	t->names_len += nl;
	s = find_slot(t, path, dir);
	t->slots[s] = k;
	t->live++;
	return e;
}

void table_remove(struct follow_table *t, struct held_entry *e)
{
	uint32_t k = (uint32_t)(e - t->ent), i, j;
	size_t n = t->nslots;

	for (i = entry_home(t, e, n); t->slots[i] != k; i = next_slot(i, n))
		;
	for (j = next_slot(i, n); t->slots[j] != NO_ENTRY; j = next_slot(j, n)) {
		/* backward shift: an entry whose home is not in (i, j] moves up
		 * to the hole */
		uint32_t home = entry_home(t, &t->ent[t->slots[j]], n);
		size_t from_home = (j + n - home) % n, from_hole = (j + n - i) % n;

		if (from_home >= from_hole) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i] = NO_ENTRY;
	t->names_dead += strlen(name_of(t, e)) + 1;
	e->dead = true;
	e->name = t->free_head;
	t->free_head = k;
	t->live--;
	compact_names(t);
}

const char *entry_path(const struct follow_table *t, const struct held_entry *e, char *buf)
{
	snprintf(buf, ENTRY_PATH_MAX, "%s%s", t->dirs[e->dir], name_of(t, e));
	return buf;
}

/* strcmp() of the paths of two entries, without building them. */
int table_cmp(const struct follow_table *t, const struct held_entry *a, const struct held_entry *b)
{
	const char *pa[2] = { t->dirs[a->dir], name_of(t, a) };
	const char *pb[2] = { t->dirs[b->dir], name_of(t, b) };
	const unsigned char *x = (const unsigned char *)pa[0], *y = (const unsigned char *)pb[0];
	int ia = 0, ib = 0;

	for (;;) {
		if (*x == '\0' && ia == 0)
			x = (const unsigned char *)pa[++ia];
		if (*y == '\0' && ib == 0)
			y = (const unsigned char *)pb[++ib];
		if (*x != *y || *x == '\0')
			return (int)*x - (int)*y;
		x++;
		y++;
	}
}

void table_init(struct follow_table *t)
{
	memset(t, 0, sizeof(*t));
	t->free_head = NO_ENTRY;
}

void table_free(struct follow_table *t)
{
	for (uint32_t d = 0; d < t->ndirs; d++)
		free(t->dirs[d]);
	free(t->dirs);
	free(t->dir_slots);
	free(t->slots);
	free(t->ent);
	free(t->names);
	table_init(t);
}
