// SPDX-License-Identifier: LGPL-2.1-or-later
/* System-wide state: /proc/meminfo, /proc/vmstat, /proc/swaps, the PID list. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "procfs/procfs.h"

/* A parser's own type takes void *: a call through a cast pointer to
 * mlk_parse_meminfo() would be undefined (C11 6.3.2.3p8). */
typedef int (*parse_fn)(const char *buf, size_t len, void *out);

static int read_and_parse(const char *root, const char *file, parse_fn fn, void *out)
{
	size_t len;
	char *buf;
	int rc;

	rc = mlk_read_proc(root, -1, file, &buf, &len);
	if (rc < 0)
		return mlk_err(rc);
	rc = fn(buf, len, out);
	free(buf);
	return mlk_err(rc);
}

int mlk_parse_meminfo(const char *buf, size_t len, struct memlock_meminfo *mi)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "MemTotal", offsetof(struct memlock_meminfo, mem_total) },
		{ "MemAvailable", offsetof(struct memlock_meminfo, mem_available) },
		{ "Mlocked", offsetof(struct memlock_meminfo, mlocked) },
		{ "Unevictable", offsetof(struct memlock_meminfo, unevictable) },
		{ "SwapTotal", offsetof(struct memlock_meminfo, swap_total) },
		{ "SwapFree", offsetof(struct memlock_meminfo, swap_free) },
	};
	const char *p = buf, *end = buf + len, *line, *v;
	unsigned int seen = 0;
	size_t ll, i;

	memset(mi, 0, sizeof(*mi));
	while (mlk_next_line(&p, end, &line, &ll)) {
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			v = mlk_field(line, ll, keys[i].key);
			if (v == NULL)
				continue;
			if (mlk_parse_kb(v, line + ll, (uint64_t *)((char *)mi + keys[i].off)) == 0)
				seen |= 1u << i;
			break;
		}
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
	if (mi == NULL)
		return mlk_err(-EINVAL);
	return read_and_parse(root, "meminfo", parse_meminfo, mi);
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
	if (vs == NULL)
		return mlk_err(-EINVAL);
	return read_and_parse(root, "vmstat", parse_vmstat, vs);
}

/* /proc/swaps escapes ' ', '\t', '\n' and '\\' in paths as octal \ooo. */
static const char *unescape_word(const char *s, const char *end, char *out, size_t sz)
{
	size_t n = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (s < end && *s != ' ' && *s != '\t') {
		char c = *s++;

		if (c == '\\' && end - s >= 3 && s[0] >= '0' && s[0] <= '3' && s[1] >= '0' &&
		    s[1] <= '7' && s[2] >= '0' && s[2] <= '7') {
			c = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
			s += 3;
		}
		if (n + 1 < sz)
			out[n++] = c;
	}
	if (sz > 0)
		out[n] = '\0';
	return s;
}

int mlk_parse_swaps(const char *buf, size_t len, struct memlock_swap *sw, size_t max)
{
	const char *p = buf, *end = buf + len, *line;
	struct memlock_swap tmp;
	size_t ll, count = 0;

	/* header: "Filename  Type  Size  Used  Priority" */
	if (!mlk_next_line(&p, end, &line, &ll) || ll < 8 || memcmp(line, "Filename", 8) != 0)
		return -EBADMSG;
	while (mlk_next_line(&p, end, &line, &ll)) {
		const char *s, *le = line + ll;
		uint64_t prio;
		bool neg;

		if (ll == 0)
			continue;
		memset(&tmp, 0, sizeof(tmp));
		s = unescape_word(line, le, tmp.path, sizeof(tmp.path));
		s = unescape_word(s, le, tmp.type, sizeof(tmp.type));
		if (mlk_parse_u64(&s, le, 10, &tmp.size) < 0 ||
		    mlk_parse_u64(&s, le, 10, &tmp.used) < 0)
			return -EBADMSG;
		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		neg = s < le && *s == '-';
		s += neg;
		if (mlk_parse_u64(&s, le, 10, &prio) < 0 || prio > INT32_MAX)
			return -EBADMSG;
		/* sizes are in KiB, without a unit */
		tmp.size = mlk_mul_sat(tmp.size, 1024);
		tmp.used = mlk_mul_sat(tmp.used, 1024);
		tmp.prio = neg ? -(int)prio : (int)prio;
		if (count < max)
			sw[count] = tmp;
		if (count < INT32_MAX)
			count++;
	}
	return (int)count;
}

int memlock_proc_read_swaps(const char *root, struct memlock_swap *sw, size_t max)
{
	size_t len;
	char *buf;
	int rc;

	if (sw == NULL && max > 0)
		return mlk_err(-EINVAL);
	rc = mlk_read_proc(root, -1, "swaps", &buf, &len);
	if (rc < 0)
		return mlk_err(rc);
	rc = mlk_parse_swaps(buf, len, sw, max);
	free(buf);
	return mlk_err(rc);
}

struct memlock_proc_pids {
	DIR *dir;
};

struct memlock_proc_pids *memlock_proc_pids_open(const char *root)
{
	struct memlock_proc_pids *it;
	char path[PATH_MAX];
	int rc;

	rc = mlk_proc_path(path, sizeof(path), root, -1, "");
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
	struct dirent *d;

	if (it == NULL || pid == NULL)
		return mlk_err(-EINVAL);
	for (;;) {
		const char *s;
		uint64_t v;

		errno = 0;
		d = readdir(it->dir);
		if (d == NULL)
			return errno ? mlk_err(-errno) : 1;
		s = d->d_name;
		if (mlk_parse_u64(&s, s + strlen(s), 10, &v) < 0 || *s != '\0' || v == 0 ||
		    v > INT32_MAX)
			continue;
		*pid = (pid_t)v;
		return 0;
	}
}

void memlock_proc_pids_close(struct memlock_proc_pids *it)
{
	if (it == NULL)
		return;
	closedir(it->dir);
	free(it);
}
