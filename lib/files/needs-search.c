// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Where ld.so looks for a DT_NEEDED library (elf/dl-load.c _dl_map_object):
 * a name with a slash is that path; otherwise the DT_RPATH of the needing
 * object and of its loaders up to the program (unless the needing object
 * has a DT_RUNPATH), its DT_RUNPATH, /etc/ld.so.cache, the default
 * directories. A file that is not a library the program can load is passed
 * over, as open_verify() does.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files/elf.h"

#define CACHE_MAX	(64u << 20)	/* bytes of ld.so.cache read at most */
#ifndef DF_1_NODEFLIB
#define DF_1_NODEFLIB	0x00000800
#endif

/* 0 when @path is a library the program can load, in @s->found; 1 when it
 * is not (passed over, as ld.so's open_verify() does); -ENOMEM */
static int try_path(struct memlock_needs *it, const char *path, struct mlk_search *s)
{
	const struct mlk_elf *p = &it->objs[0].elf;
	int rc = mlk_needs_load(it, path, &s->found);

	if (rc == -ENOMEM)
		return rc;
	if (rc == 0 && s->found.elf.cls == p->cls && s->found.elf.data == p->data &&
	    s->found.elf.machine == p->machine && s->found.elf.type == ET_DYN)
		return 0;
	if (rc == 0 || rc == -ENOEXEC || rc == -EISDIR)
		s->err = ENOEXEC;
	if (rc == 0)
		mlk_needs_obj_free(&s->found);
	return 1;
}

/* $LIB: Debian's lib/TRIPLET where the root has it, else lib64 or lib */
static const char *lib_dir(struct memlock_needs *it, char *buf, size_t sz)
{
	const char *t = mlk_elf_triplet(&it->objs[0].elf);
	int fd;

	if (t != NULL && (size_t)snprintf(buf, sz, "/lib/%s", t) < sz) {
		fd = mlk_needs_openat(it, buf, O_PATH | O_DIRECTORY);
		if (fd >= 0) {
			close(fd);
			return buf + 1;
		}
	}
	return it->objs[0].elf.cls == ELFCLASS64 ? "lib64" : "lib";
}

/* Which of $ORIGIN, $LIB, $PLATFORM (or ${...}) starts @s (@len bytes):
 * its index and length, or -1. */
static int token_at(const char *s, size_t len, size_t *used)
{
	static const char *const tokens[] = { "ORIGIN", "LIB", "PLATFORM" };
	size_t k, n, brace = len > 1 && s[1] == '{';

	for (k = 0; k < ARRAY_SIZE(tokens); k++) {
		n = strlen(tokens[k]);
		if (len < 1 + brace + n + brace || strncmp(s + 1 + brace, tokens[k], n) != 0 ||
		    (brace && s[1 + brace + n] != '}'))
			continue;
		*used = 1 + n + 2 * brace;
		return (int)k;
	}
	return -1;
}

/* @dir (@len bytes) with $ORIGIN, $LIB and $PLATFORM of @o expanded, into
 * @out; false when it cannot be (ld.so drops such a directory). */
static bool expand(struct memlock_needs *it, const struct mlk_needs_obj *o, const char *dir,
		   size_t len, char *out, size_t sz)
{
	char libbuf[64];
	size_t i = 0, at = 0, used, vl;
	const char *val;
	int tok;

	while (i < len) {
		tok = dir[i] == '$' ? token_at(dir + i, len - i, &used) : -1;
		if (tok < 0) {
			val = dir + i;
			used = vl = 1;
		} else {
			val = tok == 0 ? o->origin :
			      tok == 1 ? lib_dir(it, libbuf, sizeof(libbuf)) :
					 mlk_elf_platform(&it->objs[0].elf);
			if (val == NULL)
				return false;
			vl = strlen(val);
		}
		if (at + vl >= sz)
			return false;
		memcpy(out + at, val, vl);
		at += vl;
		i += used;
	}
	out[at] = '\0';
	return at > 0;
}

