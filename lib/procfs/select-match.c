// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Whether a process matches a selector (memlock_selector_match()): its
 * status is read once, its cgroup or exe link only when a term needs them
 * and every cheaper key already holds, so that a file the caller may not
 * read costs an error only when the answer depends on it.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs/select.h"

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
		if (s->t[i].key == SEL_TREE && s->t[i].num == pid)
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
	const char *end = p + len, *c;
	size_t nl = strlen(name), cl;

	while (mlk_path_component(&p, end, &c, &cl))
		if (cl == nl && memcmp(c, name, nl) == 0)
			return true;
	return false;
}

/*
 * Does a cgroup path of the process satisfy term @t (cgroup= or unit=)?
 * The cgroup-v2 line ("0::PATH") when there is one, else any v1 line.
 */
static bool cgroup_holds(const char *buf, size_t len, const struct sel_term *t)
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
		one = t->key == SEL_CGROUP ? path_under(path, pl, t->val)
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
static int term_holds(const struct memlock_selector *s, struct facts *f, const struct sel_term *t)
{
	int rc;

	switch (t->key) {
	case SEL_PID:
		return t->num == f->pid;
	case SEL_COMM:
		return t->glob ? fnmatch(t->val, f->st.name, 0) == 0 : strcmp(t->val, f->st.name) == 0;
	case SEL_USER:
		return (long)f->st.euid == t->num;
	case SEL_TREE:
		return in_tree(s, f->root, f->pid, f->ppid);
	case SEL_CGROUP:
	case SEL_UNIT:
		if (f->cgroup == NULL) {
			rc = mlk_read_proc(f->root, f->pid, "cgroup", &f->cgroup, &f->cgroup_len);
			if (rc < 0)
				return gone(rc);
		}
		return cgroup_holds(f->cgroup, f->cgroup_len, t);
	case SEL_EXE:
		if (f->exe_rc == 2)
			f->exe_rc = read_exe(f->root, f->pid, f->st.has_mm, f->exe, sizeof(f->exe));
		if (f->exe_rc <= 0)
			return f->exe_rc;
		return strcmp(f->exe, t->val) == 0;
	case SEL_NKEYS:
		break;
	}
	return 0;
}

int mlk_selector_match_status(const struct memlock_selector *s, const char *root,
			      const struct memlock_status *st, pid_t ppid)
{
	struct facts f = { .root = root, .pid = st->pid, .ppid = ppid, .st = *st, .exe_rc = 2 };
	size_t i = 0, first;
	int rc = 0, any;
	unsigned int k;

	/* keys in the order of enum sel_key: one whose terms all fail ends the
	 * match before the dearer files are read */
	for (k = 0; k < SEL_NKEYS; k++) {
		if (!(s->keys & (1u << k)))
			continue;
		for (any = 0, first = i; i < s->n && s->t[i].key == k; i++) {
			/* one walk up the PPid chain checks every tree= */
			if (any || (k == SEL_TREE && i > first))
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
	return rc;
}

int memlock_selector_match(const struct memlock_selector *s, const char *root, pid_t pid)
{
	struct memlock_status st;
	pid_t ppid;
	int rc;

	if (s == NULL || pid <= 0)
		return mlk_err(-EINVAL);
	rc = mlk_read_status(root, pid, &st, &ppid);
	if (rc < 0)
		return mlk_err(rc);
	return mlk_err(mlk_selector_match_status(s, root, &st, ppid));
}
