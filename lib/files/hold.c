// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A holder keeps file pages locked in the calling process: each data extent
 * of a file is a read-only shared mapping, locked with mlock(2) (which reads
 * in what is not cached: no page loop, no MAP_POPULATE needed), and never
 * touched, so a file that shrinks costs an error and not a SIGBUS.
 *
 * The holder remembers its mappings, 8 bytes each (struct hmap), and a
 * record per file (held.c); the kernel knows which file each mapping maps
 * (/proc/self/maps), so no path is kept here.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sys.h"
#include "files/files.h"
#include "procfs/procfs.h"

/* mappings left to the rest of the program when the default is taken */
#define MAPS_RESERVE 1024u

static const char *const why_names[] = {
	[MEMLOCK_HOLD_WHY_NONE] = "locked",
	[MEMLOCK_HOLD_WHY_BUDGET] = "the budget is spent",
	[MEMLOCK_HOLD_WHY_LIMIT] = "over RLIMIT_MEMLOCK",
	[MEMLOCK_HOLD_WHY_MAP_COUNT] = "over the holder's share of vm.max_map_count",
	[MEMLOCK_HOLD_WHY_MEMORY] = "the kernel could not lock the pages",
	[MEMLOCK_HOLD_WHY_ERROR] = "error",
	[MEMLOCK_HOLD_WHY_CHANGED] = "the file shrank while it was loading",
	[MEMLOCK_HOLD_WHY_CGROUP] = "no room left in the holder's memory cgroup",
};

const char *memlock_hold_why_name(enum memlock_hold_why why)
{
	return MLK_NAME_OF(why_names, why, "unknown");
}

static int holder_facts(struct memlock_holder *h, const struct memlock_holder_opts *o)
{
	struct memlock_status st = { .sz = sizeof(st) };
	struct memlock_limits lim = { .sz = sizeof(lim) };
	uint64_t max, now;
	int rc;

	rc = memlock_proc_read_status(NULL, 0, &st);
	if (rc == 0)
		rc = memlock_proc_read_limits(NULL, 0, &lim);
	if (rc < 0)
		return rc;
	h->has_cap = memlock_proc_has_cap_ipc_lock(NULL, &st, NULL);
	h->soft = lim.soft;
	h->locked_before = st.vm_lck;
	h->cg_limit = h->cg_room = MEMLOCK_UNLIMITED;
	(void)mlk_read_memcg(0, &h->cg_limit, &h->cg_room);	/* none: no cap */
	h->explicit_budget = o->budget != 0;
	if (o->budget)
		h->budget = o->budget;
	else if (h->has_cap || lim.soft == MEMLOCK_UNLIMITED)
		h->budget = MEMLOCK_UNLIMITED;
	else
		h->budget = lim.soft > st.vm_lck ? lim.soft - st.vm_lck : 0;
	if (o->max_maps) {
		h->max_maps = o->max_maps;
		h->explicit_max_maps = true;
		return 0;
	}
	rc = mlk_read_max_map_count(NULL, &max);
	if (rc == 0)
		rc = mlk_count_maps(NULL, 0, &now);
	if (rc < 0)
		return rc;
	h->max_maps = max > now + MAPS_RESERVE ? max - now - MAPS_RESERVE : 0;
	return 0;
}

struct memlock_holder *memlock_holder_open(const struct memlock_holder_opts *opts)
{
	struct memlock_holder_opts o = { .sz = sizeof(o) };
	struct memlock_holder *h;
	int rc = 0;

	if (opts)
		rc = mlk_opts_get(&o, sizeof(o), opts, MLK_SZ_HOLDER_OPTS);
	if (rc == 0 && (o.flags & ~MEMLOCK_F_SPREAD))
		rc = -EINVAL;
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->page = (uint64_t)sysconf(_SC_PAGESIZE);
	h->page_shift = (unsigned int)__builtin_ctzll(h->page);
	h->addr_bits = MLK_VA_BITS - h->page_shift;
	h->rate = o.rate;
	h->flags = o.flags;
	h->spawner = -1;
	rc = holder_facts(h, &o);
	if (rc < 0) {
		free(h);
		errno = -rc;
		return NULL;
	}
	if (h->flags & MEMLOCK_F_SPREAD)
		mlk_spread_open(h);
	return h;
}

