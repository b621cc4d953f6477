// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlockd's file rules: one library holder per rule (its budget= the
 * holder's budget), in the worker, holding each regular file the rule's
 * paths and globs name; "+PROGRAM" is the program and its ELF closure
 * (cli/files-needs.c, from memlock_needs_*). Each rule's files are
 * followed as memlock files --lock follows them, by the same code (one
 * struct follow per rule, cli/files-follow.c and files-adopt.c): a file
 * replaced (a new inode under its name) is locked anew and the old inode
 * released, one grown or truncated is locked again at its size, one
 * deleted is released; a new name in a glob's directory that the glob
 * matches (fnmatch(3) with glob(3)'s rules) is adopted. A "+PROGRAM"
 * rule follows the program and each library; when the program itself is
 * replaced its closure is resolved again and the libraries new to it are
 * held too. The followers' inotify descriptors are in one epoll set that
 * the main poll loop polls; their batch timers give its timeout. A reload
 * keeps the holder and the follow of a rule whose text is unchanged and
 * closes those of rules gone.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cli/files-needs.h"
#include "../cli/files.h"
#include "../cli/json.h"
#include "memlockd.h"

#define GLOB_META "*?["
#define STATUS_FILES_MAX 1000	/* files listed per rule in status -J */

/* What a rule's follow says goes to the log, after the rule. */
static void held_log(void *arg, enum follow_level level, const char *msg)
{
	const struct held *hd = arg;
	char where[PATH_MAX + 16];

	logline("%sfile rule at %s: %s", level == FOLLOW_HINT ? "hint: " : "",
		rule_where(hd->rule, where, sizeof(where)), msg);
}

/* A new name in one of the rule's directories: one of its globs matches it. */
static bool held_adopt(void *arg, const char *path)
{
	const struct held *hd = arg;

	for (size_t i = 0; i < hd->rule->npaths; i++) {
		const char *p = hd->rule->paths[i];

		if (p[0] != '+' && fnmatch(p, path, FNM_PATHNAME | FNM_PERIOD) == 0)
			return true;
	}
	return false;
}

/* Watch the directory of each path and glob of the rule (a glob's
 * directory part may be a glob too: each directory it matches now). */
static void watch_dirs(struct held *hd)
{
	for (size_t i = 0; i < hd->rule->npaths; i++) {
		const char *p = hd->rule->paths[i], *slash = strrchr(p, '/');
		char *dir;
		glob_t g;

		if (p[0] == '+' || slash == NULL)
			continue;	/* (a program's files: watched as they are held) */
		dir = slash == p ? strdup("/") : strndup(p, (size_t)(slash - p));
		if (dir == NULL)
			continue;
		if (strpbrk(dir, GLOB_META) == NULL) {
			(void)follow_watch_dir(hd->fw, dir, false);
		} else if (glob(dir, GLOB_ONLYDIR, NULL, &g) == 0) {
			for (size_t k = 0; k < g.gl_pathc; k++)
				(void)follow_watch_dir(hd->fw, g.gl_pathv[k], false);
			globfree(&g);
		}
		free(dir);
	}
}

static int add_path(char ***v, size_t *n, const char *path)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	if ((nv[*n] = strdup(path)) == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* The files the rule names now: its paths and the globs' matches, each
 * program and its closure. 0 or -ENOMEM (*v, *n: what was found). */
static int rule_files(const struct rule *r, char ***v, size_t *n)
{
	int rc = 0;

	*v = NULL;
	*n = 0;
	for (size_t i = 0; i < r->npaths && rc == 0; i++) {
		const char *p = r->paths[i];
		char **paths;
		size_t np;
		glob_t g;

		if (p[0] == '+') {	/* the program and its ELF closure */
			if (files_needs_paths(p + 1, 0, &paths, &np) < 0)
				continue;
			for (size_t k = 0; k < np && rc == 0; k++)
				rc = add_path(v, n, paths[k]);
			files_needs_free(paths, np);
		} else if (glob(p, 0, NULL, &g) == 0) {
			for (size_t k = 0; k < g.gl_pathc && rc == 0; k++)
				rc = add_path(v, n, g.gl_pathv[k]);
			globfree(&g);
		}	/* (else nothing there yet) */
	}
	return rc;
}

static void free_paths(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Hold @path and follow it; a file that could not be locked is followed
 * too, with its error (an event on it tries again). */
static void hold_one(struct held *hd, const char *path)
{
	struct memlock_hold_result r = { .sz = sizeof(r) };
	struct held_entry *e = follow_lookup(hd->fw, path);
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), rc;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd < 0)
			logline("cannot hold %s: %s", user_str(path), strerror(errno));
		else
			close(fd);
		return;
	}
	if (e && e->id && memlock_holder_remove(hd->h, e->id) < 0)	/* (named twice) */
		logline("%s: cannot release the old pages", user_str(path));
	rc = memlock_holder_add_fd(hd->h, fd, &r);
	close(fd);
	if (rc < 0)
		r = (struct memlock_hold_result){ .sz = sizeof(r), .state = MEMLOCK_HOLD_NOT_LOCKED,
						  .why = MEMLOCK_HOLD_WHY_ERROR, .err = -rc };
	if (follow_track(hd->fw, path, &r) < 0 && rc == 0 &&
	    memlock_holder_remove(hd->h, r.id) < 0)	/* (not followed: not held) */
		logline("%s: cannot release the pages", user_str(path));
	if (rc < 0 || r.state != MEMLOCK_HOLD_LOCKED)
		logline("cannot hold all of %s: %s", user_str(path),
			rc < 0 ? strerror(-rc) : memlock_hold_why_name(r.why));
}

