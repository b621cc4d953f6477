// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock files --lock -R, while it holds: a file created in (or moved
 * into) a directory of the walk, and a new subdirectory's files, are locked
 * as the walk would have locked them: the include and exclude globs, -x,
 * -m and the budget apply, symbolic links and devices are left alone. Every
 * directory the walk enters is watched, before the walk (so that nothing
 * created meanwhile is missed), files or none; a new directory is watched,
 * then walked. The names come in the follower's batches (100 ms after the
 * last event), each once: a directory of 10,000 new files costs what the
 * first walk of them did, not a walk per event. A caller's adoption hook
 * (memlockd's globs) takes new names in directories no walk entered; a
 * new directory is walked only with -R.
 */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <search.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "output.h"

/* the directories above, for loops (a bind mount inside itself) */
struct above {
	dev_t dev;
	ino_t ino;
	const struct above *up;
};

static bool matches_any(const char *const *pats, const char *name)
{
	for (; pats && *pats; pats++)
		if (fnmatch(*pats, name, 0) == 0)
			return true;
	return false;
}

static char *join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", strcmp(dir, "/") ? dir : "", name) < 0)
		return NULL;
	return p;
}

/* Watch @dir and the directories under it the walk would enter. */
static void watch_walked(struct follow *fw, const char *dir, const struct stat *st, dev_t root,
			 const struct above *up)
{
	const struct above me = { st->st_dev, st->st_ino, up };
	struct dirent *d;
	DIR *dp;

	for (const struct above *a = up; a; a = a->up)
		if (a->dev == st->st_dev && a->ino == st->st_ino)
			return;
	if (((fw->wo.flags & MEMLOCK_WALK_ONE_FS) && st->st_dev != root) ||
	    follow_watch_dir(fw, dir, true) < 0)
		return;
	dp = opendir(dir);
	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		struct stat cst;
		char *sub;

		if ((d->d_type != DT_DIR && d->d_type != DT_UNKNOWN) || !strcmp(d->d_name, ".") ||
		    !strcmp(d->d_name, "..") || matches_any(fw->wo.exclude, d->d_name) ||
		    fstatat(dirfd(dp), d->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(cst.st_mode))
			continue;
		sub = join(dir, d->d_name);
		if (sub == NULL) {
			fw->overflow = true;	/* not all watched: walk again later */
			break;
		}
		watch_walked(fw, sub, &cst, root, &me);
		free(sub);
	}
	closedir(dp);
}

