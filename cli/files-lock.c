// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock files --lock: load and lock files' data pages and hold them until
 * SIGINT or SIGTERM (vmtouch -l, memlockd), saying exactly what was not
 * locked and why; then follow the files (files-follow.c). SIGHUP walks the
 * paths again without dropping what stays (vmtouch dies on it).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "fixes.h"
#include "output.h"

/* Files for the holder's helper processes wait here, to go in one batch
 * (one message to a helper, one reply) instead of a round trip each. */
#define LOCK_BATCH 253

struct lock_batch {
	int fds[LOCK_BATCH];
	char *paths[LOCK_BATCH];
	struct memlock_hold_result res[LOCK_BATCH];
	size_t n;
};

struct lock_run {
	const struct files_lock_opts *o;
	struct memlock_holder *h;
	struct follow *fw;
	struct control ctl;		/* the control socket */
	struct lock_batch *batch;
	int closing[64];		/* the walk's descriptors, closed together */
	size_t nclosing;
	uint64_t files, data, locked, not_locked, partial, errors;
	uint64_t missed;		/* data bytes not locked */
	enum memlock_hold_why first_why;
	char *first_path;		/* the first file not locked in full */
};

/* The predictor on locking the rest, for the hint of a limit. */
static void hint_limit(uint64_t want)
{
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCK, .len = want };
	struct memlock_verdict *v = memlock_verdict_new();

	if (v && memlock_predict(NULL, 0, &req, v) == 0 && !memlock_verdict_ok(v)) {
		hint("%s", memlock_verdict_reason(v));
		hint_fixes(v);
	}
	memlock_verdict_free(v);
}

static void not_in_full(struct lock_run *run, const char *path, const struct memlock_hold_result *r)
{
	char a[32], b[32];

	run->missed += r->data - r->locked;
	if (r->state == MEMLOCK_HOLD_PARTIAL)
		run->partial++;
	else
		run->not_locked++;
	if (run->first_path == NULL) {
		run->first_path = strdup(path);
		run->first_why = r->why;
	}
	if (r->why == MEMLOCK_HOLD_WHY_CHANGED)
		warnx("%s: %s of %s locked: %s", user_str(path), size_to_human(r->locked, a, sizeof(a)),
		      size_to_human(r->data, b, sizeof(b)), memlock_hold_why_name(r->why));
	else if (r->why == MEMLOCK_HOLD_WHY_ERROR || r->why == MEMLOCK_HOLD_WHY_MEMORY)
		warnx("%s: %s of %s locked: %s (%s)", user_str(path), size_to_human(r->locked, a, sizeof(a)),
		      size_to_human(r->data, b, sizeof(b)), memlock_hold_why_name(r->why),
		      strerror(r->err));
	else if (run->o->verbose)
		warnx("%s: %s of %s locked: %s", user_str(path), size_to_human(r->locked, a, sizeof(a)),
		      size_to_human(r->data, b, sizeof(b)), memlock_hold_why_name(r->why));
}

/* What became of the regular file @path: @rc of memlock_holder_add_fd(),
 * and @r when it is 0. */
static void took(struct lock_run *run, const char *path, int rc, const struct memlock_hold_result *r)
{
	if (rc < 0) {
		run->errors++;
		warn_rc(rc, "cannot lock %s", user_str(path));
		return;
	}
	follow_track(run->fw, path, r);
	run->files++;
	run->data += r->data;
	run->locked += r->locked;
	if (r->state != MEMLOCK_HOLD_LOCKED)
		not_in_full(run, path, r);
}

static void batch_flush(struct lock_run *run)
{
	struct lock_batch *b = run->batch;
	int rc;

	if (b == NULL || b->n == 0)
		return;
	b->res[0].sz = sizeof(b->res[0]);
	rc = memlock_holder_add_fds(run->h, b->fds, b->n, b->res);
	for (size_t i = 0; i < b->n; i++) {
		const struct memlock_hold_result *r = &b->res[i];

		/* a file the holder refused (nothing of it looked at) */
		if (rc == 0 && r->why == MEMLOCK_HOLD_WHY_ERROR && r->data == 0)
			took(run, b->paths[i], -r->err, r);
		else
			took(run, b->paths[i], rc, r);
		free(b->paths[i]);
	}
	fds_close(b->fds, b->n);
	b->n = 0;
}

