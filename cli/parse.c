// SPDX-License-Identifier: GPL-2.0-or-later
/* Strict parsers for command-line values: a typo is an error, never a guess. */
#include <ctype.h>
#include <inttypes.h>

#include <limits.h>
#include <unistd.h>

#include "cli.h"

/* 4096, 4096B, 64K, 64KiB, 64KB, 8M, 1.5G, unlimited; suffixes are binary
 * (1024); B alone is bytes */
int parse_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMGTPE";
	unsigned long long whole;
	uint64_t mult = 1, frac = 0, fdiv = 1;
	const char *p, *u;
	char *end;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	if (strcasecmp(s, "unlimited") == 0 || strcasecmp(s, "infinity") == 0) {
		*bytes = MEMLOCK_UNLIMITED;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	whole = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	p = end;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (fdiv < 1000000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				fdiv *= 10;
			}
		}
		if (p == end + 1)
			return -EINVAL;
	}
	if ((*p == 'B' || *p == 'b') && p[1] == '\0' && fdiv == 1) {
		p++;	/* bytes, said so */
	} else if (*p != '\0') {
		u = strchr(units, toupper((unsigned char)*p));
		if (u == NULL)
			return -EINVAL;
		for (const char *q = units; q <= u; q++)
			mult *= 1024;
		p++;
		if (strcasecmp(p, "iB") == 0 || strcasecmp(p, "B") == 0)
			p += strlen(p);
		if (*p != '\0')
			return -EINVAL;
	} else if (fdiv > 1) {
		return -EINVAL;	/* "1.5" bytes */
	}
	if (whole > UINT64_MAX / mult)
		return -ERANGE;
	/* 1.5G is exact: scale the fraction before dividing */
	unsigned __int128 total = (unsigned __int128)whole * mult +
				  (unsigned __int128)frac * mult / fdiv;
	if (total > UINT64_MAX)
		return -ERANGE;
	*bytes = (uint64_t)total;
	return 0;
}

/* "SOFT", "SOFT:HARD", ":HARD", "SOFT:" over the current limits */
int parse_limits(const char *arg, struct memlock_limits *lim)
{
	const char *colon = strchr(arg, ':');
	char soft[64];

	if (colon == NULL)
		return parse_size(arg, &lim->soft);
	if ((size_t)(colon - arg) >= sizeof(soft))
		return -EINVAL;
	memcpy(soft, arg, (size_t)(colon - arg));
	soft[colon - arg] = '\0';
	if (soft[0] == '\0' && colon[1] == '\0')
		return -EINVAL;
	if (soft[0] && parse_size(soft, &lim->soft) < 0)
		return -EINVAL;
	if (colon[1] && parse_size(colon + 1, &lim->hard) < 0)
		return -EINVAL;
	return 0;
}

int parse_pid(const char *s, pid_t *pid)
{
	long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return -EINVAL;
	if (v <= 0 || v > 4194304)	/* PID_MAX_LIMIT */
		return -ERANGE;
	*pid = (pid_t)v;
	return 0;
}

pid_t parse_pid_or_die(const char *s)
{
	pid_t pid;

	int rc = parse_pid(s, &pid);

	if (rc < 0) {
		warnx("invalid PID: '%s'", user_str(s));
		if (rc == -ERANGE && *s != '-' && *s != '0')
			hint("no PID is above 4194304, the kernel's PID_MAX_LIMIT");
		else
			hint("a PID is a positive decimal number, as ps(1) shows it");
		exit(EXIT_FAILURE);
	}
	return pid;
}

static int parse_addr(const char *s, const char *e, uint64_t *v)
{
	uint64_t n = 0;

	if (e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (s == e || e - s > 16)
		return -EINVAL;
	for (; s < e; s++) {
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
		n = n * 16 + (uint64_t)(isdigit((unsigned char)*s) ? *s - '0'
								   : tolower((unsigned char)*s) - 'a' + 10);
	}
	*v = n;
	return 0;
}

/* "7f12a000-7f12c000" as in /proc/PID/maps (hex, 0x optional) */
int parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	const char *dash;

	if (s == NULL)
		return -EINVAL;
	dash = strchr(s, '-');
	if (dash == NULL || parse_addr(s, dash, start) < 0 ||
	    parse_addr(dash + 1, dash + strlen(dash), end) < 0)
		return -EINVAL;
	if (*end <= *start)
		return -ERANGE;
	return 0;
}

int lock_flags_option(struct lock_flags *f, int c)
{
	switch (c) {
	case 'c':
		f->current = true;
		return 1;
	case 'f':
		f->future = true;
		return 1;
	case 'F':
		f->onfault = true;
		return 1;
	}
	return 0;
}

unsigned int lock_flags_mcl(const struct lock_flags *f)
{
	bool both = !f->current && !f->future;

	return (f->current || both ? MCL_CURRENT : 0) | (f->future || both ? MCL_FUTURE : 0) |
	       (f->onfault ? MCL_ONFAULT : 0);
}

unsigned int lock_flags_memlock(const struct lock_flags *f)
{
	bool both = !f->current && !f->future;

	return (f->current || both ? MEMLOCK_F_CURRENT : 0) |
	       (f->future || both ? MEMLOCK_F_FUTURE : 0) | (f->onfault ? MEMLOCK_F_ONFAULT : 0);
}

char *path_absolute(const char *path)
{
	char cwd[PATH_MAX], *p;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL ||
	    asprintf(&p, "%s/%s", strcmp(cwd, "/") ? cwd : "", path) < 0)
		return NULL;
	return p;
}
