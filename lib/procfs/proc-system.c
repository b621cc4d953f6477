// SPDX-License-Identifier: LGPL-2.1-or-later
/* System-wide state: /proc/meminfo, /proc/vmstat, /proc/swaps, the PID list. */
#include <stdlib.h>
#include <string.h>

#include "procfs/procfs.h"

/* A parser's own type takes void *: a call through a cast pointer to
 * mlk_parse_meminfo() would be undefined (C11 6.3.2.3p8). */
typedef int (*parse_fn)(const char *buf, size_t len, void *out);

/* Parse ROOT/proc/@file into @ours (@our_sz bytes), then fill the caller's
 * @out (at least @min_sz) from it. */
static int read_and_parse(const char *root, const char *file, parse_fn fn, void *out,
			  void *ours, size_t our_sz, size_t min_sz)
{
	size_t len;
	char *buf;
	int rc;

	rc = mlk_out_check(out, min_sz);
	if (rc < 0)
		return mlk_err(rc);
	rc = mlk_read_proc(root, -1, file, &buf, &len);
	if (rc < 0)
		return mlk_err(rc);
	rc = fn(buf, len, ours);
	free(buf);
	if (rc == 0)
		mlk_out_copy(out, ours, our_sz);
	return mlk_err(rc);
}

int mlk_parse_meminfo(const char *buf, size_t len, struct memlock_meminfo *mi)
{
	static const struct mlk_kb_key keys[] = {
		{ "MemTotal", offsetof(struct memlock_meminfo, mem_total) },
		{ "MemAvailable", offsetof(struct memlock_meminfo, mem_available) },
		{ "Mlocked", offsetof(struct memlock_meminfo, mlocked) },
		{ "Unevictable", offsetof(struct memlock_meminfo, unevictable) },
		{ "SwapTotal", offsetof(struct memlock_meminfo, swap_total) },
		{ "SwapFree", offsetof(struct memlock_meminfo, swap_free) },
	};
	const char *p = buf, *end = buf + len, *line;
	unsigned int seen = 0;
	size_t ll;
	int i;

	memset(mi, 0, sizeof(*mi));
	mi->sz = sizeof(*mi);
	while (mlk_next_line(&p, end, &line, &ll)) {
		i = mlk_kb_field(line, ll, keys, ARRAY_SIZE(keys), mi);
		if (i >= 0)
			seen |= 1u << i;
	}
	/* MemTotal and Mlocked are required; the rest are 0 when absent */
	return (seen & 0x5) == 0x5 ? 0 : -EBADMSG;
}

static int parse_meminfo(const char *buf, size_t len, void *mi)
{
	return mlk_parse_meminfo(buf, len, mi);
}

int memlock_proc_read_meminfo(const char *root, struct memlock_meminfo *mi)
{
	struct memlock_meminfo ours;

	return read_and_parse(root, "meminfo", parse_meminfo, mi, &ours, sizeof(ours),
			      MLK_SZ_MEMINFO);
}

int mlk_parse_vmstat(const char *buf, size_t len, struct memlock_vmstat *vs)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "culled", offsetof(struct memlock_vmstat, culled) },
		{ "scanned", offsetof(struct memlock_vmstat, scanned) },
		{ "rescued", offsetof(struct memlock_vmstat, rescued) },
		{ "mlocked", offsetof(struct memlock_vmstat, mlocked) },
		{ "munlocked", offsetof(struct memlock_vmstat, munlocked) },
		{ "cleared", offsetof(struct memlock_vmstat, cleared) },
		{ "stranded", offsetof(struct memlock_vmstat, stranded) },
	};
	static const char prefix[] = "unevictable_pgs_";
	const char *p = buf, *end = buf + len, *line;
	bool seen = false;
	size_t ll, i;

	memset(vs, 0, sizeof(*vs));
	vs->sz = sizeof(*vs);
	while (mlk_next_line(&p, end, &line, &ll)) {
		const char *k = line + sizeof(prefix) - 1, *le = line + ll;

		if (ll < sizeof(prefix) || memcmp(line, prefix, sizeof(prefix) - 1) != 0)
			continue;
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			size_t kl = strlen(keys[i].key);
			const char *v = k + kl;

			if ((size_t)(le - k) <= kl || memcmp(k, keys[i].key, kl) != 0 || *v != ' ')
				continue;
			if (mlk_parse_u64(&v, le, 10, (uint64_t *)((char *)vs + keys[i].off)) == 0 &&
			    keys[i].off == offsetof(struct memlock_vmstat, mlocked))
				seen = true;
			break;
		}
	}
	return seen ? 0 : -EBADMSG;
}

static int parse_vmstat(const char *buf, size_t len, void *vs)
{
	return mlk_parse_vmstat(buf, len, vs);
}

int memlock_proc_read_vmstat(const char *root, struct memlock_vmstat *vs)
{
	struct memlock_vmstat ours;

	return read_and_parse(root, "vmstat", parse_vmstat, vs, &ours, sizeof(ours),
			      MLK_SZ_VMSTAT);
}