/* The walk leaves its regular files open (MEMLOCK_WALK_KEEP_FD): closed
 * here in runs, one close_range(2) for many files. */
static void close_later(struct lock_run *run, int fd)
{
	if (run->nclosing == sizeof(run->closing) / sizeof(run->closing[0])) {
		fds_close(run->closing, run->nclosing);
		run->nclosing = 0;
	}
	if (fd >= 0)
		run->closing[run->nclosing++] = fd;
}

/* Whether @f waits for a batch (which then owns its descriptor): once
 * every mapping of the holder's own is in use, each file goes to a helper
 * process. */
static bool batched(struct lock_run *run, const struct memlock_file *f)
{
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	struct lock_batch *b = run->batch;

	if ((b == NULL || b->n == 0) &&
	    (memlock_holder_totals(run->h, &t) < 0 || t.helpers == 0 || t.maps < t.max_maps))
		return false;
	if (b == NULL && (b = run->batch = calloc(1, sizeof(*b))) == NULL)
		return false;
	b->paths[b->n] = strdup(f->path);
	if (b->paths[b->n] == NULL)
		return false;
	b->fds[b->n++] = f->fd;
	if (b->n == LOCK_BATCH)
		batch_flush(run);
	return true;
}

static void lock_one(struct lock_run *run, const struct memlock_file *f)
{
	struct memlock_hold_result r = { .sz = sizeof(r) };

	if (f->kind != MEMLOCK_FILE_REGULAR)
		batch_flush(run);	/* what is said comes in the walk's order */
	switch (f->kind) {
	case MEMLOCK_FILE_DIRECTORY:
		return;
	case MEMLOCK_FILE_SKIPPED:
		if (f->operand || run->o->verbose)
			warnx("skipping %s: %s", user_str(f->path), memlock_file_skip_name(f->skip));
		if (f->operand && f->skip == MEMLOCK_SKIP_DIRECTORY)
			hint("give -R to walk it");
		return;
	case MEMLOCK_FILE_ERROR:
		run->errors++;
		warn_rc(-f->err, "cannot read %s", user_str(f->path));
		return;
	case MEMLOCK_FILE_REGULAR:
		break;
	}
	if (batched(run, f))
		return;
	batch_flush(run);
	took(run, f->path, memlock_holder_add_walked(run->h, f, &r), &r);
	close_later(run, f->fd);
}

static void report(const struct lock_run *run)
{
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	char a[32], b[32], c[32];

	if (memlock_holder_totals(run->h, &t) < 0)
		return;
	printf("locked %s of %s in %" PRIu64 " files", size_to_human(run->locked, a, sizeof(a)),
	       size_to_human(run->data, b, sizeof(b)), t.files);
	if (t.budget != MEMLOCK_UNLIMITED)
		printf(" (budget %s)", size_to_human(t.budget, c, sizeof(c)));
	printf(", %" PRIu64 " mappings", t.maps + t.helper_maps);
	if (t.helpers)
		printf(" in %" PRIu64 " processes", t.helpers + 1);
	putchar('\n');
	fflush(stdout);	/* a pipe or the journal sees it now, not at exit */
	if (run->first_path == NULL)
		return;
	warnx("%s of %" PRIu64 " files not locked (%" PRIu64 " in part, %" PRIu64 " not at all): "
	      "first %s: %s%s", size_to_human(run->missed, a, sizeof(a)), run->files, run->partial,
	      run->not_locked, user_str(run->first_path), memlock_hold_why_name(run->first_why),
	      run->first_why == MEMLOCK_HOLD_WHY_BUDGET && !run->o->budget
		      ? " (the default budget: the soft RLIMIT_MEMLOCK)" : "");
	if (run->first_why == MEMLOCK_HOLD_WHY_LIMIT ||
	    (run->first_why == MEMLOCK_HOLD_WHY_BUDGET && !run->o->budget))
		hint_limit(run->missed);
	else if (run->first_why == MEMLOCK_HOLD_WHY_BUDGET)
		hint("raise --budget to %s", size_to_human(run->data, a, sizeof(a)));
	else if (run->first_why == MEMLOCK_HOLD_WHY_MAP_COUNT)
		hint("raise vm.max_map_count (sysctl), or lock fewer files");
	else if (run->first_why == MEMLOCK_HOLD_WHY_CGROUP)
		hint("the holder's memory cgroup (limit %s) had room for %s: raise its limit "
		     "(a unit's MemoryMax=, cgroup v1's memory.limit_in_bytes) or hold from a "
		     "bigger cgroup", size_to_human(t.cgroup_limit, a, sizeof(a)),
		     size_to_human(t.cgroup_room, c, sizeof(c)));
}

