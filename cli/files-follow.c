// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock files --lock, while it holds: follow the files (inotify on their
 * directories, one watch per directory) and SIGHUP.
 *  - replaced (a new inode under the name: a package upgrade's rename):
 *    the old inode is released, the new one locked;
 *  - grown or truncated: locked again at its new size, so that new pages
 *    are locked and no mapping outlives the end of the file (no stale VmLck);
 *  - deleted: released; locked again if the name comes back;
 *  - SIGHUP: the paths are walked again; what is unchanged stays locked,
 *    what changed or is new is locked, what is gone is released.
 * Events are taken in batches, 100 ms after the last (at most 1 s after
 * the first), each name once. A follow keeps no global state and prints
 * nothing itself: what it says goes to its logger (follow_log_stdio() for
 * memlock files --lock, memlockd's log for a file rule), and its caller's
 * event loop polls follow_fd() and runs the batch when it is due.
 */
#include <limits.h>
#include <poll.h>
#include <search.h>
#include <stdarg.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "output.h"

#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_MODIFY | \
		    IN_CLOSE_WRITE | IN_ONLYDIR | IN_DONT_FOLLOW)
/* what makes a name that is not held new */
#define NEW_MASK (IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE)

#define BATCH_QUIET_NS (100ull * 1000000)	/* a batch is taken 100 ms after its last event */
#define BATCH_MAX_NS (1000ull * 1000000)	/* and at most 1 s after its first */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

void follow_log_stdio(void *arg, enum follow_level level, const char *msg)
{
	(void)arg;
	if (level == FOLLOW_INFO) {
		printf("%s\n", msg);
		fflush(stdout);	/* a pipe or the journal sees it now */
	} else if (level == FOLLOW_HINT) {
		hint("%s", msg);
	} else {
		warnx("%s", msg);
	}
}

void follow_say(const struct follow *fw, enum follow_level level, const char *fmt, ...)
{
	char msg[1024];	/* (paths go through user_str(): 64 characters at most) */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fw->hooks.log(fw->hooks.arg, level, msg);
}

struct follow *follow_new(struct memlock_holder *h, char **paths, int n,
			  const struct memlock_walk_opts *wo, const struct follow_hooks *hooks)
{
	struct follow *fw = calloc(1, sizeof(*fw));

	if (fw == NULL)
		return NULL;
	fw->h = h;
	table_init(&fw->t);
	fw->wo = *wo;
	fw->ifd = -1;
	if (hooks)
		fw->hooks = *hooks;
	if (fw->hooks.log == NULL)
		fw->hooks.log = follow_log_stdio;
	fw->ops = calloc((size_t)n + 1, sizeof(*fw->ops));	/* unique already */
	if (fw->ops == NULL)
		goto nomem;
	for (int i = 0; i < n; i++)
		if ((fw->ops[fw->nops++] = strdup(paths[i])) == NULL)
			goto nomem;
	fw->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fw->ifd < 0)
		follow_say(fw, FOLLOW_WARN, "cannot follow changes of the files (inotify): %s",
			   strerror(errno));
	for (size_t i = 0; i < fw->nops; i++)	/* before the walk: nothing new is missed */
		follow_watch_operand(fw, fw->ops[i]);
	return fw;
nomem:
	follow_free(fw);
	errno = ENOMEM;
	return NULL;
}

int follow_add_operand(struct follow *fw, const char *path)
{
	char **o;

	for (size_t i = 0; i < fw->nops; i++)
		if (strcmp(fw->ops[i], path) == 0)
			return 0;
	o = realloc(fw->ops, (fw->nops + 1) * sizeof(*o));
	if (o == NULL)
		return -ENOMEM;
	fw->ops = o;
	if ((o[fw->nops] = strdup(path)) == NULL)
		return -ENOMEM;
	fw->nops++;
	follow_watch_operand(fw, path);
	return 0;
}

void follow_set_operands(struct follow *fw, char **paths, size_t n)
{
	for (size_t i = 0; i < fw->nops; i++)
		free(fw->ops[i]);
	free(fw->ops);
	fw->ops = paths;
	fw->nops = n;
}

struct held_entry *follow_lookup(struct follow *fw, const char *path)
{
	return table_find(&fw->t, path);
}

int entry_held(const struct follow *fw, const struct held_entry *e, struct memlock_hold_result *r)
{
	r->sz = sizeof(*r);
	if (e->id == 0 || memlock_holder_get(fw->h, e->id, r) < 0)
		return -ENOENT;
	return 0;
}