/* The programs of the rule as they are now, to see one replaced. */
static void note_programs(struct held *hd)
{
	struct stat st;

	hd->progs = 0;
	for (size_t i = 0; i < hd->rule->npaths; i++)
		if (hd->rule->paths[i][0] == '+' && stat(hd->rule->paths[i] + 1, &st) == 0)
			hd->progs ^= (uint64_t)st.st_dev * 0x9e3779b97f4a7c15ull ^ (uint64_t)st.st_ino;
}

/* After a batch: a program replaced has its closure resolved again, and
 * the libraries new to it held (those it no longer needs stay held). */
static void programs_again(struct held *hd)
{
	uint64_t before = hd->progs;

	note_programs(hd);
	if (hd->progs == before)
		return;
	for (size_t i = 0; i < hd->rule->npaths; i++) {
		const char *p = hd->rule->paths[i];
		char **paths;
		size_t np;

		if (p[0] != '+' || files_needs_paths(p + 1, 0, &paths, &np) < 0)
			continue;
		for (size_t k = 0; k < np; k++)
			if (follow_lookup(hd->fw, paths[k]) == NULL)
				hold_one(hd, paths[k]);
		files_needs_free(paths, np);
	}
}

/* Events were lost: the rule's files walked again (what is unchanged is
 * kept, what changed locked again, what is gone released). */
static void rewalk(struct held *hd)
{
	char **v;
	size_t n;

	watch_dirs(hd);
	if (rule_files(hd->rule, &v, &n) < 0) {
		free_paths(v, n);
		held_log(hd, FOLLOW_WARN, "cannot walk the files again: out of memory");
		return;
	}
	follow_set_operands(hd->fw, v, n);
	(void)follow_reload(hd->fw);
	note_programs(hd);
}

static void held_free(struct daemon *d, struct held *hd)
{
	if (hd->fw && follow_fd(hd->fw) >= 0 && d->files_ep >= 0)
		(void)epoll_ctl(d->files_ep, EPOLL_CTL_DEL, follow_fd(hd->fw), NULL);
	follow_free(hd->fw);
	memlock_holder_close(hd->h);
	free(hd->text);
	free(hd);
}

static int take(struct daemon *d, const struct rule *r)
{
	struct memlock_holder_opts o = { .sz = sizeof(o), .budget = r->budget };
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	struct memlock_walk_opts wo = { .sz = sizeof(wo) };
	char where[PATH_MAX + 16], size[32], **v;
	struct held *hd, **nh;
	size_t n;

	nh = realloc(d->held, (d->nheld + 1) * sizeof(*nh));
	if (nh == NULL)
		return -ENOMEM;
	d->held = nh;
	hd = calloc(1, sizeof(*hd));
	if (hd == NULL || (hd->rule = r, hd->text = strdup(r->text)) == NULL ||
	    (hd->h = memlock_holder_open(&o)) == NULL ||
	    (hd->fw = follow_new(hd->h, NULL, 0, &wo,
				 &(struct follow_hooks){ held_log, held_adopt, hd })) == NULL) {
		logline("cannot hold the files of the rule at %s: %s",
			rule_where(r, where, sizeof(where)), strerror(errno));
		if (hd)
			held_free(d, hd);
		return -ENOMEM;
	}
	if (d->files_ep >= 0 && follow_fd(hd->fw) >= 0 &&
	    epoll_ctl(d->files_ep, EPOLL_CTL_ADD, follow_fd(hd->fw),
		      &(struct epoll_event){ .events = EPOLLIN, .data.ptr = hd }) < 0)
		logline("cannot follow the files of the rule at %s: %s",
			rule_where(r, where, sizeof(where)), strerror(errno));
	d->held[d->nheld++] = hd;
	watch_dirs(hd);	/* before the files: nothing created meanwhile is missed */
	note_programs(hd);
	if (rule_files(r, &v, &n) < 0)
		logline("not every file of the rule at %s is held: out of memory",
			rule_where(r, where, sizeof(where)));
	for (size_t i = 0; i < n; i++)
		hold_one(hd, v[i]);
	free_paths(v, n);
	if (memlock_holder_totals(hd->h, &t) == 0)
		logline("holding %" PRIu64 " files by rule at %s: %s", t.files,
			rule_where(r, where, sizeof(where)),
			memlock_size_str(t.locked, 0, size, sizeof(size)));
	return 0;
}