void follow_watch_operand(struct follow *fw, const char *path)
{
	struct stat st;
	char *p;
	size_t n;

	if (fw->ifd < 0 || !(fw->wo.flags & MEMLOCK_WALK_RECURSIVE) || stat(path, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return;
	p = strdup(path);
	if (p == NULL) {
		fw->overflow = true;
		return;
	}
	for (n = strlen(p); n > 1 && p[n - 1] == '/'; n--)	/* as the walk names its files */
		p[n - 1] = '\0';
	watch_walked(fw, p, &st, st.st_dev, NULL);
	free(p);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

void follow_adopt_later(struct follow *fw, const char *path)
{
	char *p = strdup(path), **v;
	void *slot;

	if (p == NULL || (slot = tsearch(p, &fw->new_seen, by_str)) == NULL) {
		free(p);
		fw->overflow = true;	/* a new name lost: walk again */
		return;
	}
	if (*(char **)slot != p) {	/* named already in this batch */
		free(p);
		return;
	}
	if (fw->nnew == fw->new_cap) {
		size_t cap = fw->new_cap ? fw->new_cap * 2 : 64;

		v = realloc(fw->new_paths, cap * sizeof(*v));
		if (v == NULL) {
			tdelete(p, &fw->new_seen, by_str);
			free(p);
			fw->overflow = true;
			return;
		}
		fw->new_paths = v;
		fw->new_cap = cap;
	}
	fw->new_paths[fw->nnew++] = p;
}

struct adopted {
	unsigned int files;
	uint64_t locked;
};

/* Lock the regular file @fd found at @path, unless it is held already. */
static bool adopt_fd(struct follow *fw, const char *path, int fd, const struct stat *st,
		     struct adopted *a)
{
	struct memlock_hold_result r = { .sz = sizeof(r) }, now;
	struct held_entry *e = follow_lookup(fw, path);
	char x[32], y[32];
	int rc;

	if (e && entry_held(fw, e, &now) == 0 && now.dev == (uint64_t)st->st_dev &&
	    now.ino == (uint64_t)st->st_ino)
		return false;	/* an event for a file a walk of this batch took */
	if (e && e->id && memlock_holder_remove(fw->h, e->id) < 0)
		follow_say(fw, FOLLOW_WARN, "%s: cannot release the old pages", user_str(path));
	rc = memlock_holder_add_fd(fw->h, fd, &r);
	if (rc < 0) {
		follow_say(fw, FOLLOW_WARN, "cannot lock %s: %s", user_str(path), strerror(-rc));
		return false;
	}
	(void)follow_track(fw, path, &r);
	a->files++;
	a->locked += r.locked;
	if (r.state != MEMLOCK_HOLD_LOCKED)
		follow_say(fw, FOLLOW_WARN, "%s: %s of %s locked: %s", user_str(path),
			   size_to_human(r.locked, x, sizeof(x)), size_to_human(r.data, y, sizeof(y)),
			   memlock_hold_why_name(r.why));
	return true;
}

/* A new directory: watched, then walked as the first walk would. */
static void adopt_dir(struct follow *fw, const char *path)
{
	const char *paths[] = { path };
	struct memlock_files *w;
	struct memlock_file f = { .sz = sizeof(f) };
	struct adopted a = { 0, 0 };
	char x[32];

	if (follow_watch_dir(fw, path, true) < 0)
		return;
	w = memlock_files_open(paths, 1, &fw->wo);
	if (w == NULL) {
		follow_say(fw, FOLLOW_WARN, "cannot walk %s: %s", user_str(path), strerror(errno));
		return;
	}
	while (memlock_files_next(w, &f) == 0) {
		struct stat st = { .st_dev = (dev_t)f.dev, .st_ino = (ino_t)f.ino };

		if (f.kind == MEMLOCK_FILE_DIRECTORY && !f.operand)
			follow_watch_dir(fw, f.path, true);
		else if (f.kind == MEMLOCK_FILE_REGULAR)
			adopt_fd(fw, f.path, f.fd, &st, &a);
	}
	memlock_files_close(w);
	if (a.files)
		follow_say(fw, FOLLOW_INFO, "locked %s (new directory): %s in %u files", user_str(path),
			   size_to_human(a.locked, x, sizeof(x)), a.files);
}

/* The directory of the names being adopted, open: one path lookup for
 * the directory, then one short one per name, as the walk does. */
struct dir_at {
	char *path;
	int fd;
	dev_t dev;
};

static int dir_of(struct dir_at *d, const char *path, size_t len)
{
	struct stat st;

	if (d->path && strlen(d->path) == len && strncmp(d->path, path, len) == 0)
		return d->fd;
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	d->fd = -1;
	d->path = strndup(path, len);
	if (d->path == NULL)
		return -1;	/* (its names are not adopted) */
	d->fd = open(len ? d->path : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d->fd >= 0 && fstat(d->fd, &st) == 0)
		d->dev = st.st_dev;
	return d->fd;
}

/* A new name in a walked directory: what the walk would do with it. */
static void adopt(struct follow *fw, struct dir_at *d, const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct adopted a = { 0, 0 };
	int dfd = dir_of(d, path, name > path ? (size_t)(name - path - 1) : 0);
	struct stat st;
	char x[32];
	int fd;

	if (dfd < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) || matches_any(fw->wo.exclude, name) ||
	    ((fw->wo.flags & MEMLOCK_WALK_ONE_FS) && st.st_dev != d->dev))
		return;	/* gone already, a link, a device, elsewhere...: as the walk */
	if (S_ISDIR(st.st_mode)) {
		if (fw->wo.flags & MEMLOCK_WALK_RECURSIVE)	/* (no walk enters it otherwise) */
			adopt_dir(fw, path);
		return;
	}
	if ((fw->wo.include && !matches_any(fw->wo.include, name)) ||
	    (fw->wo.max_size && (uint64_t)st.st_size > fw->wo.max_size))
		return;
	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;	/* replaced or gone meanwhile: its own event follows */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && adopt_fd(fw, path, fd, &st, &a))
		follow_say(fw, FOLLOW_INFO, "locked %s (new): %s", user_str(path),
			   size_to_human(a.locked, x, sizeof(x)));
	close(fd);
}

static void no_free(void *p)
{
	(void)p;	/* freed with new_paths */
}

void follow_adopt_batch(struct follow *fw)
{
	struct dir_at d = { NULL, -1, 0 };

	for (size_t i = 0; i < fw->nnew; i++) {
		adopt(fw, &d, fw->new_paths[i]);
		free(fw->new_paths[i]);
	}
	if (d.fd >= 0)
		close(d.fd);
	free(d.path);
	tdestroy(fw->new_seen, no_free);
	fw->new_seen = NULL;
	fw->nnew = 0;
}