int follow_watch_dir(struct follow *fw, const char *dir, bool walked)
{
	int wd;

	if (fw->ifd < 0)
		return -1;
	wd = inotify_add_watch(fw->ifd, dir, WATCH_MASK);
	if (wd < 0) {
		if (errno == ENOSPC && !fw->watch_full) {
			follow_say(fw, FOLLOW_WARN, "not following changes in %s and more: the "
				   "inotify watches are used up", user_str(dir));
			follow_say(fw, FOLLOW_HINT, "raise fs.inotify.max_user_watches (sysctl)");
			fw->watch_full = true;
		}
		return -1;
	}
	if (wd >= fw->ndirs) {
		int n = wd * 2 + 16;
		char **d = realloc(fw->dirs, (size_t)n * sizeof(*d));
		unsigned char *w;

		if (d == NULL)
			return -ENOMEM;
		memset(d + fw->ndirs, 0, (size_t)(n - fw->ndirs) * sizeof(*d));
		fw->dirs = d;	/* (grown: @walked may lag, @ndirs says how far both go) */
		w = realloc(fw->walked, (size_t)n);
		if (w == NULL)
			return -ENOMEM;
		memset(w + fw->ndirs, 0, (size_t)(n - fw->ndirs));
		fw->walked = w;
		fw->ndirs = n;
	}
	fw->walked[wd] |= walked;
	if (fw->dirs[wd] && strcmp(fw->dirs[wd], dir) == 0)
		return 0;
	free(fw->dirs[wd]);	/* new, or the same directory under a new name */
	fw->dirs[wd] = strdup(dir);
	return fw->dirs[wd] ? 0 : -ENOMEM;
}

/* Watch the directory of @path (once per directory: the kernel gives the same wd). */
static void watch_dir_of(struct follow *fw, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (fw->ifd < 0)
		return;
	dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (dir == NULL)
		return;	/* (not watched: changes are not followed) */
	/* a walk gives a directory's files one after the other: one
	 * inotify_add_watch(2) for them, not one each */
	if (fw->last_dir && strcmp(fw->last_dir, dir) == 0) {
		free(dir);
		return;
	}
	free(fw->last_dir);
	fw->last_dir = dir;
	follow_watch_dir(fw, dir, false);
}

static void set_result(struct held_entry *e, const struct memlock_hold_result *r)
{
	e->id = (uint32_t)r->id;	/* (a table of 4 billion files is refused before) */
	e->state = r->state & 7;
	e->why = r->why & 15;
	e->err = (int16_t)r->err;
}

int follow_track(struct follow *fw, const char *path, const struct memlock_hold_result *r)
{
	struct held_entry *e = follow_lookup(fw, path);

	if (e == NULL) {
		if (strlen(path) >= ENTRY_PATH_MAX || r->id > UINT32_MAX) {
			follow_say(fw, FOLLOW_WARN, "%s: too long a path to follow", user_str(path));
			return -ENAMETOOLONG;
		}
		e = table_add(&fw->t, path);
		if (e == NULL) {
			int rc = -errno;

			if (rc == -E2BIG)
				follow_say(fw, FOLLOW_WARN, "too many files to follow");
			else
				follow_say(fw, FOLLOW_WARN, "%s: cannot follow: %s", user_str(path),
					   strerror(-rc));
			return rc;
		}
		watch_dir_of(fw, path);
	}
	set_result(e, r);
	e->seen = 1;
	return 0;
}

/* Lock @e's file again as it is now (or release it when it is gone). */
static void relock(struct follow *fw, struct held_entry *e, const char *why)
{
	struct memlock_hold_result r = { .sz = sizeof(r) };
	char a[32], buf[ENTRY_PATH_MAX];
	const char *path = entry_path(&fw->t, e, buf);
	int fd, rc;

	if (e->id && memlock_holder_remove(fw->h, e->id) < 0)
		follow_say(fw, FOLLOW_WARN, "%s: cannot release the old pages", user_str(path));
	e->id = 0;
	e->state = MEMLOCK_HOLD_NOT_LOCKED;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		e->err = (int16_t)errno;
		e->why = MEMLOCK_HOLD_WHY_ERROR;
		if (errno == ENOENT)
			follow_say(fw, FOLLOW_INFO, "released %s (deleted)", user_str(path));
		else
			follow_say(fw, FOLLOW_WARN, "cannot read %s: %s", user_str(path),
				   strerror(errno));
		return;
	}
	rc = memlock_holder_add_fd(fw->h, fd, &r);
	close(fd);
	if (rc < 0) {
		e->err = (int16_t)-rc;
		follow_say(fw, FOLLOW_WARN, "cannot lock %s: %s", user_str(path), strerror(-rc));
		return;
	}
	set_result(e, &r);
	follow_say(fw, FOLLOW_INFO, "locked %s again (%s): %s", user_str(path), why,
		   size_to_human(r.locked, a, sizeof(a)));
	if (r.state != MEMLOCK_HOLD_LOCKED)
		follow_say(fw, FOLLOW_WARN, "%s: not locked in full: %s", user_str(path),
			   memlock_hold_why_name(r.why));
}

