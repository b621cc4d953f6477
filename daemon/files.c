// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlockd's file rules: one library holder per rule (its budget= the
 * holder's budget), in the worker, holding each regular file the rule's
 * paths and globs name; "+PROGRAM" is the program and its ELF closure
 * (cli/files-needs.c, from memlock_needs_*). A reload keeps the holder of a
 * rule whose text is unchanged and closes those of rules gone. The files
 * are walked when the rule is taken, not followed afterwards (memlock
 * files --lock follows replaced files; here a reload walks them again).
 */
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cli/files-needs.h"
#include "memlockd.h"

static void hold_one(struct held *hd, const char *path)
{
	struct memlock_hold_result r = { .sz = sizeof(r) };
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), rc;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd < 0)
			logline("cannot hold %s: %s", user_str(path), strerror(errno));
		else
			close(fd);
		return;
	}
	rc = memlock_holder_add_fd(hd->h, fd, &r);
	close(fd);
	if (rc < 0 || r.state != MEMLOCK_HOLD_LOCKED)
		logline("cannot hold all of %s: %s", user_str(path),
			rc < 0 ? strerror(-rc) : memlock_hold_why_name(r.why));
}

static void hold_path(struct held *hd, const char *path)
{
	char **paths;
	size_t n;
	glob_t g;

	if (path[0] == '+') {	/* the program and its ELF closure */
		if (files_needs_paths(path + 1, 0, &paths, &n) < 0)
			return;
		for (size_t i = 0; i < n; i++)
			hold_one(hd, paths[i]);
		files_needs_free(paths, n);
		return;
	}
	if (glob(path, 0, NULL, &g) != 0)
		return;	/* (nothing there yet) */
	for (size_t i = 0; i < g.gl_pathc; i++)
		hold_one(hd, g.gl_pathv[i]);
	globfree(&g);
}

static int take(struct daemon *d, const struct rule *r)
{
	struct memlock_holder_opts o = { .sz = sizeof(o), .budget = r->budget };
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	char where[PATH_MAX + 16], size[32];
	struct held *hd;

	hd = realloc(d->held, (d->nheld + 1) * sizeof(*hd));
	if (hd == NULL)
		return -ENOMEM;
	d->held = hd;
	hd = &d->held[d->nheld];
	*hd = (struct held){ .rule = r, .text = strdup(r->text), .h = memlock_holder_open(&o) };
	if (hd->text == NULL || hd->h == NULL) {
		logline("cannot hold the files of the rule at %s: %s",
			rule_where(r, where, sizeof(where)), strerror(errno));
		memlock_holder_close(hd->h);
		free(hd->text);
		return -ENOMEM;
	}
	d->nheld++;
	for (size_t i = 0; i < r->npaths; i++)
		hold_path(hd, r->paths[i]);
	if (memlock_holder_totals(hd->h, &t) == 0)
		logline("holding %" PRIu64 " files by rule at %s: %s", t.files,
			rule_where(r, where, sizeof(where)),
			memlock_size_str(t.locked, 0, size, sizeof(size)));
	return 0;
}

void files_apply(struct daemon *d)
{
	/* holders of rules gone go, the others follow their rule to the new conf */
	for (size_t i = d->nheld; i-- > 0;) {
		struct held *hd = &d->held[i];

		hd->rule = NULL;
		for (size_t k = 0; k < d->conf.nrules && !hd->rule; k++)
			if (d->conf.rules[k].kind == RULE_FILE &&
			    strcmp(d->conf.rules[k].text, hd->text) == 0)
				hd->rule = &d->conf.rules[k];
		if (hd->rule)
			continue;
		memlock_holder_close(hd->h);
		free(hd->text);
		*hd = d->held[--d->nheld];
	}
	for (size_t k = 0; k < d->conf.nrules; k++) {
		const struct rule *r = &d->conf.rules[k];
		bool held = false;

		for (size_t i = 0; i < d->nheld && !held; i++)
			held = d->held[i].rule == r;
		if (r->kind == RULE_FILE && !held)
			(void)take(d, r);
	}
}

void files_release(struct daemon *d)
{
	for (size_t i = 0; i < d->nheld; i++) {
		memlock_holder_close(d->held[i].h);
		free(d->held[i].text);
	}
	free(d->held);
	d->held = NULL;
	d->nheld = 0;
}

int files_totals(const struct daemon *d, const struct rule *r, uint64_t *files, uint64_t *locked)
{
	struct memlock_holder_totals t = { .sz = sizeof(t) };

	for (size_t i = 0; i < d->nheld; i++)
		if (d->held[i].rule == r && memlock_holder_totals(d->held[i].h, &t) == 0) {
			*files = t.files;
			*locked = t.locked;
			return 0;
		}
	return -ENOENT;
}
