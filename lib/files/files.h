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
struct hmap {
	void *addr;
	size_t len;
};

/* A file a holder holds, 32 bytes (a million of them: 32 MB): its mappings
 * maps[first..first+nmaps) here, or file @first of helper @shard - 1; its
 * device as an index in the holder's @devs, its locked bytes in pages.
 * Removed: pages 0 and nmaps 0. */
struct hfile {
	uint64_t ino, size;
	uint32_t pages, first, nmaps;
	uint16_t dev, shard;
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
	struct hmap *maps;
	size_t nmaps, cap, live_maps;	/* entries (unmapped ones: addr NULL), mapped */
	struct hfile *held;
	size_t nheld, held_cap;		/* file ids are 1 + indexes of @held */
	uint64_t *devs;			/* the devices of the files held */
	size_t ndevs;
	struct mlk_shard *shards;	/* MEMLOCK_F_SPREAD: helper processes */
	size_t nshards;
	int spawner;			/* the process that forks them, -1 */
	pid_t spawner_pid;
	uint64_t shard_maps;
};

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
/* A bare holder's file @id: unmap its @nmaps mappings; -ENOENT. */
MLK_HIDDEN int mlk_unmap_file(struct memlock_holder *h, uint64_t id, uint64_t nmaps);
/* Remember a file @res holds (its id into @res->id); -ENOMEM. */
MLK_HIDDEN int mlk_held_add(struct memlock_holder *h, uint64_t first, uint32_t shard,
			    struct memlock_hold_result *res);
/* MEMLOCK_F_SPREAD: start the process that forks the helpers (best effort). */
MLK_HIDDEN void mlk_spread_open(struct memlock_holder *h);
MLK_HIDDEN void mlk_spread_close(struct memlock_holder *h);

#endif /* MLK_FILES_H */
