// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Walks of file trees, for residency reports and for locking: physical
 * (symbolic links followed for operands only), one open directory per
 * level, loops told by (st_dev, st_ino) of the directories above, and hard
 * links given once. Of the files with several links only those whose other
 * names are still to come are remembered, so a walk of a million files holds
 * no table of a million entries.
 */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files/files.h"

struct level {
	DIR *dir;
	dev_t dev;
	ino_t ino;
	size_t pathlen;		/* the path's length with this directory's name */
};

struct link_seen {
	dev_t dev;
	ino_t ino;
	nlink_t left;		/* names of it not seen yet */
};

struct memlock_files {
	const char *const *paths;
	size_t n, next;
	struct memlock_walk_opts opts;
	struct level *stack;
	size_t depth, cap;
	char *path;
	size_t pathcap;
	dev_t root_dev;
	int fd;			/* the file given last, closed by the next call */
	int pending;		/* a directory given last, walked by the next call */
	struct stat pending_st;
	void *links;		/* tsearch(3) tree of struct link_seen */
};

static const char *const skip_names[] = {
	[MEMLOCK_SKIP_NONE] = "not skipped",
	[MEMLOCK_SKIP_NOT_REGULAR] = "not a regular file",
	[MEMLOCK_SKIP_SYMLINK] = "a symbolic link (not followed)",
	[MEMLOCK_SKIP_HARDLINK] = "a hard link of a file already counted",
	[MEMLOCK_SKIP_OTHER_FS] = "on another file system",
	[MEMLOCK_SKIP_LOOP] = "a directory that contains itself",
	[MEMLOCK_SKIP_DIRECTORY] = "a directory (walk it recursively)",
};

const char *memlock_file_skip_name(enum memlock_file_skip skip)
{
	return MLK_NAME_OF(skip_names, skip, "skipped");
}

static int link_cmp(const void *a, const void *b)
{
	const struct link_seen *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/* Whether another name of this file was given already; remembers it when
 * not, and forgets it once its last name has been seen. */
static int link_seen_before(struct memlock_files *w, const struct stat *st, bool *seen)
{
	struct link_seen key = { st->st_dev, st->st_ino, 0 }, *e, **slot;

	*seen = false;
	if (st->st_nlink < 2)
		return 0;
	slot = tfind(&key, &w->links, link_cmp);
	if (slot) {
		e = *slot;
		*seen = true;
		if (--e->left == 0) {
			tdelete(e, &w->links, link_cmp);
			free(e);
		}
		return 0;
	}
	e = malloc(sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	*e = key;
	e->left = st->st_nlink - 1;
	if (tsearch(e, &w->links, link_cmp) == NULL) {
		free(e);
		return -ENOMEM;
	}
	return 0;
}

static bool matches_any(const char *const *pats, const char *name)
{
	for (; pats && *pats; pats++)
		if (fnmatch(*pats, name, 0) == 0)
			return true;
	return false;
}

/* Make the path @len bytes of what it was plus "/" @name (or @name alone
 * at depth 0). */
static int path_set(struct memlock_files *w, size_t len, const char *name)
{
	size_t nl = strlen(name), need = len + 1 + nl + 1;

	if (need > w->pathcap) {
		char *p = realloc(w->path, need * 2);

		if (p == NULL)
			return -ENOMEM;
		w->path = p;
		w->pathcap = need * 2;
	}
	if (len && w->path[len - 1] != '/')
		w->path[len++] = '/';
	memcpy(w->path + len, name, nl + 1);
	return 0;
}

static void fill_stat(struct memlock_file *f, const struct stat *st)
{
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = (uint64_t)st->st_size;
	f->mode = st->st_mode;
	f->nlink = (uint32_t)st->st_nlink;
	f->blocks = (uint64_t)st->st_blocks;
}

static bool is_loop(const struct memlock_files *w, const struct stat *st)
{
	for (size_t i = 0; i < w->depth; i++)
		if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino)
			return true;
	return false;
}

/* Open the regular file @name of directory @dirfd, never blocking (a FIFO
 * put in its place is opened O_NONBLOCK and given back as skipped); 1 when
 * a filter leaves it out. */
static int give_regular(struct memlock_files *w, int dirfd, const char *name,
			struct memlock_file *f)
{
	struct stat st;
	bool seen;
	int rc, fd;

	fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
			(f->operand ? 0 : O_NOFOLLOW));
	if (fd < 0 || fstat(fd, &st) < 0) {
		f->kind = MEMLOCK_FILE_ERROR;
		f->err = errno;
		if (fd >= 0)
			close(fd);
		return 0;
	}
	fill_stat(f, &st);
	f->kind = MEMLOCK_FILE_SKIPPED;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		f->skip = MEMLOCK_SKIP_NOT_REGULAR;
		return 0;
	}
	if (!f->operand && w->opts.max_size && (uint64_t)st.st_size > w->opts.max_size) {
		close(fd);
		return 1;
	}
	rc = link_seen_before(w, &st, &seen);
	if (rc < 0 || seen) {
		close(fd);
		f->skip = MEMLOCK_SKIP_HARDLINK;
		return rc;
	}
	f->fd = fd;
	if (!(w->opts.flags & MEMLOCK_WALK_KEEP_FD))
		w->fd = fd;	/* closed by the next call */
	f->kind = MEMLOCK_FILE_REGULAR;
	return 0;
}