static int locked_hold(char **paths, int n, const struct memlock_walk_opts *wo,
		       const struct files_lock_opts *o, int ready);

/* The paths as the holder keeps them: absolute, so that --add and --remove
 * of another working directory name the same files. */
static char **absolute_paths(char **paths, int n)
{
	char **abs = calloc((size_t)n + 1, sizeof(*abs));

	if (abs == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	for (int i = 0; i < n; i++)
		if ((abs[i] = path_absolute(paths[i])) == NULL)
			err(EXIT_FAILURE, "cannot make %s an absolute path", user_str(paths[i]));
	return abs;
}

static void free_paths(char **p, int n)
{
	for (int i = 0; i < n; i++)
		free(p[i]);
	free(p);
}

int files_lock(char **given, int n, const struct memlock_walk_opts *wo,
	       const struct files_lock_opts *o)
{
	char **paths = absolute_paths(given, n);
	int ready = o->daemon ? daemon_start() : -1;
	int status = locked_hold(paths, n, wo, o, ready);

	free_paths(paths, n);
	return status;
}

/* The control socket beside the PID file: /run/x/name.pid -> /run/x/name.sock */
static char *socket_beside(const char *pidfile)
{
	const char *dot = strrchr(pidfile, '.'), *slash = strrchr(pidfile, '/');
	size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - pidfile) : strlen(pidfile);
	char *p;

	if (asprintf(&p, "%.*s.sock", (int)n, pidfile) < 0)
		err(EXIT_FAILURE, "cannot allocate memory");
	return p;
}

/* An explicit budget the memory cgroup has no room for: the kernel would
 * OOM-kill the holder, and every lock with it. Said before locking. */
static void warn_cgroup(const struct lock_run *run)
{
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	char a[32], b[32];

	if (!run->o->budget || memlock_holder_totals(run->h, &t) < 0 ||
	    t.cgroup_room == MEMLOCK_UNLIMITED || run->o->budget <= t.cgroup_room)
		return;
	warnx("the budget (%s) is more than the room left in the holder's memory cgroup (%s, "
	      "limit %s): the kernel may OOM-kill the holder, and drop every lock with it",
	      size_to_human(run->o->budget, a, sizeof(a)), size_to_human(t.cgroup_room, b, sizeof(b)),
	      size_to_human(t.cgroup_limit, (char[32]){ 0 }, 32));
	hint("leave --budget out (the cgroup's room is then the cap), or raise the cgroup's limit");
}

/* Ready: the PID file, the control socket, the service manager, the parent. */
static int ready_to_hold(struct lock_run *run, int ready, bool incomplete)
{
	const struct files_lock_opts *o = run->o;
	char *sock = o->socket ? strdup(o->socket) : o->pidfile ? socket_beside(o->pidfile) : NULL;

	if (o->pidfile && pidfile_write(o->pidfile) < 0) {
		free(sock);
		return -1;
	}
	if (control_listen(&run->ctl, sock) < 0)
		warnx("no control socket: --status, --add and --remove cannot reach this holder");
	free(sock);
	notify_status(run->h, "READY=1\n");
	daemon_ready(ready, incomplete ? EXIT_SOMEOK : EXIT_SUCCESS);
	return 0;
}

