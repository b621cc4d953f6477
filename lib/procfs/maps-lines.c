// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one reader of /proc/PID/maps, smaps and smaps_rollup: a mapping's
 * header line ("start-end perms offset dev inode path"), then, in smaps,
 * its "Key: value" lines. memlock_proc_maps_*() and the library's own
 * walks (the borrowed instruction, the paced lock, the predictor) share it.
 */
#include <stdlib.h>
#include <string.h>

#include "procfs/procfs.h"

struct memlock_proc_maps {
	FILE *f;
	char *line;		/* getline buffer */
	size_t cap;
	bool pending;		/* @line holds the next mapping's header */
	ssize_t pending_len;
	char *path;
	size_t path_cap;
};

unsigned int mlk_parse_vmflags(const char *s, const char *end)
{
	static const struct {
		char code[2];
		unsigned int bit;
	} codes[] = {
		{ {'l', 'o'}, MEMLOCK_VMA_LOCKED },	{ {'l', 'f'}, MEMLOCK_VMA_ONFAULT },
		{ {'i', 'o'}, MEMLOCK_VMA_IO },		{ {'p', 'f'}, MEMLOCK_VMA_PFNMAP },
		{ {'d', 'e'}, MEMLOCK_VMA_DONTEXPAND }, { {'m', 'm'}, MEMLOCK_VMA_MIXEDMAP },
		{ {'h', 't'}, MEMLOCK_VMA_HUGETLB },	{ {'d', 'p'}, MEMLOCK_VMA_DROPPABLE },
		{ {'d', 'd'}, MEMLOCK_VMA_DONTDUMP },	{ {'w', 'f'}, MEMLOCK_VMA_WIPEONFORK },
	};
	unsigned int flags = MEMLOCK_VMA_HAS_FLAGS;
	size_t i;

	while (s < end) {
		const char *tok;

		while (s < end && *s == ' ')
			s++;
		tok = s;
		while (s < end && *s != ' ')
			s++;
		if (s - tok != 2)
			continue;
		for (i = 0; i < ARRAY_SIZE(codes); i++)
			if (tok[0] == codes[i].code[0] && tok[1] == codes[i].code[1])
				flags |= codes[i].bit;
	}
	return flags;
}

static bool is_header(const char *s, const char *end)
{
	const char *p = s;

	while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
		p++;
	return p > s && p < end && *p == '-';
}

static int set_path(struct memlock_proc_maps *it, const char *s, const char *end)
{
	size_t n = (size_t)(end - s);
	char *np;

	if (n + 1 > it->path_cap) {
		np = realloc(it->path, n + 1);
		if (np == NULL)
			return -ENOMEM;
		it->path = np;
		it->path_cap = n + 1;
	}
	/* the kernel writes a newline in a path as \012 (seq_file_path(),
	 * mangle_path()) and every other byte as it is: undo that. (A file
	 * named with a real "\012" cannot be told apart: it reads as a newline.) */
	for (np = it->path; s < end; s++) {
		if (*s == '\\' && end - s >= 4 && memcmp(s, "\\012", 4) == 0) {
			*np++ = '\n';
			s += 3;
		} else {
			*np++ = *s;
		}
	}
	*np = '\0';
	return 0;
}

/* "start-end perms offset dev inode   path" */
static int parse_header(struct memlock_proc_maps *it, const char *s, const char *end,
			struct memlock_mapping *m)
{
	const char *p = s;
	size_t i;

	memset(m, 0, sizeof(*m));
	if (mlk_parse_u64(&p, end, 16, &m->start) < 0 || p >= end || *p++ != '-' ||
	    mlk_parse_u64(&p, end, 16, &m->end) < 0)
		return -EBADMSG;
	while (p < end && *p == ' ')
		p++;
	for (i = 0; i < 4 && p < end && *p != ' '; i++, p++)
		m->perms[i] = *p;
	m->perms[i] = '\0';
	if (mlk_parse_u64(&p, end, 16, &m->offset) == 0) {
		while (p < end && *p == ' ')
			p++;
		while (p < end && *p != ' ')	/* dev major:minor */
			p++;
		(void)mlk_parse_u64(&p, end, 10, &m->inode);
	}
	while (p < end && *p == ' ')
		p++;
	if (set_path(it, p, end) < 0)
		return -ENOMEM;
	m->path = it->path;
	m->size = m->end >= m->start ? m->end - m->start : 0;
	/* memfd_secret(2)'s inode lives on the kernel's internal secretmem
	 * mount (mm/secretmem.c): its dentry is "secretmem", never linked */
	if (strcmp(m->path, "/secretmem (deleted)") == 0)
		m->vmflags = MEMLOCK_VMA_SECRETMEM;
	return 0;
}