/* A regular file by its name: the name filters, then open it. */
static int regular_by_name(struct memlock_files *w, int dirfd, const char *name,
			   struct memlock_file *f)
{
	if (!f->operand && (matches_any(w->opts.exclude, name) ||
			    (w->opts.include && !matches_any(w->opts.include, name))))
		return 1;
	return give_regular(w, dirfd, name, f);
}

static void give_directory(struct memlock_files *w, int dirfd, const char *name,
			   const struct stat *st, struct memlock_file *f)
{
	int fd;

	f->kind = MEMLOCK_FILE_SKIPPED;
	if (!(w->opts.flags & MEMLOCK_WALK_RECURSIVE)) {
		f->skip = MEMLOCK_SKIP_DIRECTORY;
		return;
	}
	if ((w->opts.flags & MEMLOCK_WALK_ONE_FS) && st->st_dev != w->root_dev) {
		f->skip = MEMLOCK_SKIP_OTHER_FS;
		return;
	}
	if (is_loop(w, st)) {
		f->skip = MEMLOCK_SKIP_LOOP;
		return;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
			(f->operand ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		f->kind = MEMLOCK_FILE_ERROR;
		f->err = errno;
		return;
	}
	f->kind = MEMLOCK_FILE_DIRECTORY;
	w->pending = fd;
	w->pending_st = *st;
}

/* What @name of @dirfd is; 1 when it is left out (a filter), silently. */
static int classify(struct memlock_files *w, int dirfd, const char *name,
		    struct memlock_file *f)
{
	struct stat st;
	int flags = f->operand ? 0 : AT_SYMLINK_NOFOLLOW;

	if (fstatat(dirfd, name, &st, flags) < 0) {
		f->kind = MEMLOCK_FILE_ERROR;
		f->err = errno;
		return 0;
	}
	fill_stat(f, &st);
	if (f->operand)
		w->root_dev = st.st_dev;
	if (S_ISDIR(st.st_mode)) {
		if (!f->operand && matches_any(w->opts.exclude, name))
			return 1;
		give_directory(w, dirfd, name, &st, f);
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return regular_by_name(w, dirfd, name, f);
	if (!f->operand && matches_any(w->opts.exclude, name))
		return 1;
	f->kind = MEMLOCK_FILE_SKIPPED;
	f->skip = S_ISLNK(st.st_mode) ? MEMLOCK_SKIP_SYMLINK : MEMLOCK_SKIP_NOT_REGULAR;
	return 0;
}

static int push_pending(struct memlock_files *w)
{
	struct level *l;
	DIR *dir;

	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct level *s = realloc(w->stack, cap * sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		w->stack = s;
		w->cap = cap;
	}
	dir = fdopendir(w->pending);
	if (dir == NULL) {
		int err = errno;

		close(w->pending);
		w->pending = -1;
		return -err;
	}
	l = &w->stack[w->depth++];
	l->dir = dir;
	l->dev = w->pending_st.st_dev;
	l->ino = w->pending_st.st_ino;
	l->pathlen = strlen(w->path);
	w->pending = -1;
	return 0;
}

static void pop(struct memlock_files *w)
{
	closedir(w->stack[--w->depth].dir);
}

/* The next entry of the directory on top; 1 when it is done. */
static int next_in_dir(struct memlock_files *w, struct memlock_file *f)
{
	struct level *l = &w->stack[w->depth - 1];
	struct dirent *d;
	int rc;

	for (;;) {
		errno = 0;
		d = readdir(l->dir);
		if (d == NULL) {
			if (errno) {	/* give the directory back as an error */
				w->path[l->pathlen] = '\0';
				f->kind = MEMLOCK_FILE_ERROR;
				f->err = errno;
				pop(w);
				return 0;
			}
			return 1;
		}
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		rc = path_set(w, l->pathlen, d->d_name);
		if (rc < 0)
			return rc;
		if (d->d_type == DT_REG)	/* no stat before the open */
			rc = regular_by_name(w, dirfd(l->dir), d->d_name, f);
		else
			rc = classify(w, dirfd(l->dir), d->d_name, f);
		if (rc <= 0)
			return rc;
	}
}

static void reset_entry(struct memlock_file *f)
{
	memset(f, 0, sizeof(*f));
	f->sz = sizeof(*f);
	f->fd = -1;
}

static int next(struct memlock_files *w, struct memlock_file *f)
{
	int rc;

	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	reset_entry(f);
	if (w->pending >= 0) {
		rc = push_pending(w);
		if (rc < 0) {	/* the directory just given cannot be read */
			f->kind = MEMLOCK_FILE_ERROR;
			f->err = -rc;
			f->path = w->path;
			return 0;
		}
	}
	while (w->depth) {
		rc = next_in_dir(w, f);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			f->path = w->path;
			return 0;
		}
		pop(w);
		reset_entry(f);
	}
	while (w->next < w->n) {
		const char *p = w->paths[w->next++];

		rc = path_set(w, 0, p);
		if (rc < 0)
			return rc;
		f->operand = true;
		f->path = w->path;
		if (classify(w, AT_FDCWD, p, f) == 0)
			return 0;
	}
	return 1;
}

int memlock_files_next(struct memlock_files *w, struct memlock_file *out)
{
	struct memlock_file f;
	int rc;

	if (w == NULL || mlk_out_check(out, MLK_SZ_FILE) < 0)
		return mlk_err(-EINVAL);
	rc = next(w, &f);
	if (rc == 0)
		mlk_out_copy(out, &f, sizeof(f));
	return mlk_err(rc);
}

struct memlock_files *memlock_files_open(const char *const *paths, size_t n,
					 const struct memlock_walk_opts *opts)
{
	struct memlock_walk_opts o = { .sz = sizeof(o) };
	struct memlock_files *w;
	int rc = 0;

	if (opts)
		rc = mlk_opts_get(&o, sizeof(o), opts, MLK_SZ_WALK_OPTS);
	if (rc == 0 && ((paths == NULL && n) ||
			(o.flags & ~(MEMLOCK_WALK_RECURSIVE | MEMLOCK_WALK_ONE_FS |
				     MEMLOCK_WALK_KEEP_FD))))
		rc = -EINVAL;
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->paths = paths;
	w->n = n;
	w->opts = o;
	w->fd = w->pending = -1;
	return w;
}

void memlock_files_close(struct memlock_files *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->pending >= 0)
		close(w->pending);
	while (w->depth)
		pop(w);
	tdestroy(w->links, free);
	free(w->stack);
	free(w->path);
	free(w);
}