void files_apply(struct daemon *d)
{
	if (d->files_ep < 0)
		d->files_ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->files_ep < 0)
		logline("the file rules' files are not followed: %s", strerror(errno));
	/* holders of rules gone go, the others follow their rule to the new conf */
	for (size_t i = d->nheld; i-- > 0;) {
		struct held *hd = d->held[i];

		hd->rule = NULL;
		for (size_t k = 0; k < d->conf.nrules && !hd->rule; k++)
			if (d->conf.rules[k].kind == RULE_FILE &&
			    strcmp(d->conf.rules[k].text, hd->text) == 0)
				hd->rule = &d->conf.rules[k];
		if (hd->rule)
			continue;
		held_free(d, hd);
		d->held[i] = d->held[--d->nheld];
	}
	for (size_t k = 0; k < d->conf.nrules; k++) {
		const struct rule *r = &d->conf.rules[k];
		bool held = false;

		for (size_t i = 0; i < d->nheld && !held; i++)
			held = d->held[i]->rule == r;
		if (r->kind == RULE_FILE && !held)
			(void)take(d, r);
	}
}

void files_release(struct daemon *d)
{
	for (size_t i = 0; i < d->nheld; i++)
		held_free(d, d->held[i]);
	free(d->held);
	d->held = NULL;
	d->nheld = 0;
	if (d->files_ep >= 0)
		close(d->files_ep);
	d->files_ep = -1;
}

void files_events(struct daemon *d)
{
	struct epoll_event ev[32];
	int n;

	do {
		n = epoll_wait(d->files_ep, ev, 32, 0);
		for (int i = 0; i < n; i++) {
			struct held *hd = ev[i].data.ptr;

			if (follow_events(hd->fw) == 1) {	/* events lost */
				follow_run_batch(hd->fw);
				rewalk(hd);
			}
		}
	} while (n == 32);
}

uint64_t files_next_due(const struct daemon *d, uint64_t now)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < d->nheld; i++) {
		int ms = follow_timeout_ms(d->held[i]->fw);

		if (ms >= 0 && now + (uint64_t)ms * 1000000 < due)
			due = now + (uint64_t)ms * 1000000;
	}
	return due;
}

void files_tick(struct daemon *d)
{
	for (size_t i = 0; i < d->nheld; i++) {
		struct held *hd = d->held[i];

		if (follow_timeout_ms(hd->fw) != 0)
			continue;
		follow_run_batch(hd->fw);
		programs_again(hd);
	}
}

static const struct held *held_of(const struct daemon *d, const struct rule *r)
{
	for (size_t i = 0; i < d->nheld; i++)
		if (d->held[i]->rule == r)
			return d->held[i];
	return NULL;
}

int files_totals(const struct daemon *d, const struct rule *r, uint64_t *files, uint64_t *locked)
{
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	const struct held *hd = held_of(d, r);

	if (hd == NULL || memlock_holder_totals(hd->h, &t) < 0)
		return -ENOENT;
	*files = t.files;
	*locked = t.locked;
	return 0;
}

static const char *state_name(const struct held_entry *e)
{
	if (!e->id)
		return "not locked";
	return e->state == MEMLOCK_HOLD_LOCKED ? "locked" : e->state == MEMLOCK_HOLD_PARTIAL
									? "partial" : "not locked";
}

void files_status_json(const struct daemon *d, const struct rule *r, struct json_object *jr)
{
	const struct held *hd = held_of(d, r);
	struct json_object *files;
	char buf[ENTRY_PATH_MAX];
	size_t listed = 0;

	if (hd == NULL)
		return;
	files = json_new_array();
	for (size_t k = 0; k < hd->fw->t.nent && listed < STATUS_FILES_MAX; k++) {
		const struct held_entry *e = &hd->fw->t.ent[k];
		struct memlock_hold_result now;
		uint64_t size, data, locked;
		struct json_object *jf;
		bool held;

		if (e->dead)
			continue;
		jf = json_new_object();
		json_put_str(jf, "path", entry_path(&hd->fw->t, e, buf));
		held = entry_facts(hd->fw, e, &size, &data, &locked, &now);
		json_put_u64(jf, "size", size);
		json_put_u64(jf, "locked_bytes", locked);
		if (held)	/* (which inode: a replaced file is another) */
			json_put_u64(jf, "ino", now.ino);
		json_put_str(jf, "state", state_name(e));
		json_put_errno(jf, "error", e->err);
		json_put(files, NULL, jf);
		listed++;
	}
	json_put_u64(jr, "files_followed", hd->fw->t.live);
	json_put(jr, "files", files);
}