/* mlock(2) @len bytes at @p, in slices that keep the load under the rate;
 * *@done: the bytes locked, also on failure. */
static int lock_paced(struct memlock_holder *h, void *p, size_t len, size_t *done_out)
{
	size_t slice = len, done = 0;

	if (h->rate) {
		slice = (size_t)(h->rate / 20 / h->page * h->page);	/* 50 ms of it */
		if (slice < h->page)
			slice = (size_t)h->page;
		if (h->pace_t0 == 0)
			h->pace_t0 = mlk_now_ns();
	}
	while (done < len) {
		size_t n = len - done < slice ? len - done : slice;

		if (mlk_sys_mlock((char *)p + done, n) < 0) {
			*done_out = done;
			return -errno;
		}
		done += n;
		if (!h->rate)
			continue;
		h->paced += n;
		for (;;) {	/* sleep until the bytes so far fit the rate */
			uint64_t due = h->pace_t0 + h->paced * 1000000000ull / h->rate;
			uint64_t now = mlk_now_ns();
			struct timespec ts;

			if (now >= due)
				break;
			ts.tv_sec = (time_t)((due - now) / 1000000000ull);
			ts.tv_nsec = (long)((due - now) % 1000000000ull);
			nanosleep(&ts, NULL);
		}
	}
	*done_out = done;
	return 0;
}

/* Why the kernel refused to lock @len more bytes. */
static enum memlock_hold_why refused(const struct memlock_holder *h, int err, uint64_t len)
{
	if (err == EPERM)	/* a zero limit without CAP_IPC_LOCK */
		return MEMLOCK_HOLD_WHY_LIMIT;
	if (err == ENOMEM && !h->has_cap && h->soft != MEMLOCK_UNLIMITED &&
	    h->locked_before + h->used + len > h->soft)
		return MEMLOCK_HOLD_WHY_LIMIT;
	if (err == ENOMEM || err == EAGAIN)
		return MEMLOCK_HOLD_WHY_MEMORY;
	return MEMLOCK_HOLD_WHY_ERROR;
}

/* Map and lock one extent, or what of it can be; *@len becomes what was
 * locked. MEMLOCK_HOLD_WHY_NONE, or the reason it was not locked in full.
 * A small file, read at full speed, takes one mmap(MAP_LOCKED), which
 * loads and locks it without the lru_add_drain_all() of every mlock(2);
 * anything bigger is mlock(2)ed, whose errors are not ignored. */
static enum memlock_hold_why hold_extent(struct memlock_holder *h, int fd,
					 const struct mlk_extent *e, size_t *len, bool sparse,
					 int *err)
{
	size_t want = *len, done = 0;
	bool quick = !sparse && !h->rate && want <= MLK_SMALL_FILE;
	void *p = mmap(NULL, want, PROT_READ, MAP_SHARED | (quick ? MAP_LOCKED : 0), fd,
		       (off_t)e->off);
	int rc = 0;

	*len = 0;
	if (p == MAP_FAILED) {
		*err = errno;
		if (quick && (errno == EAGAIN || errno == EPERM))	/* RLIMIT_MEMLOCK */
			return refused(h, errno == EAGAIN ? ENOMEM : EPERM, want);
		return errno == ENOMEM ? MEMLOCK_HOLD_WHY_MAP_COUNT : MEMLOCK_HOLD_WHY_ERROR;
	}
	if (quick) {
		done = want;
	} else {
		if (sparse) {	/* the fault's read-around would read the holes beside it */
			(void)madvise(p, want, MADV_RANDOM);
			(void)posix_fadvise(fd, (off_t)e->off, (off_t)want, POSIX_FADV_WILLNEED);
		}
		rc = lock_paced(h, p, want, &done);
		if (done < want)
			munmap((char *)p + done, want - done);
	}
	if (done && !mlk_hmap_make(h, p, done, &h->maps[h->nmaps])) {
		munmap(p, done);	/* (an address past MLK_VA_BITS) */
		*err = EOVERFLOW;
		return MEMLOCK_HOLD_WHY_ERROR;
	}
	if (done) {
		h->nmaps++;
		h->live_maps++;
		h->used += done;
	}
	*len = done;
	if (rc == 0)
		return MEMLOCK_HOLD_WHY_NONE;
	*err = -rc;
	return refused(h, -rc, want - done);
}

