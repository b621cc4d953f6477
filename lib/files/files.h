/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/files: file pages - residency, walks of file trees. */
#ifndef MLK_FILES_H
#define MLK_FILES_H

#include <stdlib.h>
#include <sys/stat.h>

#include "core/core.h"

/* cachestat(2), Linux 6.5: the same number on every architecture (the
 * generic syscall table), absent from Debian 12's 6.1 headers */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

/* extents.c: a file's data extents, page-aligned and merged */
struct mlk_extent {
	uint64_t off, len;
};
struct stat;
MLK_HIDDEN int mlk_data_extents(int fd, const struct stat *st, uint64_t page,
				struct mlk_extent **out, size_t *n);

/* hold.c, spread.c: a holder, its mappings and its helper processes */
#define MLK_SMALL_FILE (64u * 1024)	/* locked by mmap(MAP_LOCKED) alone */
#define MLK_CGROUP_MARGIN (8ull << 20)	/* left in the memory cgroup for the holder itself */
/* A mapping, 8 bytes (a helper holds 65,530 of them): its address and its
 * length, both in pages, packed in one word: the page number in the low
 * @addr_bits bits, the length above it; 0: unmapped. @addr_bits is
 * MLK_VA_BITS less the page shift, chosen when the holder opens: 44 bits
 * with 4 KiB pages, 40 with 64 KiB ones, which leaves 20 and 24 bits of
 * length (a mapping of 4 GiB less a page, 1 TiB less one); a longer extent
 * is mapped as several mappings. */
#define MLK_VA_BITS 56	/* the widest user address space Linux gives (x86-64 with
			 * 5-level paging, riscv64 sv57; arm64: 52), where
			 * mmap(NULL) stays below 2^47 or 2^48 anyway; a mapping
			 * that does not fit is refused (EOVERFLOW), never cut */
struct hmap {
	uint64_t v;
};

/* A file a holder holds, 16 bytes (a million of them: 16 MB): its inode,
 * and in @bits, for a file of less than 1 MiB locked in full in one
 * mapping (a million small files: all of them), its size; its mapping,
 * maps[first] here or file @first of helper @shard - 1; and its device as
 * an index in the holder's @devs (held.c has the fields: 20, 25, 10 and 8
 * bits). Any other file (bigger, sparse, in part, in several mappings,
 * past the 33,554,431st mapping of a process, the 1,023rd helper or the
 * 255th device) is wide: bit 0 set, its numbers in the holder's
 * @wide[@bits >> 1], 32 bytes more - nothing beside the pages it locks.
 * Removed: @bits 0. */
struct hfile {
	uint64_t ino;
	uint64_t bits;
};
_Static_assert(sizeof(struct hfile) == 16, "a held file's record is 16 bytes");
_Static_assert(sizeof(struct hmap) == 8, "a mapping is 8 bytes");

/* The numbers of a held file in full: a wide one's record; removed ones
 * are chained by @first from the holder's @wide_free (@nmaps 0). */
struct hwide {
	uint64_t size, pages;
	uint32_t first, nmaps, dev, shard;
};

struct mlk_shard {
	pid_t pid;
	int sock;
	bool dead;	/* its socket closed on us: the next batch goes to a new one */
};

struct memlock_holder {
	uint64_t budget, used, files, max_maps, page;
	uint64_t rate, paced, pace_t0;	/* bytes loaded since pace_t0 (ns) */
	uint64_t soft, locked_before;	/* RLIMIT_MEMLOCK, VmLck at open */
	uint64_t cg_limit, cg_room;	/* the memory cgroup's limit and room at open;
					 * cg_room caps a default budget */
	bool has_cap, explicit_budget, explicit_max_maps;
	bool bare;			/* a helper's: no file records (the holder keeps
					 * them); a file's id is 1 + its first mapping's
					 * index, released by mlk_unmap_file() */
	unsigned int flags;
	unsigned int page_shift, addr_bits;	/* struct hmap's fields */
	struct hmap *maps;
	size_t nmaps, cap, live_maps;	/* entries (unmapped ones: 0), mapped */
	struct hfile *held;
	size_t nheld, held_cap;		/* file ids are 1 + indexes of @held */
	struct hwide *wide;		/* the records of the wide files */
	size_t nwide, wide_cap, wide_free;	/* wide_free: 1 + a removed one, or 0 */
	uint64_t *devs;			/* the devices of the files held */
	size_t ndevs;
	struct mlk_shard *shards;	/* MEMLOCK_F_SPREAD: helper processes */
	size_t nshards;
	int spawner;			/* the process that forks them, -1 */
	pid_t spawner_pid;
	uint64_t shard_maps;
};

