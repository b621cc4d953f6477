// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shared-library closure of an ELF program, as glibc's ld.so resolves
 * it (elf/dl-load.c _dl_map_object, elf/dl-deps.c), without running it:
 * the program, its PT_INTERP, then DT_NEEDED breadth-first. A name already
 * loaded (a DT_NEEDED name or a DT_SONAME) is not searched again; a file
 * reached by two names is one (device and inode).
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files/elf.h"

/* ------------------------------------------------ the set of files seen */
static uint64_t *slot_of(const struct mlk_seen *s, uint64_t dev, uint64_t ino)
{
	size_t i = (size_t)((dev * 0x9e3779b97f4a7c15ull) ^ ino ^ (ino >> 29)) & (s->cap - 1);

	/* triples: dev, ino, used */
	while (s->keys[3 * i + 2] != 0 && (s->keys[3 * i] != dev || s->keys[3 * i + 1] != ino))
		i = (i + 1) & (s->cap - 1);
	return &s->keys[3 * i];
}

static int seen_grow(struct mlk_seen *s)
{
	struct mlk_seen bigger = { .cap = s->cap ? 2 * s->cap : 64 };
	size_t i;

	bigger.keys = calloc(bigger.cap, 3 * sizeof(uint64_t));
	if (bigger.keys == NULL)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++) {
		if (s->keys[3 * i + 2] != 0)
			memcpy(slot_of(&bigger, s->keys[3 * i], s->keys[3 * i + 1]),
			       &s->keys[3 * i], 3 * sizeof(uint64_t));
	}
	bigger.n = s->n;
	free(s->keys);
	*s = bigger;
	return 0;
}

/* true when (@dev, @ino) was not in @s, and is now; *@err: -ENOMEM */
bool mlk_seen_add(struct mlk_seen *s, uint64_t dev, uint64_t ino, int *err)
{
	uint64_t *k;

	*err = 0;
	if (2 * (s->n + 1) > s->cap && (*err = seen_grow(s)) < 0)
		return false;
	k = slot_of(s, dev, ino);
	if (k[2] != 0)
		return false;
	k[0] = dev;
	k[1] = ino;
	k[2] = 1;
	s->n++;
	return true;
}

