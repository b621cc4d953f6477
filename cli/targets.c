// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PIDs and selectors: `memlock status --comm redis-server`, `memlock attach
 * exe=/usr/sbin/sshd`. Every option and KEY=VALUE operand is a term of one
 * selector (same key: or; different keys: and); plain PIDs alone keep the
 * old meaning, those processes in the order given.
 */
#include <unistd.h>

#include "targets.h"

static const char *const option_keys[] = {
	[OPT_SEL_COMM - OPT_SEL_COMM] = "comm",	    [OPT_SEL_EXE - OPT_SEL_COMM] = "exe",
	[OPT_SEL_USER - OPT_SEL_COMM] = "user",	    [OPT_SEL_CGROUP - OPT_SEL_COMM] = "cgroup",
	[OPT_SEL_UNIT - OPT_SEL_COMM] = "unit",	    [OPT_SEL_TREE - OPT_SEL_COMM] = "tree",
};

static void add_term(struct targets *t, const char *term)
{
	const char *why = NULL;
	int rc;

	if (t->sel == NULL && (t->sel = memlock_selector_new()) == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	rc = memlock_selector_add(t->sel, term, &why);
	if (rc == -EINVAL) {
		warnx("invalid selector '%s': %s", user_str(term), why);
		if (strncmp(term, "comm=", 5) == 0)
			hint("the kernel keeps the first 15 bytes of a name, as ps -o comm= "
			     "shows it: comm=%.15s", user_str(term + 5));
		else if (strncmp(term, "exe=", 4) == 0)
			hint("give the program's path from /, as /proc/PID/exe shows it");
		else
			hint("a selector is KEY=VALUE, KEY one of pid, comm, exe, user, cgroup, "
			     "unit, tree (see memlock(1), SELECTORS)");
		exit(EXIT_FAILURE);
	}
	if (rc < 0) {
		warn_rc(rc, "cannot add '%s' to the selector", user_str(term));
		exit(EXIT_FAILURE);
	}
}

int targets_option(struct targets *t, int c, const char *arg)
{
	char *term;

	if (c < OPT_SEL_COMM || c > OPT_SEL_TREE)
		return 0;
	if (asprintf(&term, "%s=%s", option_keys[c - OPT_SEL_COMM], arg) < 0)
		err(EXIT_FAILURE, "cannot allocate memory");
	add_term(t, term);
	free(term);
	t->keyed = true;
	return 1;
}

void targets_operands(struct targets *t, int argc, char **argv)
{
	pid_t *p;
	int i;

	for (i = 0; i < argc; i++) {
		if (strchr(argv[i], '=') != NULL) {
			add_term(t, argv[i]);
			t->keyed = true;
			continue;
		}
		/* a PID says what was wrong with it as it always did */
		p = t->npids < t->cap ? t->pids : reallocarray(t->pids, t->cap * 2 + 4, sizeof(*p));
		if (p == NULL)
			err(EXIT_FAILURE, "cannot allocate memory");
		if (p != t->pids)
			t->cap = t->cap * 2 + 4;
		t->pids = p;
		t->pids[t->npids++] = parse_pid_or_die(argv[i]);
		add_term(t, argv[i]);
	}
}

bool targets_is_self(pid_t pid)
{
	return proc_root == NULL && (pid == getpid() || (guard_waiter && pid == guard_waiter));
}

pid_t *targets_match(const struct targets *t, size_t *n, size_t *denied)
{
	struct memlock_proc_pids *it = memlock_proc_pids_open(proc_root);
	struct memlock_status st = { .sz = sizeof(st) };
	pid_t pid, *out = NULL, *p;
	size_t cap = 0;
	int rc;

	*n = *denied = 0;
	if (it == NULL) {
		rc = -errno;
		warn_rc(rc, "cannot list processes");
		hint_read_error("", rc);
		exit(EXIT_FAILURE);
	}
	while ((rc = memlock_proc_pids_next(it, &pid)) == 0) {
		if (targets_is_self(pid))
			continue;
		rc = memlock_selector_match(t->sel, proc_root, pid);
		if (rc == -EACCES || rc == -EPERM)
			(*denied)++;
		/* kernel threads have no memory to lock or show */
		if (rc != 1 || memlock_proc_read_status(proc_root, pid, &st) < 0 || !st.has_mm)
			continue;
		if (*n == cap) {
			p = reallocarray(out, cap * 2 + 16, sizeof(*out));
			if (p == NULL)
				err(EXIT_FAILURE, "cannot allocate memory");
			out = p;
			cap = cap * 2 + 16;
		}
		out[(*n)++] = pid;
	}
	memlock_proc_pids_close(it);
	if (rc < 0) {
		warn_rc(rc, "cannot list processes");
		hint_read_error("", rc);
		exit(EXIT_FAILURE);
	}
	return out;
}

const char *targets_str(const struct targets *t)
{
	return memlock_selector_str(t->sel);
}

void targets_free(struct targets *t)
{
	memlock_selector_free(t->sel);
	free(t->pids);
	*t = (struct targets){ 0 };
}