/* A mapping of @len bytes at @addr; false if it does not fit (an address
 * past MLK_VA_BITS, a length past mlk_hmap_max(), or not in whole pages). */
static inline bool mlk_hmap_make(const struct memlock_holder *h, const void *addr, uint64_t len,
				 struct hmap *m)
{
	uint64_t pn = (uint64_t)(uintptr_t)addr >> h->page_shift, np = len >> h->page_shift;
	uint64_t mask = (1ull << h->addr_bits) - 1;

	if (pn > mask || np == 0 || np > (UINT64_MAX >> h->addr_bits) ||
	    (((uintptr_t)addr | len) & ((1ull << h->page_shift) - 1)))
		return false;
	m->v = pn | np << h->addr_bits;
	return true;
}

static inline void *mlk_hmap_addr(const struct memlock_holder *h, struct hmap m)
{
	return (void *)(uintptr_t)((m.v & ((1ull << h->addr_bits) - 1)) << h->page_shift);
}

static inline size_t mlk_hmap_len(const struct memlock_holder *h, struct hmap m)
{
	return (size_t)((m.v >> h->addr_bits) << h->page_shift);
}

/* The longest mapping a struct hmap can say. */
static inline uint64_t mlk_hmap_max(const struct memlock_holder *h)
{
	return (UINT64_MAX >> h->addr_bits) << h->page_shift;
}

/* What a default budget may still lock within the memory cgroup's room. */
MLK_HIDDEN uint64_t mlk_cgroup_left(const struct memlock_holder *h);
/* Hold what fits of @fd in this process, at most @cap more bytes; @known:
 * its stat (size, blocks, mode, dev, ino) when the caller has it, or NULL. */
MLK_HIDDEN int mlk_hold_local(struct memlock_holder *h, int fd, const struct stat *known,
			      uint64_t cap, struct memlock_hold_result *res);
/* Hold @fds[0..@n) in helper processes (the last one, or a new one when it
 * is full or gone), in batches: each file's result in @res[i], @rc[i]. */
MLK_HIDDEN void mlk_spread_add_many(struct memlock_holder *h, const int *fds, size_t n,
				    struct memlock_hold_result *res, int *rc);
/* Release file @id (its @nmaps mappings) of helper @shard (1-based). */
MLK_HIDDEN int mlk_spread_remove(struct memlock_holder *h, uint32_t shard, uint64_t id,
				 uint32_t nmaps);
/* Unmap maps[@first..@first+@n): the bytes they held. */
MLK_HIDDEN uint64_t mlk_unmap_range(struct memlock_holder *h, uint64_t first, uint64_t n);
/* A bare holder's file @id: unmap its @nmaps mappings; -ENOENT. */
MLK_HIDDEN int mlk_unmap_file(struct memlock_holder *h, uint64_t id, uint64_t nmaps);
/* held.c: remember a file @res holds (its id into @res->id); -ENOMEM. */
MLK_HIDDEN int mlk_held_add(struct memlock_holder *h, uint64_t first, uint32_t shard,
			    struct memlock_hold_result *res);
/* File @id's numbers into @w; false when it is not held. */
MLK_HIDDEN bool mlk_held_numbers(const struct memlock_holder *h, uint64_t id, struct hwide *w);
/* MEMLOCK_F_SPREAD: start the process that forks the helpers (best effort). */
MLK_HIDDEN void mlk_spread_open(struct memlock_holder *h);
MLK_HIDDEN void mlk_spread_close(struct memlock_holder *h);

#endif /* MLK_FILES_H */
