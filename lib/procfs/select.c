// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Selectors: which processes a caller means (memlock/select.h). A term is
 * checked when it is added (a bad one is refused with a sentence saying
 * why) and kept in a canonical form; a match reads the process's status
 * once, and its cgroup or exe link only when a term needs them and every
 * cheaper key already holds.
 */
#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs/procfs.h"

/* In the canonical order of memlock_selector_str(), cheapest match first. */
enum key { K_PID, K_COMM, K_USER, K_TREE, K_CGROUP, K_UNIT, K_EXE, K_NKEYS };

static const char *const key_names[K_NKEYS] = {
	[K_PID] = "pid", [K_COMM] = "comm", [K_USER] = "user", [K_TREE] = "tree",
	[K_CGROUP] = "cgroup", [K_UNIT] = "unit", [K_EXE] = "exe",
};

struct term {
	enum key key;
	char *text;		/* "key=value", canonical */
	const char *val;	/* the value, in @text */
	long num;		/* pid=, tree=: the PID; user=: the uid */
	bool glob;		/* comm=: a pattern */
};

struct memlock_selector {
	struct term *t;
	size_t n, cap;
	unsigned int keys;	/* bit per key present */
	char *str;
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
static int parse_value(enum key key, const char *v, char *out, size_t sz, struct term *t,
		       const char **why)
{
	char *real;

	snprintf(out, sz, "%s", v);
	switch (key) {
	case K_PID:
	case K_TREE:
		t->num = parse_id(v, INT32_MAX);
		if (t->num < 0) {
			*why = "a PID is a positive number";
			return -EINVAL;
		}
		snprintf(out, sz, "%ld", t->num);
		return 0;
	case K_COMM:
		t->glob = has_glob(v);
		if (!t->glob && strlen(v) > COMM_MAX) {
			*why = "a comm is at most 15 bytes (the kernel cuts longer names)";
			return -EINVAL;
		}
		return 0;
	case K_USER:
		return parse_user(v, &t->num, why);
	case K_CGROUP:
		return norm_cgroup(v, out, sz, why);
	case K_UNIT:
		if (strchr(v, '/') != NULL) {
			*why = "a unit name has no /";
			return -EINVAL;
		}
		if (!has_unit_suffix(v))
			snprintf(out, sz, "%s.service", v);
		return 0;
	case K_EXE:
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
	case K_NKEYS:
		break;
	}
	return -EINVAL;
}

/* Split @term into its key and value; -EINVAL with @why. */
static int split_term(const char *term, enum key *key, const char **v, const char **why)
{
	const char *eq = strchr(term, '=');
	size_t kl;
	int k;

	if (eq == NULL) {
		if (*term < '0' || *term > '9') {
			*why = "a term is KEY=VALUE or a PID";
			return -EINVAL;
		}
		*key = K_PID;
		*v = term;
		return 0;
	}
	kl = (size_t)(eq - term);
	*v = eq + 1;
	for (k = 0; k < K_NKEYS; k++) {
		if (strlen(key_names[k]) == kl && memcmp(term, key_names[k], kl) == 0) {
			*key = (enum key)k;
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
static int insert_term(struct memlock_selector *s, struct term *t)
{
	struct term *arr;
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
	struct term t = { 0 };
	enum key key;
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

/* ------------------------------------------------------------ matching */

/* A read of a process that existed a moment ago: a file gone means the
 * process is gone. */
static int gone(int rc)
{
	return rc == -ENOENT ? -ESRCH : rc;
}

static bool is_tree_root(const struct memlock_selector *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->t[i].key == K_TREE && s->t[i].num == pid)
			return true;
	return false;
}

/*
 * tree=: is @pid, or an ancestor by PPid, a tree= PID? An ancestor that
 * exited ends the chain (its children were reparented). A cycle (only a
 * forged tree has one) ends it too: Brent's test, no memory, at most
 * about three reads per process of the chain and its cycle.
 */
static int in_tree(const struct memlock_selector *s, const char *root, pid_t pid, pid_t ppid)
{
	struct memlock_status st;
	pid_t cur = pid, saved = pid;
	unsigned long power = 1, lam = 0;
	bool first = true;
	int rc;

	for (;; first = false) {
		if (is_tree_root(s, cur))
			return 1;
		if (!first) {	/* @pid's own PPid was read with its status */
			rc = mlk_read_status(root, cur, &st, &ppid);
			if (rc == -ENOMEM)
				return rc;
			if (rc < 0)
				return 0;
		}
		if (ppid <= 0)
			return 0;
		cur = ppid;
		if (cur == saved)
			return 0;
		if (++lam == power) {
			saved = cur;
			power <<= 1;
			lam = 0;
		}
	}
}

/* Is cgroup path [p, p + len) @want or below it, by whole components? */
static bool path_under(const char *p, size_t len, const char *want)
{
	size_t wl = strlen(want);

	if (wl == 1)		/* "/" */
		return true;
	return len >= wl && memcmp(p, want, wl) == 0 && (len == wl || p[wl] == '/');
}

/* Is @name one of the components of cgroup path [p, p + len)? */
static bool path_has_unit(const char *p, size_t len, const char *name)
{
	const char *end = p + len, *slash;
	size_t nl = strlen(name), cl;

	while (p < end) {
		slash = memchr(p, '/', (size_t)(end - p));
		cl = (size_t)((slash ? slash : end) - p);
		if (cl == nl && memcmp(p, name, nl) == 0)
			return true;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	return false;
}

/*
 * Does a cgroup path of the process satisfy term @t (cgroup= or unit=)?
 * The cgroup-v2 line ("0::PATH") when there is one, else any v1 line.
 */
static bool cgroup_holds(const char *buf, size_t len, const struct term *t)
{
	const char *p = buf, *end = buf + len, *line, *c2, *path;
	bool v2 = false, hit = false, one;
	size_t ll, pl;

	while (mlk_next_line(&p, end, &line, &ll)) {
		c2 = memchr(line, ':', ll);
		c2 = c2 ? memchr(c2 + 1, ':', (size_t)(line + ll - c2 - 1)) : NULL;
		if (c2 == NULL)
			continue;
		path = c2 + 1;
		pl = (size_t)(line + ll - path);
		one = t->key == K_CGROUP ? path_under(path, pl, t->val)
					 : path_has_unit(path, pl, t->val);
		if (ll >= 3 && memcmp(line, "0::", 3) == 0) {
			if (!v2)
				hit = false;	/* v1 lines before it do not count */
			v2 = true;
			hit |= one;
		} else if (!v2) {
			hit |= one;
		}
	}
	return hit;
}

/* /proc/PID/exe, " (deleted)" dropped; 0 with none (a kernel thread, a
 * zombie), -errno. */
static int read_exe(const char *root, pid_t pid, bool has_mm, char *exe, size_t sz)
{
	static const char deleted[] = " (deleted)";
	const size_t dl = sizeof(deleted) - 1;
	char path[PATH_MAX];
	pid_t tid = pid;
	ssize_t n;
	int rc;

	/* a leader gone by pthread_exit() has no mm: a live thread's link */
	if (!has_mm && (tid = mlk_live_tid(root, pid)) == pid)
		return 0;
	if (tid == pid)
		rc = mlk_proc_pathf(path, sizeof(path), root, pid, "exe");
	else
		rc = mlk_proc_pathf(path, sizeof(path), root, pid, "task/%d/exe", (int)tid);
	if (rc < 0)
		return rc;
	n = readlink(path, exe, sz - 1);
	if (n < 0)
		return gone(-errno);
	exe[n] = '\0';
	if ((size_t)n > dl && memcmp(exe + n - dl, deleted, dl) == 0)
		exe[n - dl] = '\0';
	return 1;
}

struct facts {
	const char *root;
	pid_t pid, ppid;
	struct memlock_status st;
	char *cgroup;		/* read on first need */
	size_t cgroup_len;
	char exe[PATH_MAX];
	int exe_rc;		/* 1 read, 0 none, -errno, 2 not read yet */
};

/* Does term @t hold for the process? 1, 0 or -errno. */
static int term_holds(const struct memlock_selector *s, struct facts *f, const struct term *t)
{
	int rc;

	switch (t->key) {
	case K_PID:
		return t->num == f->pid;
	case K_COMM:
		return t->glob ? fnmatch(t->val, f->st.name, 0) == 0 : strcmp(t->val, f->st.name) == 0;
	case K_USER:
		return (long)f->st.euid == t->num;
	case K_TREE:
		return in_tree(s, f->root, f->pid, f->ppid);
	case K_CGROUP:
	case K_UNIT:
		if (f->cgroup == NULL) {
			rc = mlk_read_proc(f->root, f->pid, "cgroup", &f->cgroup, &f->cgroup_len);
			if (rc < 0)
				return gone(rc);
		}
		return cgroup_holds(f->cgroup, f->cgroup_len, t);
	case K_EXE:
		if (f->exe_rc == 2)
			f->exe_rc = read_exe(f->root, f->pid, f->st.has_mm, f->exe, sizeof(f->exe));
		if (f->exe_rc <= 0)
			return f->exe_rc;
		return strcmp(f->exe, t->val) == 0;
	case K_NKEYS:
		break;
	}
	return 0;
}

int memlock_selector_match(const struct memlock_selector *s, const char *root, pid_t pid)
{
	struct facts f = { 0 };
	size_t i = 0, first;
	int rc, any;
	unsigned int k;

	if (s == NULL || pid <= 0)
		return mlk_err(-EINVAL);
	f.root = root;
	f.pid = pid;
	f.exe_rc = 2;
	rc = mlk_read_status(root, pid, &f.st, &f.ppid);
	if (rc < 0)
		return mlk_err(rc);
	/* keys in the order of enum key: one whose terms all fail ends the
	 * match before the dearer files are read */
	for (k = 0; k < K_NKEYS; k++) {
		if (!(s->keys & (1u << k)))
			continue;
		for (any = 0, first = i; i < s->n && s->t[i].key == k; i++) {
			/* one walk up the PPid chain checks every tree= */
			if (any || (k == K_TREE && i > first))
				continue;
			any = term_holds(s, &f, &s->t[i]);
			if (any < 0) {
				rc = any;
				goto out;
			}
		}
		if (!any)
			goto out;
	}
	rc = 1;
out:
	free(f.cgroup);
	return mlk_err(rc);
}
