// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Selectors: which processes a caller means (memlock/select.h). A term is
 * checked when it is added (a bad one is refused with a sentence saying
 * why) and kept in a canonical form, in the order of enum sel_key; matching is
 * select-match.c.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs/select.h"

static const char *const key_names[SEL_NKEYS] = {
	[SEL_PID] = "pid", [SEL_COMM] = "comm", [SEL_USER] = "user", [SEL_TREE] = "tree",
	[SEL_CGROUP] = "cgroup", [SEL_UNIT] = "unit", [SEL_EXE] = "exe",
};

/* The kernel keeps TASK_COMM_LEN (16) bytes of a name, its NUL included. */
#define COMM_MAX 15
#define VALUE_MAX 4096

struct memlock_selector *memlock_selector_new(void)
{
	struct memlock_selector *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->str = strdup("");
	if (s->str == NULL) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void memlock_selector_free(struct memlock_selector *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->t[i].text);
	free(s->t);
	free(s->str);
	free(s);
}

/* A whole decimal number in [1, max]: it, or -1. */
static long parse_id(const char *v, uint64_t max)
{
	const char *p = v;
	uint64_t n;

	if (*v < '0' || *v > '9' || mlk_parse_u64(&p, v + strlen(v), 10, &n) < 0 || *p != '\0' ||
	    n == 0 || n > max)
		return -1;
	return (long)n;
}

static bool has_glob(const char *v)
{
	return strpbrk(v, "*?[") != NULL;
}

/* user=: a name first, then a number, as ps -u and pgrep -u. */
static int parse_user(const char *v, long *uid, const char **why)
{
	struct passwd pw, *res = NULL;
	size_t sz = 4096;
	char *buf = NULL, *nbuf;
	int rc;

	do {	/* a user with many fields (NSS, LDAP) needs a bigger buffer */
		nbuf = realloc(buf, sz);
		if (nbuf == NULL) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		rc = getpwnam_r(v, &pw, buf, sz, &res);
		sz *= 4;
	} while (rc == ERANGE && sz <= (1u << 20));
	free(buf);
	if (rc == 0 && res != NULL) {
		*uid = (long)pw.pw_uid;
		return 0;
	}
	if (rc == ENOMEM)
		return -ENOMEM;
	if (*v == '0' && v[1] == '\0') {
		*uid = 0;
		return 0;
	}
	*uid = parse_id(v, UINT32_MAX - 1);	/* (uid_t)-1 is no user */
	if (*uid < 0) {
		*why = "no such user";
		return -EINVAL;
	}
	return 0;
}