/* SIGHUP, or events lost: the walk again, then STATUS= */
static void reload(struct lock_run *run)
{
	if (follow_reload(run->fw) == 0)
		notify_status(run->h, "READY=1\n");
}

/* Hold until SIGINT or SIGTERM, following the files; SIGHUP reloads, the
 * control socket answers. */
static void hold(struct lock_run *run)
{
	struct follow *fw = run->fw;
	struct pollfd pfd[3];
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = follow_fd(fw), .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = run->ctl.fd, .events = POLLIN };
	for (;;) {
		struct signalfd_siginfo si;
		int r = poll(pfd, 3, follow_timeout_ms(fw));	/* (a negative fd is not polled) */

		if (r < 0 && errno != EINTR)
			break;
		if ((pfd[1].revents & POLLIN) && follow_events(fw) == 1) {
			follow_run_batch(fw);	/* events were lost: what changed is not known */
			reload(run);
		}
		if (follow_timeout_ms(fw) == 0)	/* the batch is complete */
			follow_run_batch(fw);
		if (r > 0 && (pfd[2].revents & POLLIN)) {
			follow_run_batch(fw);
			control_serve(&run->ctl, fw);
			notify_status(run->h, NULL);
		}
		if (r <= 0 || !(pfd[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGHUP)
			break;
		follow_run_batch(fw);
		notify("RELOADING=1");
		reload(run);
	}
	close(sfd);
}

static int locked_hold(char **paths, int n, const struct memlock_walk_opts *wo,
		       const struct files_lock_opts *o, int ready)
{
	struct memlock_holder_opts ho = { .sz = sizeof(ho), .budget = o->budget, .rate = o->rate,
					 .max_maps = o->max_maps, .flags = MEMLOCK_F_SPREAD };
	struct memlock_walk_opts keep = *wo;	/* (the follower's walks close their own) */
	struct memlock_file f = { .sz = sizeof(f) };
	struct lock_run run = { .o = o, .ctl = { .fd = -1 } };
	struct memlock_files *w;
	bool incomplete;
	int rc;

	run.h = memlock_holder_open(&ho);
	if (run.h == NULL) {
		warn_rc(-errno, "cannot start holding files");
		return EXIT_FAILURE;
	}
	warn_cgroup(&run);
	run.fw = follow_new(run.h, paths, n, wo, NULL);
	if (run.fw == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	keep.flags |= MEMLOCK_WALK_KEEP_FD;
	w = memlock_files_open((const char *const *)paths, (size_t)n, &keep);
	if (w == NULL) {
		rc = -errno;
	} else {
		while ((rc = memlock_files_next(w, &f)) == 0)
			lock_one(&run, &f);
		memlock_files_close(w);
	}
	batch_flush(&run);
	fds_close(run.closing, run.nclosing);
	free(run.batch);
	if (rc < 0)
		warn_rc(rc, "cannot walk the files");
	report(&run);
	incomplete = run.first_path != NULL || run.errors;
	free(run.first_path);
	if (rc < 0 || (o->strict && incomplete) || (run.files == 0 && run.errors) ||
	    ready_to_hold(&run, ready, incomplete) < 0) {
		control_close(&run.ctl);
		follow_free(run.fw);
		memlock_holder_close(run.h);
		if (o->strict && incomplete && rc >= 0)
			warnx("nothing is held (--strict)");
		daemon_ready(ready, EXIT_FAILURE);
		return EXIT_FAILURE;
	}
	hold(&run);
	notify("STOPPING=1");
	control_close(&run.ctl);
	follow_free(run.fw);
	memlock_holder_close(run.h);
	pidfile_remove();
	return incomplete ? EXIT_SOMEOK : EXIT_SUCCESS;
}
