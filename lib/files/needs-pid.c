// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The files a running process maps, from /proc/PID/maps (through the
 * public reader) and /proc/PID/exe: read, never attached to nor stopped.
 * The kernel shows each mapping's inode; the path is compared with it, so
 * a file replaced since it was mapped (a package upgrade writes a new
 * inode and renames it over the old) is told from the one the process
 * holds. The device comes from stat(2) of the path, as the reader does not
 * give the one of the maps line: a file that is not at its path any more
 * is kept apart by its inode and its path.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files/elf.h"
#include "procfs/procfs.h"

#define DELETED		" (deleted)"
#define NOT_THERE	(1ull << 63)	/* a device number no file system has */

struct mlk_needs_pid {
	struct memlock_proc_maps *maps;
	char *exe;			/* readlink of /proc/PID/exe, or NULL */
	struct stat exe_st;
	bool exe_given;
	char *last;			/* the path of the mapping before */
	uint64_t last_ino;
};

void mlk_needs_pid_free(struct mlk_needs_pid *p)
{
	if (p == NULL)
		return;
	memlock_proc_maps_close(p->maps);
	free(p->exe);
	free(p->last);
	free(p);
}

/* /proc/PID/exe: the path it shows, and the file the process runs (the
 * link is followed inside the root: a captured tree's link is its own) */
static char *read_exe(const struct memlock_needs *it, const char *root, pid_t pid,
		      struct stat *st)
{
	char link[PATH_MAX], *buf;
	ssize_t n;
	int fd, rc;

	if (mlk_proc_pathf(link, sizeof(link), NULL, pid, "exe") < 0)
		return NULL;
	fd = mlk_needs_openat(it, link, O_PATH);
	if (fd < 0)
		return NULL;
	rc = fstat(fd, st);
	close(fd);
	if (rc < 0 || mlk_proc_pathf(link, sizeof(link), root, pid, "exe") < 0)
		return NULL;
	buf = malloc(PATH_MAX);
	if (buf == NULL)
		return NULL;
	n = readlink(link, buf, PATH_MAX - 1);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

struct memlock_needs *memlock_needs_open_pid(const char *root, pid_t pid, unsigned int flags)
{
	struct memlock_needs *it;
	int err;

	if (pid <= 0) {
		errno = EINVAL;
		return NULL;
	}
	it = mlk_needs_new(root, flags);
	if (it == NULL)
		return NULL;
	it->pid = calloc(1, sizeof(*it->pid));
	if (it->pid == NULL)
		goto fail;
	it->pid->maps = memlock_proc_maps_open(root, pid);
	if (it->pid->maps == NULL)
		goto fail;
	/* a kernel thread, or /proc/PID/exe denied: no program, files still */
	it->pid->exe = read_exe(it, root, pid, &it->pid->exe_st);
	return it;
fail:
	err = errno;
	memlock_needs_close(it);
	errno = err;
	return NULL;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* FNV-1a: a file not at its path is known by its inode and path */
static uint64_t path_key(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h | NOT_THERE;
}

/*
 * What @path (mapped with inode @ino) is now: 0 with *@kind and *@err, or
 * 1 to leave it out (not a regular file). Its identity for the set of
 * files seen in *@dev, *@key_ino.
 */
static int classify(struct memlock_needs *it, const char *path, uint64_t ino,
		    enum memlock_need_kind *kind, int *err, uint64_t *dev, uint64_t *key_ino)
{
	struct stat st;
	int fd, rc = -1;

	*kind = MEMLOCK_NEED_STALE;
	*err = ENOENT;
	*dev = path_key(path);
	*key_ino = ino;
	if (ends_with(path, DELETED))
		return 0;
	fd = mlk_needs_openat(it, path, O_PATH);
	if (fd >= 0) {
		rc = fstat(fd, &st);
		close(fd);
	}
	if (rc < 0) {
		if (errno != ENOENT && errno != ENOTDIR)	/* cannot tell: it is there */
			*kind = MEMLOCK_NEED_LIBRARY, *err = 0;
		return 0;
	}
	if (st.st_ino != ino) {
		*err = ESTALE;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return 1;
	*kind = MEMLOCK_NEED_LIBRARY;
	*err = 0;
	*dev = st.st_dev;
	return 0;
}

static int give_exe(struct memlock_needs *it, struct memlock_need *n)
{
	struct mlk_needs_pid *p = it->pid;
	enum memlock_need_kind kind;
	uint64_t dev, ino;
	int err, rc;

	p->exe_given = true;
	if (p->exe == NULL)
		return 1;
	(void)classify(it, p->exe, p->exe_st.st_ino, &kind, &err, &dev, &ino);
	if (kind == MEMLOCK_NEED_LIBRARY && dev != p->exe_st.st_dev)
		kind = MEMLOCK_NEED_STALE, err = ESTALE;
	if (kind == MEMLOCK_NEED_LIBRARY)
		kind = MEMLOCK_NEED_PROGRAM;
	/* its mappings are known by the inode the process runs */
	if (!mlk_seen_add(&it->seen, p->exe_st.st_dev, p->exe_st.st_ino, &rc) && rc < 0)
		return rc;
	if (kind == MEMLOCK_NEED_STALE && !mlk_seen_add(&it->seen, dev, ino, &rc) && rc < 0)
		return rc;
	it->given++;
	mlk_needs_fill(n, kind, p->exe, NULL, NULL, 0, err);
	return 0;
}

int mlk_needs_pid_next(struct memlock_needs *it, struct memlock_need *n)
{
	struct memlock_mapping m = { .sz = sizeof(m) };
	struct mlk_needs_pid *p = it->pid;
	enum memlock_need_kind kind;
	uint64_t dev, ino;
	int rc, err;

	if (!p->exe_given && (rc = give_exe(it, n)) != 1)
		return rc;
	while ((rc = memlock_proc_maps_next(p->maps, &m)) == 0) {
		if (m.path[0] != '/' || m.inode == 0)
			continue;	/* anonymous, [heap], [vdso]... */
		if (p->last != NULL && m.inode == p->last_ino && strcmp(m.path, p->last) == 0)
			continue;	/* the next mapping of the same file */
		free(p->last);
		p->last = strdup(m.path);
		p->last_ino = m.inode;
		if (p->last == NULL)
			return -ENOMEM;
		if (classify(it, m.path, m.inode, &kind, &err, &dev, &ino) == 1)
			continue;
		if (!mlk_seen_add(&it->seen, dev, ino, &rc)) {
			if (rc < 0)
				return rc;
			continue;
		}
		if (it->given >= MLK_NEEDS_MAX)
			return -E2BIG;
		it->given++;
		mlk_needs_fill(n, kind, p->last, NULL, NULL, 0, err);
		return 0;
	}
	return rc;
}