/* cgroup=: an absolute path, "//" and a trailing "/" dropped, into @out. */
static int norm_cgroup(const char *v, char *out, size_t sz, const char **why)
{
	const char *c = v, *e;
	size_t n = 0, cl;

	if (*v != '/') {
		*why = "a cgroup path starts with / (the cgroup root)";
		return -EINVAL;
	}
	for (; *c != '\0'; c = e) {
		while (*c == '/')
			c++;
		e = c + strcspn(c, "/");
		cl = (size_t)(e - c);
		if (cl == 0)
			break;
		if ((cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.')) {
			*why = "a cgroup path has no . or .. component";
			return -EINVAL;
		}
		if (n + 1 + cl >= sz)
			break;
		out[n++] = '/';
		memcpy(out + n, c, cl);
		n += cl;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return 0;
}

static bool has_unit_suffix(const char *v)
{
	static const char *const suffixes[] = {
		".service", ".socket", ".device", ".mount", ".automount", ".swap",
		".target",  ".path",   ".timer",  ".slice", ".scope",
	};
	size_t i, vl = strlen(v), sl;

	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		sl = strlen(suffixes[i]);
		if (vl > sl && strcmp(v + vl - sl, suffixes[i]) == 0)
			return true;
	}
	return false;
}

/*
 * The canonical value of @key=@v into @out (a path resolved, a suffix
 * added), with @t->num and @t->glob; -EINVAL with @why for a bad value.
 */
static int parse_value(enum sel_key key, const char *v, char *out, size_t sz, struct sel_term *t,
		       const char **why)
{
	char *real;

	snprintf(out, sz, "%s", v);
	switch (key) {
	case SEL_PID:
	case SEL_TREE:
		t->num = parse_id(v, INT32_MAX);
		if (t->num < 0) {
			*why = "a PID is a positive number";
			return -EINVAL;
		}
		snprintf(out, sz, "%ld", t->num);
		return 0;
	case SEL_COMM:
		t->glob = has_glob(v);
		if (!t->glob && strlen(v) > COMM_MAX) {
			*why = "a comm is at most 15 bytes (the kernel cuts longer names)";
			return -EINVAL;
		}
		return 0;
	case SEL_USER:
		return parse_user(v, &t->num, why);
	case SEL_CGROUP:
		return norm_cgroup(v, out, sz, why);
	case SEL_UNIT:
		if (strchr(v, '/') != NULL) {
			*why = "a unit name has no /";
			return -EINVAL;
		}
		if (!has_unit_suffix(v))
			snprintf(out, sz, "%s.service", v);
		return 0;
	case SEL_EXE:
		if (*v != '/') {
			*why = "exe= takes an absolute path";
			return -EINVAL;
		}
		/* a path not there (yet) is kept as written */
		real = realpath(v, NULL);
		if (real == NULL && errno == ENOMEM)
			return -ENOMEM;
		if (real != NULL)
			snprintf(out, sz, "%s", real);
		free(real);
		return 0;
	case SEL_NKEYS:
		break;
	}
	return -EINVAL;
}

/* Split @term into its key and value; -EINVAL with @why. */
static int split_term(const char *term, enum sel_key *key, const char **v, const char **why)
{
	const char *eq = strchr(term, '=');
	size_t kl;
	int k;

	if (eq == NULL) {
		if (*term < '0' || *term > '9') {
			*why = "a term is KEY=VALUE or a PID";
			return -EINVAL;
		}
		*key = SEL_PID;
		*v = term;
		return 0;
	}
	kl = (size_t)(eq - term);
	*v = eq + 1;
	for (k = 0; k < SEL_NKEYS; k++) {
		if (strlen(key_names[k]) == kl && memcmp(term, key_names[k], kl) == 0) {
			*key = (enum sel_key)k;
			if (**v == '\0') {
				*why = "the value is empty";
				return -EINVAL;
			}
			if (strlen(*v) >= VALUE_MAX) {
				*why = "the value is too long";
				return -EINVAL;
			}
			return 0;
		}
	}
	*why = "unknown key (pid, comm, exe, user, cgroup, unit or tree)";
	return -EINVAL;
}

/* memlock_selector_str()'s text, built again after a change. */
static int rebuild_str(struct memlock_selector *s)
{
	size_t i, len = 1;
	char *str, *p;

	for (i = 0; i < s->n; i++)
		len += strlen(s->t[i].text) + 1;
	str = malloc(len);
	if (str == NULL)
		return -ENOMEM;
	p = str;
	*p = '\0';
	for (i = 0; i < s->n; i++)
		p += sprintf(p, "%s%s", i ? " " : "", s->t[i].text);
	free(s->str);
	s->str = str;
	return 0;
}

/* Insert @t after the terms of its key and those before it; a term already
 * there is not added twice. */
static int insert_term(struct memlock_selector *s, struct sel_term *t)
{
	struct sel_term *arr;
	size_t i, at;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->t[i].text, t->text) == 0)
			return 0;
	arr = mlk_grow(s->t, &s->cap, s->n, sizeof(*arr));
	if (arr == NULL)
		return -ENOMEM;
	s->t = arr;
	for (at = 0; at < s->n && s->t[at].key <= t->key; at++)
		;
	memmove(s->t + at + 1, s->t + at, (s->n - at) * sizeof(*arr));
	s->t[at] = *t;
	s->n++;
	if (rebuild_str(s) < 0) {
		memmove(s->t + at, s->t + at + 1, (s->n - at - 1) * sizeof(*arr));
		s->n--;
		return -ENOMEM;
	}
	s->keys |= 1u << t->key;
	return 1;
}

int memlock_selector_add(struct memlock_selector *s, const char *term, const char **why)
{
	const char *v, *dummy;
	char val[VALUE_MAX + 16];
	struct sel_term t = { 0 };
	enum sel_key key;
	int rc;

	if (why == NULL)
		why = &dummy;
	if (s == NULL || term == NULL) {
		*why = "no term";
		return mlk_err(-EINVAL);
	}
	rc = split_term(term, &key, &v, why);
	if (rc == 0)
		rc = parse_value(key, v, val, sizeof(val), &t, why);
	if (rc < 0)
		return mlk_err(rc);
	t.key = key;
	if (asprintf(&t.text, "%s=%s", key_names[key], val) < 0)
		return mlk_err(-ENOMEM);
	t.val = t.text + strlen(key_names[key]) + 1;
	rc = insert_term(s, &t);
	if (rc <= 0)
		free(t.text);
	return mlk_err(rc < 0 ? rc : 0);
}

const char *memlock_selector_str(const struct memlock_selector *s)
{
	return s != NULL ? s->str : "";
}