static void parse_field(const char *line, size_t ll, struct memlock_mapping *m)
{
	static const struct mlk_kb_key kb[] = {
		{ "Rss", offsetof(struct memlock_mapping, rss) },
		{ "Pss", offsetof(struct memlock_mapping, pss) },
		{ "Locked", offsetof(struct memlock_mapping, locked) },
		{ "Swap", offsetof(struct memlock_mapping, swap) },
		{ "Anonymous", offsetof(struct memlock_mapping, anonymous) },
	};
	const char *v = mlk_field(line, ll, "VmFlags");

	if (v != NULL)
		m->vmflags = (m->vmflags & MEMLOCK_VMA_SECRETMEM) | mlk_parse_vmflags(v, line + ll);
	else
		(void)mlk_kb_field(line, ll, kb, ARRAY_SIZE(kb), m);
}

static bool is_field(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == ':')
			return i > 0;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return false;
}

static ssize_t read_line(struct memlock_proc_maps *it)
{
	ssize_t n;

	errno = 0;
	n = getline(&it->line, &it->cap, it->f);
	if (n < 0)
		return errno ? -errno : 0;
	if (n > 0 && it->line[n - 1] == '\n')
		n--;
	return n == 0 ? -EAGAIN : n;	/* -EAGAIN: an empty line, skip it */
}

int mlk_maps_next(struct memlock_proc_maps *it, struct memlock_mapping *m)
{
	ssize_t n;
	int rc;

	if (!it->pending) {
		/* find the first header; a reader never starts mid-mapping */
		for (;;) {
			n = read_line(it);
			if (n == -EAGAIN)
				continue;
			if (n == 0)
				return 1;
			if (n < 0)
				return (int)n;
			if (is_header(it->line, it->line + n))
				break;
			if (!is_field(it->line, (size_t)n))
				return -EBADMSG;
		}
	} else {
		n = it->pending_len;
	}
	it->pending = false;
	rc = parse_header(it, it->line, it->line + n, m);
	if (rc < 0)
		return rc;
	for (;;) {
		n = read_line(it);
		if (n == -EAGAIN)
			continue;
		if (n == 0)
			break;
		if (n < 0)
			return (int)n;
		if (is_header(it->line, it->line + n)) {
			it->pending = true;
			it->pending_len = n;
			break;
		}
		if (!is_field(it->line, (size_t)n))
			return -EBADMSG;
		parse_field(it->line, (size_t)n, m);
	}
	return 0;
}

struct memlock_proc_maps *mlk_maps_from_file(FILE *f)
{
	struct memlock_proc_maps *it = calloc(1, sizeof(*it));

	if (it == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	it->f = f;
	return it;
}

static FILE *open_proc(const char *root, pid_t pid, pid_t tid, const char *file)
{
	char path[PATH_MAX];
	int rc;

	rc = tid ? mlk_proc_pathf(path, sizeof(path), root, pid, "task/%d/%s", (int)tid, file)
		 : mlk_proc_pathf(path, sizeof(path), root, pid, "%s", file);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	return fopen(path, "re");
}

struct memlock_proc_maps *mlk_maps_open(const char *root, pid_t pid, const char *file)
{
	struct memlock_proc_maps *it;
	FILE *f;
	pid_t tid;
	int c;

	f = open_proc(root, pid, 0, file);
	if (f == NULL)
		return NULL;
	/* empty: a kernel thread, or a zombie leader (pthread_exit) whose other
	 * threads run on - then a live thread's file is the process's */
	c = getc(f);
	if (c != EOF) {
		ungetc(c, f);
	} else if ((tid = mlk_live_tid(root, pid)) != pid) {
		fclose(f);
		f = open_proc(root, pid, tid, file);
		if (f == NULL)
			return NULL;
	} else {
		rewind(f);
	}
	it = mlk_maps_from_file(f);
	if (it == NULL)
		fclose(f);
	return it;
}

void mlk_maps_close(struct memlock_proc_maps *it)
{
	if (it == NULL)
		return;
	if (it->f != NULL)
		fclose(it->f);
	free(it->line);
	free(it->path);
	free(it);
}

int mlk_maps_walk(const char *root, pid_t pid, const char *file,
		  int (*fn)(const struct memlock_mapping *m, void *arg), void *arg)
{
	struct memlock_proc_maps *it = mlk_maps_open(root, pid, file);
	struct memlock_mapping m;
	int rc;

	if (it == NULL)
		return -errno;
	for (;;) {
		rc = mlk_maps_next(it, &m);
		if (rc != 0) {
			rc = rc == 1 ? 0 : rc;	/* 1: the end */
			break;
		}
		rc = fn(&m, arg);
		if (rc != 0)
			break;
	}
	mlk_maps_close(it);
	return rc;
}