/* Each directory of the colon-separated @list (of object @o) for @s. */
static int try_list(struct memlock_needs *it, const char *list, size_t oi, struct mlk_search *s)
{
	char dir[MLK_PATH_BUF / 2];
	const char *c, *end;
	int rc;

	for (c = list; *c != '\0'; c = *end ? end + 1 : end) {
		end = strchrnul(c, ':');
		if (!expand(it, &it->objs[oi], c, (size_t)(end - c), dir, sizeof(dir)))
			continue;
		if ((size_t)snprintf(it->scratch, MLK_PATH_BUF, "%s/%s", dir, s->name) >= MLK_PATH_BUF)
			continue;
		rc = try_path(it, it->scratch, s);
		if (rc <= 0)
			return rc;
	}
	return 1;
}

static int try_cache(struct memlock_needs *it, struct mlk_search *s)
{
	struct stat st;
	unsigned char *buf;
	const char *path;
	int fd;

	if (it->cache_err == 1) {
		it->cache_err = ENOENT;
		fd = mlk_needs_openat(it, "/etc/ld.so.cache", O_RDONLY);
		if (fd < 0)
			return 1;
		buf = NULL;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= CACHE_MAX &&
		    (buf = malloc((size_t)st.st_size + 1)) != NULL &&
		    pread(fd, buf, (size_t)st.st_size, 0) == st.st_size)
			it->cache_err = mlk_ldcache_parse(&it->cache, buf, (size_t)st.st_size) < 0 ?
					ENOEXEC : 0;
		else
			free(buf);
		close(fd);
	}
	if (it->cache_err != 0)
		return 1;
	path = mlk_ldcache_find(&it->cache, s->name, mlk_elf_cache_flags(&it->objs[0].elf));
	if (path == NULL || strlen(path) >= MLK_PATH_BUF)
		return 1;
	strcpy(it->scratch, path);
	return try_path(it, it->scratch, s);
}

static int try_defaults(struct memlock_needs *it, struct mlk_search *s)
{
	const char *t = mlk_elf_triplet(&it->objs[0].elf);
	bool is64 = it->objs[0].elf.cls == ELFCLASS64;
	const char *dirs[] = { "/lib/", "/usr/lib/", is64 ? "/lib64" : "/lib32",
			       is64 ? "/usr/lib64" : "/usr/lib32", "/lib", "/usr/lib" };
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (i < 2 && t == NULL)
			continue;
		snprintf(it->scratch, MLK_PATH_BUF, "%s%s/%s", dirs[i], i < 2 ? t : "", s->name);
		rc = try_path(it, it->scratch, s);
		if (rc <= 0)
			return rc;
	}
	return 1;
}

/* ld.so's order for @s->name needed by object @oi: 0 found, 1 not, -ENOMEM */
int mlk_needs_search(struct memlock_needs *it, size_t oi, struct mlk_search *s)
{
	const struct mlk_needs_obj *o = &it->objs[oi];
	bool did_main = false;
	size_t k;
	int rc = 1;

	s->err = ENOENT;
	if (strchr(s->name, '/') != NULL)
		return try_path(it, s->name, s);
	if (o->elf.runpath == NULL) {
		for (k = oi; rc == 1 && k != SIZE_MAX; k = it->objs[k].loader) {
			did_main |= k == 0;
			if (it->objs[k].elf.rpath != NULL)
				rc = try_list(it, it->objs[k].elf.rpath, k, s);
		}
		if (rc == 1 && !did_main && it->objs[0].elf.rpath != NULL)
			rc = try_list(it, it->objs[0].elf.rpath, 0, s);
	} else {
		rc = try_list(it, o->elf.runpath, oi, s);
	}
	if (rc == 1 && !(o->elf.flags_1 & DF_1_NODEFLIB)) {
		rc = try_cache(it, s);
		if (rc == 1)
			rc = try_defaults(it, s);
	}
	return rc;
}