/* The swap areas of one moment: /proc/swaps read whole; each line's words
 * are unescaped and NUL-terminated in place, where the reader hands them out. */
struct memlock_proc_swaps {
	char *buf;
	const char *p, *end;
};

/*
 * The word at @s in [@s, @le): /proc/swaps writes ' ', '\t', '\n' and '\\'
 * in a path as octal \ooo (seq_escape() in swap_show()). Undone in place
 * (the text only shrinks) and NUL-terminated, over the separator after it
 * or at @le, which is the line's '\n' or the buffer's spare last byte.
 * Returns where the next word may start.
 */
static char *unescape_word(char *s, char *le, const char **word)
{
	char *out;

	while (s < le && (*s == ' ' || *s == '\t'))
		s++;
	*word = out = s;
	while (s < le && *s != ' ' && *s != '\t') {
		char c = *s++;

		if (c == '\\' && le - s >= 3 && s[0] >= '0' && s[0] <= '3' && s[1] >= '0' &&
		    s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
			c = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
			s += 3;
		}
		*out++ = c;
	}
	*out = '\0';
	return s < le ? s + 1 : s;
}

/* "path type size used prio", sizes in KiB without a unit */
static int parse_swap_line(char *line, char *le, struct memlock_swap *sw)
{
	const char *s;
	uint64_t prio;
	bool neg;

	memset(sw, 0, sizeof(*sw));
	sw->sz = sizeof(*sw);
	line = unescape_word(line, le, &sw->path);
	s = unescape_word(line, le, &sw->type);
	if (*sw->type == '\0' || mlk_parse_u64(&s, le, 10, &sw->size) < 0 ||
	    mlk_parse_u64(&s, le, 10, &sw->used) < 0)
		return -EBADMSG;
	while (s < le && (*s == ' ' || *s == '\t'))
		s++;
	neg = s < le && *s == '-';
	s += neg;
	if (mlk_parse_u64(&s, le, 10, &prio) < 0 || prio > INT32_MAX)
		return -EBADMSG;
	sw->size = mlk_mul_sat(sw->size, 1024);
	sw->used = mlk_mul_sat(sw->used, 1024);
	sw->prio = neg ? -(int)prio : (int)prio;
	return 0;
}

struct memlock_proc_swaps *mlk_swaps_from_buf(char *buf, size_t len)
{
	struct memlock_proc_swaps *it;
	const char *line;
	size_t ll;

	it = calloc(1, sizeof(*it));
	if (it == NULL) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	it->buf = buf;
	it->p = buf;
	it->end = buf + len;
	/* header: "Filename  Type  Size  Used  Priority" */
	if (!mlk_next_line(&it->p, it->end, &line, &ll) || ll < 8 ||
	    memcmp(line, "Filename", 8) != 0) {
		memlock_proc_swaps_close(it);
		errno = EBADMSG;
		return NULL;
	}
	return it;
}

struct memlock_proc_swaps *memlock_proc_swaps_open(const char *root)
{
	size_t len;
	char *buf;
	int rc;

	rc = mlk_read_proc(root, -1, "swaps", &buf, &len);
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	return mlk_swaps_from_buf(buf, len);	/* mlk_read_file() leaves a spare byte */
}

int memlock_proc_swaps_next(struct memlock_proc_swaps *it, struct memlock_swap *out)
{
	struct memlock_swap sw;
	const char *line;
	size_t ll;
	char *l;
	int rc;

	rc = mlk_out_check(out, MLK_SZ_SWAP);
	if (rc < 0 || it == NULL)
		return mlk_err(-EINVAL);
	do {
		if (!mlk_next_line(&it->p, it->end, &line, &ll))
			return 1;
	} while (ll == 0);
	/* the buffer is ours: the words are rewritten where they are */
	l = it->buf + (line - it->buf);
	rc = parse_swap_line(l, l + ll, &sw);
	if (rc < 0) {
		it->p = it->end;	/* nothing after a garbled line */
		return mlk_err(rc);
	}
	mlk_out_copy(out, &sw, sizeof(sw));
	return 0;
}

void memlock_proc_swaps_close(struct memlock_proc_swaps *it)
{
	if (it == NULL)
		return;
	free(it->buf);
	free(it);
}

struct memlock_proc_pids {
	DIR *dir;
};

struct memlock_proc_pids *memlock_proc_pids_open(const char *root)
{
	struct memlock_proc_pids *it;
	char path[PATH_MAX];
	int rc;

	rc = mlk_proc_pathf(path, sizeof(path), root, -1, ".");
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	it = calloc(1, sizeof(*it));
	if (it == NULL)
		return NULL;
	it->dir = opendir(path);
	if (it->dir == NULL) {
		free(it);
		return NULL;
	}
	return it;
}

int memlock_proc_pids_next(struct memlock_proc_pids *it, pid_t *pid)
{
	if (it == NULL || pid == NULL)
		return mlk_err(-EINVAL);
	return mlk_err(mlk_ids_next(it->dir, pid));
}

void memlock_proc_pids_close(struct memlock_proc_pids *it)
{
	if (it == NULL)
		return;
	closedir(it->dir);
	free(it);
}