/* What changed about @e's file, if anything; NULL when nothing did. */
static const char *change_of(struct follow *fw, const struct held_entry *e)
{
	struct memlock_hold_result r;
	char buf[ENTRY_PATH_MAX];
	struct stat st;

	if (stat(entry_path(&fw->t, e, buf), &st) < 0)
		return e->id ? "deleted" : NULL;
	if (!S_ISREG(st.st_mode))
		return e->id ? "no longer a regular file" : NULL;
	if (entry_held(fw, e, &r) < 0)	/* (not held: id 0) */
		return "back";
	if ((uint64_t)st.st_dev != r.dev || (uint64_t)st.st_ino != r.ino)
		return "replaced";
	if ((uint64_t)st.st_size != r.size)
		return (uint64_t)st.st_size > r.size ? "grown" : "truncated";
	return NULL;
}

static void mark(struct follow *fw, struct held_entry *e)
{
	if (e->dirty)
		return;
	if (fw->nbatch == fw->batch_cap) {
		size_t n = fw->batch_cap ? fw->batch_cap * 2 : 16;
		uint32_t *b = realloc(fw->batch, n * sizeof(*b));

		if (b == NULL) {
			fw->overflow = true;	/* a change lost: walk again */
			return;
		}
		fw->batch = b;
		fw->batch_cap = n;
	}
	e->dirty = true;
	fw->batch[fw->nbatch++] = (uint32_t)(e - fw->t.ent);
}

/* Directory @dir moved away: its files go by other names now (released
 * with the batch, and locked under their new names if they are still in
 * the walk), not twice. */
static void mark_moved_dir(struct follow *fw, const char *dir)
{
	size_t len = strlen(dir);
	char buf[ENTRY_PATH_MAX];

	for (size_t k = 0; k < fw->t.nent; k++) {
		struct held_entry *e = &fw->t.ent[k];
		const char *p = e->dead ? NULL : entry_path(&fw->t, e, buf);

		if (p && strncmp(p, dir, len) == 0 && p[len] == '/')
			mark(fw, e);
	}
}

/* Read what inotify has; the entries named go into the batch. 1 when
 * something was read. */
static bool read_events(struct follow *fw)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	char path[PATH_MAX * 2];
	bool any = false;
	ssize_t n;

	while ((n = read(fw->ifd, buf, sizeof(buf))) > 0) {
		any = true;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			const char *p_name;
			struct held_entry *e;

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW)
				fw->overflow = true;
			if (ev->mask & IN_IGNORED && ev->wd < fw->ndirs) {
				free(fw->dirs[ev->wd]);	/* the directory is gone */
				fw->dirs[ev->wd] = NULL;
				fw->walked[ev->wd] = 0;
			}
			if (ev->len == 0 || ev->wd >= fw->ndirs || fw->dirs[ev->wd] == NULL)
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", fw->dirs[ev->wd], ev->name) >=
			    sizeof(path))
				continue;
			p_name = strcmp(fw->dirs[ev->wd], "/") ? path : path + 1;
			if ((ev->mask & IN_MOVED_FROM) && (ev->mask & IN_ISDIR))
				mark_moved_dir(fw, p_name);
			e = follow_lookup(fw, p_name);
			if (e)
				mark(fw, e);
			else if ((ev->mask & NEW_MASK) &&
				 (fw->walked[ev->wd] ||
				  (fw->hooks.adopt && fw->hooks.adopt(fw->hooks.arg, p_name))))
				follow_adopt_later(fw, p_name);
		}
	}
	return any;
}