/* Room for @more mappings. A helper's, the first time, for as many as it
 * may make (up to a million): pages not written to cost nothing, where the
 * copies left as the table grew would stay in its heap, which nothing else
 * takes (56 kB of 460 for 35,000 files; the holder's own, by the caller's
 * allocations). */
static int reserve_maps(struct memlock_holder *h, size_t more)
{
	size_t cap = h->cap ? h->cap : 64;
	struct hmap *m;

	if (h->nmaps + more <= h->cap)
		return 0;
	if (h->cap == 0 && h->bare && h->max_maps > cap)
		cap = h->max_maps < (1u << 20) ? (size_t)h->max_maps : 1u << 20;
	while (cap < h->nmaps + more)
		cap *= 2;
	m = realloc(h->maps, cap * sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	h->maps = m;
	h->cap = cap;
	return 0;
}

/* What the memory cgroup has room for, with a default budget (an explicit
 * one is the caller's call). */
uint64_t mlk_cgroup_left(const struct memlock_holder *h)
{
	if (h->explicit_budget || h->cg_room == MEMLOCK_UNLIMITED)
		return UINT64_MAX;
	if (h->cg_room < MLK_CGROUP_MARGIN + h->used)
		return 0;
	return h->cg_room - MLK_CGROUP_MARGIN - h->used;
}

/* Lock what fits of @ext[0..@n) into @res, at most @cap bytes. */
static void hold_extents(struct memlock_holder *h, int fd, const struct mlk_extent *ext,
			 size_t n, bool sparse, uint64_t cap, struct memlock_hold_result *res)
{
	for (size_t i = 0; i < n && res->why == MEMLOCK_HOLD_WHY_NONE; i++) {
		uint64_t left = h->budget == MEMLOCK_UNLIMITED ? UINT64_MAX : h->budget - h->used;
		uint64_t cg = mlk_cgroup_left(h);
		enum memlock_hold_why short_of = MEMLOCK_HOLD_WHY_BUDGET;

		if (left > cap - res->locked)
			left = cap - res->locked;
		if (cg < left) {
			left = cg;
			short_of = MEMLOCK_HOLD_WHY_CGROUP;
		}
		size_t len = (size_t)(ext[i].len < left ? ext[i].len : left / h->page * h->page);

		if (len == 0) {
			res->why = short_of;
			break;
		}
		res->why = hold_extent(h, fd, &ext[i], &len, sparse, &res->err);
		res->locked += len;
		res->maps += len > 0;
		if (res->why == MEMLOCK_HOLD_WHY_NONE && len < ext[i].len)
			res->why = short_of;
	}
}

/* After a failure: a file that shrank while it loaded says so. */
static void changed_meanwhile(int fd, struct memlock_hold_result *res)
{
	struct stat st;

	if ((res->why == MEMLOCK_HOLD_WHY_MEMORY || res->why == MEMLOCK_HOLD_WHY_ERROR) &&
	    fstat(fd, &st) == 0 && (uint64_t)st.st_size < res->size) {
		res->why = MEMLOCK_HOLD_WHY_CHANGED;
		res->size = (uint64_t)st.st_size;
	}
}

/* Extents longer than a mapping can be cut in pieces that are not: in
 * place, or in a new array into *@ext (the old one freed). */
static int split_long(const struct memlock_holder *h, struct mlk_extent **ext, size_t *n)
{
	uint64_t max = mlk_hmap_max(h);
	size_t more = 0, k = 0;
	struct mlk_extent *v;

	for (size_t i = 0; i < *n; i++)
		more += (size_t)(((*ext)[i].len - 1) / max);
	if (more == 0)
		return 0;
	v = malloc((*n + more) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		for (uint64_t off = 0; off < (*ext)[i].len; off += max) {
			uint64_t left = (*ext)[i].len - off;

			v[k++] = (struct mlk_extent){ (*ext)[i].off + off, left < max ? left : max };
		}
	free(*ext);
	*ext = v;
	*n = k;
	return 0;
}

uint64_t mlk_unmap_range(struct memlock_holder *h, uint64_t first, uint64_t n)
{
	uint64_t bytes = 0;

	for (uint64_t i = first; i < first + n; i++) {
		if (h->maps[i].v == 0)
			continue;
		munmap(mlk_hmap_addr(h, h->maps[i]), mlk_hmap_len(h, h->maps[i]));
		bytes += mlk_hmap_len(h, h->maps[i]);
		h->maps[i].v = 0;
		h->live_maps--;
	}
	return bytes;
}

int mlk_unmap_file(struct memlock_holder *h, uint64_t id, uint64_t nmaps)
{
	if (id == 0 || id > h->nmaps || nmaps > h->nmaps - (id - 1))
		return -ENOENT;
	h->used -= mlk_unmap_range(h, id - 1, nmaps);
	return 0;
}

int mlk_hold_local(struct memlock_holder *h, int fd, const struct stat *known, uint64_t cap,
		   struct memlock_hold_result *res)
{
	struct mlk_extent *ext;
	struct stat st;
	bool sparse;
	size_t n;
	int rc;

	if (known)
		st = *known;
	else if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	res->sz = sizeof(*res);
	res->size = (uint64_t)st.st_size;
	rc = mlk_data_extents(fd, &st, h->page, &ext, &n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		res->data += ext[i].len;
	sparse = n > 1 || (n == 1 && (ext[0].off || ext[0].len < res->size));
	rc = split_long(h, &ext, &n);
	if (rc == 0 && n > h->max_maps - (h->live_maps < h->max_maps ? h->live_maps : h->max_maps))
		res->why = MEMLOCK_HOLD_WHY_MAP_COUNT;
	else if (rc == 0 && (rc = reserve_maps(h, n)) == 0)
		hold_extents(h, fd, ext, n, sparse, cap, res);
	free(ext);
	if (rc < 0)
		return rc;
	changed_meanwhile(fd, res);
	res->dev = st.st_dev;
	res->ino = st.st_ino;
	if (res->locked && h->bare)	/* the holder keeps the record */
		res->id = h->nmaps - res->maps + 1;
	else if (res->locked)
		rc = mlk_held_add(h, h->nmaps - res->maps, 0, res);
	if (rc < 0) {	/* cannot remember it: let it go */
		mlk_unmap_range(h, h->nmaps - res->maps, res->maps);
		h->used -= res->locked;
		return rc;
	}
	res->state = res->locked == res->data ? MEMLOCK_HOLD_LOCKED
		   : res->locked ? MEMLOCK_HOLD_PARTIAL : MEMLOCK_HOLD_NOT_LOCKED;
	return 0;
}

int memlock_holder_totals(const struct memlock_holder *h, struct memlock_holder_totals *out)
{
	struct memlock_holder_totals ours = { .sz = sizeof(ours) }, *t = &ours;

	if (h == NULL || mlk_out_check(out, MLK_SZ_HOLDER_TOTALS) < 0)
		return mlk_err(-EINVAL);
	t->files = h->files;
	t->locked = h->used;
	t->budget = h->budget;
	t->maps = h->live_maps;
	t->max_maps = h->max_maps;
	t->helpers = h->nshards;
	t->helper_maps = h->shard_maps;
	t->cgroup_limit = h->cg_limit;
	t->cgroup_room = h->cg_room;
	mlk_out_copy(out, t, sizeof(*t));
	return 0;
}

void memlock_holder_close(struct memlock_holder *h)
{
	if (h == NULL)
		return;
	mlk_spread_close(h);
	mlk_unmap_range(h, 0, h->nmaps);
	free(h->maps);
	free(h->held);
	free(h->wide);
	free(h->devs);
	free(h);
}
