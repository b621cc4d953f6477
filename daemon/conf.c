// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlockd.conf: one rule or setting a line, words separated by blanks, a
 * word beginning with # starts a comment. Everything read for one load is
 * bounded (a line, the bytes of all files, the files, the include depth),
 * so a wrong include or a huge file is an error, never a stall; the first
 * error ends the load with "FILE:LINE: what is wrong" and nothing of it is
 * kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

/* (cli/parse.c) */
int parse_size(const char *s, uint64_t *bytes);

#define WORDS_MAX 256

struct loader {
	struct conf *c;
	size_t total;			/* bytes read so far */
	struct stat open[CONF_DEPTH_MAX + 1];	/* the files being read, outermost first */
	unsigned int depth;
	char *err;
	size_t errsz;
	const char *file;		/* the file and line being read */
	unsigned int line;
};

static int fail(struct loader *l, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct loader *l, int rc, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (l->file && l->line)
		n = snprintf(l->err, l->errsz, "%s:%u: ", l->file, l->line);
	else if (l->file)
		n = snprintf(l->err, l->errsz, "%s: ", l->file);
	if (n < 0 || (size_t)n >= l->errsz)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(l->err + n, l->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

const char *rule_where(const struct rule *r, char *buf, size_t sz)
{
	const char *base = strrchr(r->file, '/');

	snprintf(buf, sz, "%s:%u", base ? base + 1 : r->file, r->line);
	return buf;
}

/* "max-pause=20" -> "20" when @w starts with @key= */
static const char *value_of(const char *w, const char *key)
{
	size_t n = strlen(key);

	return strncmp(w, key, n) == 0 && w[n] == '=' ? w + n + 1 : NULL;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || *v > max ? -EINVAL : 0;
}

static struct rule *new_rule(struct loader *l, enum rule_kind kind)
{
	struct conf *c = l->c;
	struct rule *r;

	if (c->nrules == CONF_RULES_MAX) {
		errno = -fail(l, -E2BIG, "more than %u rules", CONF_RULES_MAX);
		return NULL;
	}
	r = realloc(c->rules, (c->nrules + 1) * sizeof(*r));
	if (r == NULL) {
		errno = -fail(l, -ENOMEM, "out of memory");
		return NULL;
	}
	c->rules = r;
	r = &c->rules[c->nrules++];
	*r = (struct rule){ .kind = kind, .file = c->files[c->nfiles - 1], .line = l->line };
	return r;
}

/* The rule just made is refused if another says the same. */
static int check_duplicate(struct loader *l, struct rule *r)
{
	char where[PATH_MAX + 16];

	if (r->text == NULL)
		return fail(l, -ENOMEM, "out of memory");
	for (size_t i = 0; i + 1 < l->c->nrules; i++)
		if (strcmp(l->c->rules[i].text, r->text) == 0)
			return fail(l, -EINVAL, "duplicate rule (the same as %s)",
				    rule_where(&l->c->rules[i], where, sizeof(where)));
	return 0;
}

static int process_option(struct loader *l, struct rule *r, const char *w)
{
	unsigned long ms;
	const char *v;

	if ((v = value_of(w, "lock"))) {
		if (strcmp(v, "all") == 0) {
			free(r->mappings);
			r->mappings = NULL;
		} else if (strncmp(v, "mappings:", 9) == 0 && v[9]) {
			free(r->mappings);
			r->mappings = strdup(v + 9);
			if (r->mappings == NULL)
				return fail(l, -ENOMEM, "out of memory");
		} else {
			return fail(l, -EINVAL, "%s: lock= is all or mappings:GLOB", w);
		}
	} else if ((v = value_of(w, "max-pause"))) {
		if (parse_uint(v, 3600000, &ms) < 0 || ms == 0)
			return fail(l, -EINVAL, "%s: max-pause= is 1 to 3600000 ms", w);
		r->max_pause_ns = (uint64_t)ms * 1000000;
	} else if (strcmp(w, "onfault") == 0) {
		r->onfault = true;
	} else if (strcmp(w, "future") == 0) {
		r->future = true;
	} else {
		return 1;	/* not an option: a selector term */
	}
	return 0;
}

static int process_rule(struct loader *l, char **w, size_t n)
{
	struct rule *r = new_rule(l, RULE_PROCESS);
	const char *why;
	char pause[32] = "";
	size_t terms = 0;
	int rc;

	if (r == NULL)
		return -errno;
	r->sel = memlock_selector_new();
	if (r->sel == NULL)
		return fail(l, -ENOMEM, "out of memory");
	for (size_t i = 1; i < n; i++) {
		rc = process_option(l, r, w[i]);
		if (rc <= 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		why = NULL;
		rc = memlock_selector_add(r->sel, w[i], &why);
		if (rc == -ENOMEM)
			return fail(l, rc, "out of memory");
		if (rc < 0)
			return fail(l, rc, "%s: %s", w[i], why ? why : "not a selector term");
		terms++;
	}
	if (terms == 0)
		return fail(l, -EINVAL, "a process rule needs a selector (comm=, exe=, unit=...)");
	if (r->max_pause_ns)
		snprintf(pause, sizeof(pause), " max-pause=%" PRIu64, r->max_pause_ns / 1000000);
	if (asprintf(&r->text, "process %s lock=%s%s%s%s%s", memlock_selector_str(r->sel),
		     r->mappings ? "mappings:" : "all", r->mappings ? r->mappings : "",
		     r->onfault ? " onfault" : "", pause, r->future ? " future" : "") < 0)
		r->text = NULL;
	return check_duplicate(l, r);
}

static int file_rule(struct loader *l, char **w, size_t n)
{
	struct rule *r = new_rule(l, RULE_FILE);
	size_t len = 5;
	const char *v;
	char *p;

	if (r == NULL)
		return -errno;
	r->paths = calloc(n, sizeof(*r->paths));
	if (r->paths == NULL)
		return fail(l, -ENOMEM, "out of memory");
	for (size_t i = 1; i < n; i++) {
		if ((v = value_of(w[i], "budget"))) {
			if (parse_size(v, &r->budget) < 0 || r->budget == 0)
				return fail(l, -EINVAL, "%s: budget= is a size (64M, 2G, unlimited)",
					    w[i]);
			continue;
		}
		if (w[i][w[i][0] == '+'] != '/')
			return fail(l, -EINVAL, "%s: not an absolute path", w[i]);
		r->paths[r->npaths] = strdup(w[i]);
		if (r->paths[r->npaths] == NULL)
			return fail(l, -ENOMEM, "out of memory");
		len += strlen(w[i]) + 1;
		r->npaths++;
	}
	if (r->npaths == 0)
		return fail(l, -EINVAL, "a file rule needs a path");
	r->text = malloc(len + 40);
	if (r->text == NULL)
		return fail(l, -ENOMEM, "out of memory");
	p = stpcpy(r->text, "file");
	for (size_t i = 0; i < r->npaths; i++)
		p += sprintf(p, " %s", r->paths[i]);
	if (r->budget)
		sprintf(p, " budget=%" PRIu64, r->budget);
	return check_duplicate(l, r);
}

static int settings(struct loader *l, char **w, size_t n)
{
	struct conf *c = l->c;
	unsigned long v;
	const char *s;

	if (strcmp(w[0], "poll") == 0) {
		for (size_t i = 1; i < n; i++) {
			if (strcmp(w[i], "force") == 0)
				c->poll = true;
			else if ((s = value_of(w[i], "interval")) && parse_uint(s, 3600000, &v) == 0 &&
				 v >= 10)
				c->poll_ms = (unsigned int)v;
			else
				return fail(l, -EINVAL, "%s: poll takes force and interval=MS (10 "
					    "to 3600000)", w[i]);
		}
	} else if (strcmp(w[0], "socket-group") == 0) {
		struct group *g;

		if (n != 2)
			return fail(l, -EINVAL, "socket-group takes one group");
		g = getgrnam(w[1]);
		if (g)
			c->group = g->gr_gid;
		else if (parse_uint(w[1], INT_MAX, &v) == 0)
			c->group = (gid_t)v;
		else
			return fail(l, -EINVAL, "%s: no such group", w[1]);
		c->has_group = true;
	} else if (strcmp(w[0], "metrics") == 0) {
		if (n < 2 || w[1][0] != '/')
			return fail(l, -EINVAL, "metrics takes an absolute path");
		c->metrics_s = 15;
		for (size_t i = 2; i < n; i++) {
			if ((s = value_of(w[i], "interval")) && parse_uint(s, 86400, &v) == 0 && v)
				c->metrics_s = (unsigned int)v;
			else
				return fail(l, -EINVAL, "%s: metrics takes interval=SECONDS", w[i]);
		}
		free(c->metrics_path);
		c->metrics_path = strdup(w[1]);
		if (c->metrics_path == NULL)
			return fail(l, -ENOMEM, "out of memory");
	} else {
		return fail(l, -EINVAL, "%s: unknown keyword (process, file, include, poll, "
			    "socket-group, metrics)", w[0]);
	}
	return 0;
}

static int read_file(struct loader *l, const char *path);

static int include(struct loader *l, char **w, size_t n)
{
	const char *file = l->file;
	unsigned int line = l->line;
	char *pattern;
	glob_t g = { 0 };
	int rc = 0;

	if (n != 2)
		return fail(l, -EINVAL, "include takes one path or pattern");
	if (l->depth == CONF_DEPTH_MAX)
		return fail(l, -ELOOP, "includes nested more than %u deep", CONF_DEPTH_MAX);
	if (w[1][0] != '/') {	/* relative to the including file's directory */
		const char *slash = strrchr(file, '/');

		rc = slash ? asprintf(&pattern, "%.*s/%s", (int)(slash - file), file, w[1])
			   : asprintf(&pattern, "%s", w[1]);
	} else {
		rc = asprintf(&pattern, "%s", w[1]);
	}
	if (rc < 0)
		return fail(l, -ENOMEM, "out of memory");
	rc = 0;
	if (strpbrk(pattern, "*?[") == NULL) {	/* a file: it must be there */
		rc = read_file(l, pattern);
	} else {
		switch (glob(pattern, 0, NULL, &g)) {	/* (sorted) */
		case 0:
			break;
		case GLOB_NOMATCH:	/* an empty conf.d */
			break;
		default:
			rc = fail(l, -EIO, "%s: cannot read the pattern's directory", w[1]);
		}
		for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
			rc = read_file(l, g.gl_pathv[i]);
		globfree(&g);
	}
	free(pattern);
	if (rc == 0) {
		l->file = file;
		l->line = line;
	}
	return rc;
}

/* Split @s into words at blanks, up to a word that starts with #. */
static size_t split(char *s, char **w)
{
	size_t n = 0;

	for (char *tok = strtok(s, " \t\r\f\v"); tok && *tok != '#' && n < WORDS_MAX;
	     tok = strtok(NULL, " \t\r\f\v"))
		w[n++] = tok;
	return n;
}

static int parse_line(struct loader *l, char *s)
{
	char *w[WORDS_MAX];
	size_t n = split(s, w);

	if (n == 0)
		return 0;
	if (n == WORDS_MAX)
		return fail(l, -EINVAL, "more than %u words", WORDS_MAX - 1);
	if (strcmp(w[0], "process") == 0)
		return process_rule(l, w, n);
	if (strcmp(w[0], "file") == 0)
		return file_rule(l, w, n);
	if (strcmp(w[0], "include") == 0)
		return include(l, w, n);
	return settings(l, w, n);
}

static int parse_text(struct loader *l, char *buf, size_t len)
{
	char *s = buf, *nl;
	int rc;

	for (l->line = 1; s < buf + len; l->line++, s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(buf + len - s));
		if (nl == NULL)
			nl = buf + len;	/* (buf has room for the NUL) */
		if (nl - s >= CONF_LINE_MAX)
			return fail(l, -EINVAL, "line too long (more than %d bytes)",
				    CONF_LINE_MAX - 1);
		*nl = '\0';
		if (strlen(s) != (size_t)(nl - s))
			return fail(l, -EINVAL, "a NUL byte: not a text file");
		rc = parse_line(l, s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The file's bytes, read whole within what is left of the total. */
static int slurp(struct loader *l, int fd, char **buf, size_t *len)
{
	size_t room = CONF_TOTAL_MAX - l->total, cap = 4096;
	ssize_t got;

	*len = 0;
	*buf = malloc(cap + 1);
	while (*buf) {
		if (*len == cap) {
			char *b = cap > room ? NULL : realloc(*buf, cap * 2 + 1);

			if (cap > room) {
				free(*buf);
				return fail(l, -EFBIG, "too big: the configuration is over %u KiB",
					    CONF_TOTAL_MAX >> 10);
			}
			if (b == NULL)
				break;
			*buf = b;
			cap *= 2;
		}
		got = read(fd, *buf + *len, cap - *len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(*buf);
			return fail(l, -errno, "cannot read: %s", strerror(errno));
		}
		if (got == 0)
			break;
		*len += (size_t)got;
		if (*len > room) {
			free(*buf);
			return fail(l, -EFBIG, "too big: the configuration is over %u KiB",
				    CONF_TOTAL_MAX >> 10);
		}
	}
	if (*buf == NULL)
		return fail(l, -ENOMEM, "out of memory");
	l->total += *len;
	return 0;
}

/* Open @path; errors name it, after the line that includes it. */
static int open_file(struct loader *l, const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return fail(l, -errno, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return fail(l, -EINVAL, "%s: not a regular file", path);
	}
	for (unsigned int i = 0; i < l->depth; i++)
		if (l->open[i].st_dev == st->st_dev && l->open[i].st_ino == st->st_ino) {
			close(fd);
			return fail(l, -ELOOP, "%s: an include cycle (it is being read)", path);
		}
	return fd;
}

static int read_file(struct loader *l, const char *path)
{
	struct conf *c = l->c;
	char **files, *buf;
	size_t len;
	int fd, rc;

	if (c->nfiles == CONF_FILES_MAX)
		return fail(l, -E2BIG, "more than %u files included", CONF_FILES_MAX);
	fd = open_file(l, path, &l->open[l->depth]);
	if (fd < 0)
		return fd;
	files = realloc(c->files, (c->nfiles + 1) * sizeof(*files));
	if (files)
		c->files = files;
	if (files == NULL || (files[c->nfiles] = strdup(path)) == NULL) {
		close(fd);
		return fail(l, -ENOMEM, "out of memory");
	}
	l->file = c->files[c->nfiles++];
	l->line = 0;
	rc = slurp(l, fd, &buf, &len);
	close(fd);
	if (rc < 0)
		return rc;
	l->depth++;
	rc = parse_text(l, buf, len);
	l->depth--;
	free(buf);
	return rc;
}

int conf_load(const char *path, struct conf *c, char *err, size_t errsz)
{
	struct loader l = { .c = c, .err = err, .errsz = errsz };
	int rc;

	*c = (struct conf){ .poll_ms = 1000 };
	err[0] = '\0';
	rc = read_file(&l, path);
	if (rc < 0)
		conf_free(c);
	return rc;
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->nrules; i++) {
		struct rule *r = &c->rules[i];

		memlock_selector_free(r->sel);
		free(r->mappings);
		free(r->text);
		for (size_t j = 0; j < r->npaths; j++)
			free(r->paths[j]);
		free(r->paths);
	}
	free(c->rules);
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->metrics_path);
	*c = (struct conf){ .poll_ms = 1000 };
}