int follow_fd(const struct follow *fw)
{
	return fw->ifd;
}

int follow_events(struct follow *fw)
{
	if (fw->ifd >= 0 && read_events(fw) && (fw->nbatch || fw->nnew)) {
		fw->last_ns = mono_ns();
		if (fw->first_ns == 0)
			fw->first_ns = fw->last_ns;
	}
	if (!fw->overflow)
		return 0;
	fw->overflow = false;	/* what changed is not known */
	return 1;
}

int follow_timeout_ms(const struct follow *fw)
{
	uint64_t now, due;

	if (!fw->nbatch && !fw->nnew)
		return -1;
	now = mono_ns();
	due = fw->last_ns + BATCH_QUIET_NS;
	if (fw->first_ns + BATCH_MAX_NS < due)
		due = fw->first_ns + BATCH_MAX_NS;
	return due <= now ? 0 : (int)((due - now + 999999) / 1000000);
}

void follow_run_batch(struct follow *fw)
{
	for (size_t i = 0; i < fw->nbatch; i++) {
		struct held_entry *e = &fw->t.ent[fw->batch[i]];
		const char *why = e->dead ? NULL : change_of(fw, e);

		e->dirty = false;
		if (why)
			relock(fw, e, why);
	}
	fw->nbatch = 0;
	fw->first_ns = fw->last_ns = 0;
	follow_adopt_batch(fw);
}

/* The walk again (SIGHUP, events lost). */
struct reload {
	struct follow *fw;
	unsigned int kept, locked, released;
};

static void sweep(struct reload *rl)
{
	struct follow *fw = rl->fw;

	for (size_t k = 0; k < fw->t.nent; k++) {
		struct held_entry *e = &fw->t.ent[k];

		if (e->dead || e->seen || !e->id)
			continue;
		if (memlock_holder_remove(fw->h, e->id) == 0)
			rl->released++;
		e->id = 0;
	}
}

int follow_reload(struct follow *fw)
{
	struct memlock_files *w = memlock_files_open((const char *const *)fw->ops, fw->nops,
						     &fw->wo);
	struct memlock_file f = { .sz = sizeof(f) };
	struct reload rl = { fw, 0, 0, 0 };
	int rc = -errno;

	if (w == NULL) {
		follow_say(fw, FOLLOW_WARN, "cannot walk the files again: %s", strerror(-rc));
		return rc;
	}
	for (size_t k = 0; k < fw->t.nent; k++)
		fw->t.ent[k].seen = 0;
	for (size_t i = 0; i < fw->nops; i++)	/* directories made meanwhile */
		follow_watch_operand(fw, fw->ops[i]);
	while (memlock_files_next(w, &f) == 0) {
		struct memlock_hold_result r = { .sz = sizeof(r) }, now;
		struct held_entry *e;

		if (f.kind != MEMLOCK_FILE_REGULAR)
			continue;
		e = follow_lookup(fw, f.path);
		if (e && entry_held(fw, e, &now) == 0 && now.dev == f.dev && now.ino == f.ino &&
		    now.size == f.size && e->state == MEMLOCK_HOLD_LOCKED) {
			e->seen = 1;
			rl.kept++;
			continue;
		}
		if (e && e->id && memlock_holder_remove(fw->h, e->id) < 0)
			follow_say(fw, FOLLOW_WARN, "%s: cannot release the old pages", user_str(f.path));
		if (memlock_holder_add_walked(fw->h, &f, &r) < 0)
			continue;
		(void)follow_track(fw, f.path, &r);
		rl.locked += r.locked > 0;
	}
	memlock_files_close(w);
	sweep(&rl);
	follow_say(fw, FOLLOW_INFO, "reloaded: %u files kept, %u locked anew, %u released", rl.kept,
		   rl.locked, rl.released);
	return 0;
}

void follow_free(struct follow *fw)
{
	if (fw == NULL)
		return;
	table_free(&fw->t);
	for (int i = 0; i < fw->ndirs; i++)
		free(fw->dirs[i]);
	free(fw->dirs);
	free(fw->walked);
	tdestroy(fw->new_seen, free);	/* the names of a batch not run */
	free(fw->new_paths);
	free(fw->last_dir);
	free(fw->batch);
	if (fw->ifd >= 0)
		close(fw->ifd);
	for (size_t i = 0; i < fw->nops; i++)
		free(fw->ops[i]);
	free(fw->ops);
	free(fw);
}
