// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Shared /proc plumbing: ROOT-prefixed paths, whole-file reads, and bounded
 * line parsing. Parsers never trust a NUL terminator or a sane length: every
 * scan is bounded by the line's end, so truncated, garbled or huge input can
 * at worst produce -EBADMSG.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs/procfs.h"

/* /proc files report their size as 0: read until EOF. Cap the size so a
 * hostile fixture cannot make us allocate without bound. */
#define MLK_FILE_MAX (256u << 20)

int mlk_proc_pathf(char *buf, size_t sz, const char *root, pid_t pid, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	if (root == NULL || strcmp(root, "/") == 0)
		root = "";
	if (pid < 0)
		n = snprintf(buf, sz, "%s/proc/", root);
	else if (pid == 0)
		n = snprintf(buf, sz, "%s/proc/self/", root);
	else
		n = snprintf(buf, sz, "%s/proc/%d/", root, (int)pid);
	if (n < 0 || (size_t)n >= sz)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, sz - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= sz - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}

int mlk_read_file(const char *path, char **bufp, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf, *nbuf;
	ssize_t r;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= MLK_FILE_MAX) {
				rc = -EFBIG;
				goto fail;
			}
			nbuf = realloc(buf, cap * 2 + 1);
			if (nbuf == NULL) {
				rc = -ENOMEM;
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* a process that exits mid-read gives ESRCH */
			rc = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	close(fd);
	free(buf);
	return rc;
}

int mlk_read_proc(const char *root, pid_t pid, const char *file, char **buf, size_t *len)
{
	char path[PATH_MAX];
	int rc;

	rc = mlk_proc_pathf(path, sizeof(path), root, pid, "%s", file);
	if (rc < 0)
		return rc;
	return mlk_read_file(path, buf, len);
}

int mlk_field_u64(const char *buf, size_t len, const char *key, int base, uint64_t *v)
{
	const char *p = buf, *end = buf + len, *line, *f;
	size_t ll;

	while (mlk_next_line(&p, end, &line, &ll)) {
		f = mlk_field(line, ll, key);
		if (f != NULL)
			return mlk_parse_u64(&f, line + ll, base, v);
	}
	return -ENOENT;
}

int mlk_kb_field(const char *line, size_t len, const struct mlk_kb_key *keys, size_t n,
		 void *obj)
{
	const char *v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = mlk_field(line, len, keys[i].key);
		if (v == NULL)
			continue;
		if (mlk_parse_kb(v, line + len, (uint64_t *)((char *)obj + keys[i].off)) < 0)
			return -EBADMSG;
		return (int)i;
	}
	return -ENOENT;
}

int mlk_stat_u64(const char *buf, size_t len, int field, uint64_t *v)
{
	/* the command name (field 2) may hold spaces and ')': the fields
	 * after it start after the last ')' */
	const char *p = memrchr(buf, ')', len), *end = buf + len;
	int n = 2;

	for (; p != NULL && p < end; p++) {
		if (*p == ' ' && ++n == field) {
			p++;
			return mlk_parse_u64(&p, end, 10, v);
		}
	}
	return -EBADMSG;
}

int mlk_next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl;

	if (*p >= end)
		return 0;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	*line = *p;
	if (nl == NULL) {
		*len = (size_t)(end - *p);
		*p = end;
	} else {
		*len = (size_t)(nl - *p);
		*p = nl + 1;
	}
	return 1;
}

const char *mlk_field(const char *line, size_t len, const char *key)
{
	size_t klen = strlen(key);

	if (len <= klen || memcmp(line, key, klen) != 0 || line[klen] != ':')
		return NULL;
	return line + klen + 1;
}

int mlk_parse_u64(const char **sp, const char *end, int base, uint64_t *v)
{
	const char *s = *sp;
	uint64_t n = 0;
	int d, digits = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (; s < end; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (n > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -ERANGE;
		n = n * (uint64_t)base + (uint64_t)d;
		digits++;
	}
	if (digits == 0)
		return -EBADMSG;
	*sp = s;
	*v = n;
	return 0;
}

uint64_t mlk_mul_sat(uint64_t a, uint64_t b)
{
	if (b != 0 && a > UINT64_MAX / b)
		return UINT64_MAX;
	return a * b;
}

/* "   1234 kB" -> bytes; a bare number (no unit) is taken as is. */
int mlk_parse_kb(const char *s, const char *end, uint64_t *bytes)
{
	uint64_t v;
	int rc;

	rc = mlk_parse_u64(&s, end, 10, &v);
	if (rc == -ERANGE) {
		*bytes = UINT64_MAX;	/* more than 64 bits: saturate, never wrap to 0 */
		return 0;
	}
	if (rc < 0)
		return rc;
	while (s < end && *s == ' ')
		s++;
	if (end - s >= 2 && (s[0] == 'k' || s[0] == 'K') && s[1] == 'B')
		v = mlk_mul_sat(v, 1024);
	*bytes = v;
	return 0;
}
