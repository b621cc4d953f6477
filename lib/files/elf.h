/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/files: ELF dynamic sections, ld.so.cache, and the needs iterators built on them. */
#ifndef MLK_ELF_H
#define MLK_ELF_H

#include <elf.h>
#include <stdlib.h>

#include "core/core.h"

#define MLK_SZ_NEED	mlk_offsetofend(struct memlock_need, err)
#define MLK_NEEDS_MAX	16384u		/* files one iterator gives at most */
#define MLK_ELF_STR_MAX	4096u		/* a DT_NEEDED, rpath or PT_INTERP string */

/* Where an ELF file is read from: a file (@fd) or bytes (@buf, fuzzing). */
struct mlk_src {
	int fd;
	const unsigned char *buf;
	uint64_t size;
};

/* What ld.so reads of an ELF file. Strings are NULL when absent; @rpath is
 * NULL when there is a DT_RUNPATH (ld.so ignores DT_RPATH then). */
struct mlk_elf {
	unsigned char cls, data;	/* ELFCLASS32/64, ELFDATA2LSB/MSB */
	uint16_t type, machine;
	uint32_t eflags;
	char *interp, *soname, *rpath, *runpath;
	char **needed;
	size_t nneeded;
	uint64_t flags_1;		/* DT_FLAGS_1 */
};

/* elf.c: 0, -ENOEXEC (not ELF, truncated, corrupt, beyond our bounds),
 * -ENOMEM, -EIO. @e is left empty on failure. */
MLK_HIDDEN int mlk_elf_read(const struct mlk_src *src, struct mlk_elf *e);
MLK_HIDDEN void mlk_elf_free(struct mlk_elf *e);
/* ld.so.cache flags of a library for @e's class and machine (0: unknown) */
MLK_HIDDEN uint32_t mlk_elf_cache_flags(const struct mlk_elf *e);
/* "x86_64-linux-gnu"..., NULL when unknown */
MLK_HIDDEN const char *mlk_elf_triplet(const struct mlk_elf *e);
/* AT_PLATFORM as the kernel gives it, NULL when unknown */
MLK_HIDDEN const char *mlk_elf_platform(const struct mlk_elf *e);

/* elf-cache.c: /etc/ld.so.cache, the "glibc-ld.so.cache1.1" format */
struct mlk_ldcache {
	unsigned char *buf;	/* owned */
	size_t len;
	size_t base;		/* offset of the new format's header */
	uint32_t nlibs;
	bool big_endian;
};
/* Parse @buf (@len bytes, taken over: freed by mlk_ldcache_free, also on
 * failure). 0 or -ENOEXEC. */
MLK_HIDDEN int mlk_ldcache_parse(struct mlk_ldcache *c, unsigned char *buf, size_t len);
/* The path the cache gives for @name with @flags, NULL when none. */
MLK_HIDDEN const char *mlk_ldcache_find(const struct mlk_ldcache *c, const char *name,
					uint32_t flags);
MLK_HIDDEN void mlk_ldcache_free(struct mlk_ldcache *c);

/* needs.c: the iterators (the closure; needs-pid.c: a process's files) */
#define MLK_PATH_BUF	(2 * MLK_ELF_STR_MAX + 64)
struct mlk_needs_obj {
	char *path;		/* as the loader names it, inside the root */
	char *origin;		/* $ORIGIN */
	char **names;		/* the DT_NEEDED names that led to it */
	size_t nnames;
	struct mlk_elf elf;
	uint64_t dev, ino;
	size_t loader;		/* the object that needed it; SIZE_MAX: none */
	int depth;
};
struct mlk_needs_pid;
struct mlk_seen {		/* a set of files by device and inode */
	uint64_t *keys;		/* dev, ino pairs; 0, 0 is a free slot */
	size_t n, cap;		/* pairs used, slots (a power of 2) */
};
struct memlock_needs {
	int rootfd;			/* -1 for "/" */
	char *rootpath;			/* the root's real path ("" for "/") */
	struct mlk_seen seen;
	size_t given;			/* files given so far */
	/* the closure */
	struct mlk_needs_obj *objs;
	size_t nobjs, cap, cur, cur_needed;
	int stage;
	struct mlk_ldcache cache;
	int cache_err;			/* 1: not read yet */
	char **missing;
	size_t nmissing;
	char *scratch;			/* a candidate path */
	/* a process */
	struct mlk_needs_pid *pid;
};

MLK_HIDDEN bool mlk_seen_add(struct mlk_seen *s, uint64_t dev, uint64_t ino, int *err);
MLK_HIDDEN void mlk_seen_free(struct mlk_seen *s);
/* open @path (inside @it's root) with @oflags */
MLK_HIDDEN int mlk_needs_openat(const struct memlock_needs *it, const char *path, int oflags);
MLK_HIDDEN struct memlock_needs *mlk_needs_new(const char *root, unsigned int flags);
/* Open @path and read it as an ELF file, into @o: 0 or -errno (-ENOEXEC,
 * -EISDIR...). */
MLK_HIDDEN int mlk_needs_load(struct memlock_needs *it, const char *path,
			      struct mlk_needs_obj *o);
MLK_HIDDEN void mlk_needs_obj_free(struct mlk_needs_obj *o);

/* needs-search.c: ld.so's search for @name, needed by object @oi */
struct mlk_search {
	const char *name;
	struct mlk_needs_obj found;
	int err;		/* ENOENT, or ENOEXEC once a file was passed over */
};
/* 0 with @s->found, 1 when not found (@s->err says why), -ENOMEM */
MLK_HIDDEN int mlk_needs_search(struct memlock_needs *it, size_t oi, struct mlk_search *s);
/* @n (checked by the caller) filled, the library's rules for a sized struct */
MLK_HIDDEN void mlk_needs_fill(struct memlock_need *n, enum memlock_need_kind kind,
			       const char *path, const char *name, const char *from,
			       int depth, int err);
MLK_HIDDEN int mlk_needs_pid_next(struct memlock_needs *it, struct memlock_need *n);
MLK_HIDDEN void mlk_needs_pid_free(struct mlk_needs_pid *p);

#endif /* MLK_ELF_H */