void mlk_seen_free(struct mlk_seen *s)
{
	free(s->keys);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------ files in the root */
int mlk_needs_openat(const struct memlock_needs *it, const char *path, int oflags)
{
	struct open_how how = { .flags = (uint64_t)oflags | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT };
	long fd;

	if (it->rootfd < 0)
		return open(path, oflags | O_CLOEXEC);
	fd = syscall(SYS_openat2, it->rootfd, path, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return (int)fd;
	/* before Linux 5.6 (or under a seccomp filter): the root prefixed */
	while (*path == '/')
		path++;
	return openat(it->rootfd, *path ? path : ".", oflags | O_CLOEXEC);
}

struct memlock_needs *mlk_needs_new(const char *root, unsigned int flags)
{
	struct memlock_needs *it;

	if (flags != 0) {
		errno = EINVAL;
		return NULL;
	}
	it = calloc(1, sizeof(*it));
	if (it == NULL)
		return NULL;
	it->rootfd = -1;
	it->cache_err = 1;
	it->scratch = malloc(MLK_PATH_BUF);
	if (root != NULL && strcmp(root, "/") != 0) {
		it->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		it->rootpath = realpath(root, NULL);
	} else {
		it->rootpath = strdup("");
	}
	if (it->scratch == NULL || (root != NULL && it->rootfd < 0 && strcmp(root, "/") != 0) ||
	    it->rootpath == NULL) {
		memlock_needs_close(it);
		return NULL;
	}
	return it;
}

/* ---------------------------------------------------------- the objects */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* $ORIGIN of the program: the directory of its resolved path (ld.so reads
 * /proc/self/exe), inside the root */
static char *program_origin(const struct memlock_needs *it, int fd, const char *path)
{
	char link[64], real[PATH_MAX];
	size_t rl = strlen(it->rootpath);
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n <= 0 || real[0] != '/')
		return dir_of(path);
	real[n] = '\0';
	if (rl == 0)
		return dir_of(real);
	if (strncmp(real, it->rootpath, rl) == 0 && real[rl] == '/')
		return dir_of(real + rl);
	return dir_of(path);
}

/* Open @path and read it as an ELF file; its device and inode in @o. */
int mlk_needs_load(struct memlock_needs *it, const char *path, struct mlk_needs_obj *o)
{
	struct stat st;
	struct mlk_src src;
	int fd, rc;

	memset(o, 0, sizeof(*o));
	fd = mlk_needs_openat(it, path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -ENOEXEC;
	} else {
		src = (struct mlk_src){ .fd = fd, .size = (uint64_t)st.st_size };
		rc = mlk_elf_read(&src, &o->elf);
		o->dev = st.st_dev;
		o->ino = st.st_ino;
		o->path = strdup(path);
		o->origin = it->nobjs == 0 ? program_origin(it, fd, path) : dir_of(path);
		if (rc == 0 && (o->path == NULL || o->origin == NULL))
			rc = -ENOMEM;
	}
	close(fd);
	if (rc < 0) {
		mlk_elf_free(&o->elf);
		free(o->path);
		free(o->origin);
		memset(o, 0, sizeof(*o));
	}
	return rc;
}

void mlk_needs_obj_free(struct mlk_needs_obj *o)
{
	size_t i;

	mlk_elf_free(&o->elf);
	for (i = 0; i < o->nnames; i++)
		free(o->names[i]);
	free(o->names);
	free(o->path);
	free(o->origin);
}

static int add_name(struct mlk_needs_obj *o, const char *name)
{
	char **nn = realloc(o->names, (o->nnames + 1) * sizeof(*nn));

	if (nn == NULL)
		return -ENOMEM;
	o->names = nn;
	nn[o->nnames] = strdup(name);
	if (nn[o->nnames] == NULL)
		return -ENOMEM;
	o->nnames++;
	return 0;
}

/* Take @o (loaded) as the next object; its name is @name (or none). */
static int push(struct memlock_needs *it, struct mlk_needs_obj *o, const char *name)
{
	struct mlk_needs_obj *no;
	int rc;

	if (it->nobjs == it->cap) {
		no = realloc(it->objs, (it->cap ? 2 * it->cap : 16) * sizeof(*no));
		if (no == NULL)
			return -ENOMEM;
		it->objs = no;
		it->cap = it->cap ? 2 * it->cap : 16;
	}
	it->objs[it->nobjs] = *o;
	memset(o, 0, sizeof(*o));
	o = &it->objs[it->nobjs++];
	if (!mlk_seen_add(&it->seen, o->dev, o->ino, &rc) && rc < 0)
		return rc;
	return name != NULL ? add_name(o, name) : 0;
}

/* ----------------------------------------------------------- the search */
/* the object already loaded under @name (a name or its DT_SONAME) */
static struct mlk_needs_obj *loaded(const struct memlock_needs *it, const char *name)
{
	size_t i, j;

	for (i = 0; i < it->nobjs; i++) {
		const struct mlk_needs_obj *o = &it->objs[i];

		if (o->elf.soname != NULL && strcmp(o->elf.soname, name) == 0)
			return &it->objs[i];
		for (j = 0; j < o->nnames; j++)
			if (strcmp(o->names[j], name) == 0)
				return &it->objs[i];
	}
	return NULL;
}

/* ------------------------------------------------------------ iterating */
void mlk_needs_fill(struct memlock_need *n, enum memlock_need_kind kind, const char *path,
		    const char *name, const char *from, int depth, int err)
{
	struct memlock_need ours = { .sz = sizeof(ours), .path = path, .name = name,
				     .from = from, .kind = kind, .depth = depth, .err = err };

	mlk_out_copy(n, &ours, sizeof(ours));
}

static int give_missing(struct memlock_needs *it, size_t oi, const char *name, int err,
			struct memlock_need *n)
{
	char **nm;
	size_t i;

	for (i = 0; i < it->nmissing; i++)
		if (strcmp(it->missing[i], name) == 0)
			return 1;	/* said once */
	nm = realloc(it->missing, (it->nmissing + 1) * sizeof(*nm));
	if (nm == NULL)
		return -ENOMEM;
	it->missing = nm;
	nm[it->nmissing] = strdup(name);
	if (nm[it->nmissing] == NULL)
		return -ENOMEM;
	it->nmissing++;
	mlk_needs_fill(n, MEMLOCK_NEED_MISSING, NULL, name, oi == SIZE_MAX ? NULL : it->objs[oi].path,
	     oi == SIZE_MAX ? 1 : it->objs[oi].depth + 1, err);
	return 0;
}

/* The next DT_NEEDED of object it->cur: 0 given, 1 nothing new, -errno */
static int next_needed(struct memlock_needs *it, struct memlock_need *n)
{
	size_t oi = it->cur;
	const char *name = it->objs[oi].elf.needed[it->cur_needed++];
	struct mlk_needs_obj *o;
	struct mlk_search s = { .name = name };
	int rc;

	if (loaded(it, name) != NULL)
		return 1;
	rc = mlk_needs_search(it, oi, &s);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return give_missing(it, oi, name, s.err, n);
	if (!mlk_seen_add(&it->seen, s.found.dev, s.found.ino, &rc)) {
		/* another name of a file loaded already */
		for (o = it->objs; rc == 0 && o < it->objs + it->nobjs; o++)
			if (o->dev == s.found.dev && o->ino == s.found.ino)
				rc = add_name(o, name);
		mlk_needs_obj_free(&s.found);
		return rc < 0 ? rc : 1;
	}
	s.found.loader = oi;
	s.found.depth = it->objs[oi].depth + 1;
	rc = push(it, &s.found, name);
	if (rc < 0)
		return rc;
	o = &it->objs[it->nobjs - 1];
	mlk_needs_fill(n, MEMLOCK_NEED_LIBRARY, o->path, o->names[0], it->objs[oi].path, o->depth, 0);
	return 0;
}

static int next_interp(struct memlock_needs *it, struct memlock_need *n)
{
	const char *interp = it->objs[0].elf.interp;
	struct mlk_needs_obj o;
	int rc;

	if (interp == NULL)
		return 1;
	rc = mlk_needs_load(it, interp, &o);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		return give_missing(it, SIZE_MAX, interp, rc == -ENOENT ? ENOENT : ENOEXEC, n);
	o.loader = SIZE_MAX;
	o.depth = 1;
	if (!mlk_seen_add(&it->seen, o.dev, o.ino, &rc)) {	/* the program is its own */
		mlk_needs_obj_free(&o);
		return rc < 0 ? rc : 1;
	}
	rc = push(it, &o, interp);
	if (rc < 0)
		return rc;
	mlk_needs_fill(n, MEMLOCK_NEED_INTERPRETER, interp, NULL, NULL, 1, 0);
	return 0;
}

struct memlock_needs *memlock_needs_open(const char *root, const char *path, unsigned int flags)
{
	struct memlock_needs *it;
	struct mlk_needs_obj o;
	int rc;

	if (path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	it = mlk_needs_new(root, flags);
	if (it == NULL)
		return NULL;
	rc = mlk_needs_load(it, path, &o);
	if (rc == 0) {
		o.loader = SIZE_MAX;
		rc = push(it, &o, NULL);
	}
	if (rc < 0) {
		memlock_needs_close(it);
		mlk_err(rc);
		return NULL;
	}
	return it;
}

int memlock_needs_next(struct memlock_needs *it, struct memlock_need *n)
{
	int rc = 1;

	if (it == NULL || mlk_out_check(n, MLK_SZ_NEED) < 0)
		return mlk_err(-EINVAL);
	if (it->pid != NULL)
		return mlk_err(mlk_needs_pid_next(it, n));
	if (it->given >= MLK_NEEDS_MAX)
		return mlk_err(-E2BIG);
	if (it->stage == 0) {
		it->stage = 1;
		mlk_needs_fill(n, MEMLOCK_NEED_PROGRAM, it->objs[0].path, NULL, NULL, 0, 0);
		rc = 0;
	} else if (it->stage == 1) {
		it->stage = 2;
		rc = next_interp(it, n);
	}
	while (rc == 1 && it->cur < it->nobjs) {
		if (it->cur_needed < it->objs[it->cur].elf.nneeded) {
			rc = next_needed(it, n);
		} else {
			it->cur++;
			it->cur_needed = 0;
		}
	}
	if (rc == 0)
		it->given++;
	return mlk_err(rc);
}

void memlock_needs_close(struct memlock_needs *it)
{
	size_t i;

	if (it == NULL)
		return;
	for (i = 0; i < it->nobjs; i++)
		mlk_needs_obj_free(&it->objs[i]);
	free(it->objs);
	for (i = 0; i < it->nmissing; i++)
		free(it->missing[i]);
	free(it->missing);
	mlk_ldcache_free(&it->cache);
	mlk_seen_free(&it->seen);
	mlk_needs_pid_free(it->pid);
	if (it->rootfd >= 0)
		close(it->rootfd);
	free(it->rootpath);
	free(it->scratch);
	free(it);
}

const char *memlock_need_kind_name(enum memlock_need_kind kind)
{
	static const char *const names[] = {
		[MEMLOCK_NEED_PROGRAM] = "program", [MEMLOCK_NEED_INTERPRETER] = "interpreter",
		[MEMLOCK_NEED_LIBRARY] = "library", [MEMLOCK_NEED_MISSING] = "missing",
		[MEMLOCK_NEED_STALE] = "stale",
	};

	return MLK_NAME_OF(names, kind, "unknown");
}
