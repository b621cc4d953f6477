// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket of memlock files --lock: memlock files --status lists
 * what a running holder holds, --add and --remove change it without a
 * restart. A SOCK_SEQPACKET socket, mode 0600, answering its own user and
 * root only (SO_PEERCRED); one client at a time, each bounded by a
 * timeout, so a stuck client cannot stop the holder from following.
 * A request is one message: struct ctl_req and a path's bytes. The answer
 * is a message per file (struct ctl_rec and its path) and a last one
 * (CTL_END) with the outcome. Paths are bytes, never text.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "output.h"

#define CTL_MSG_MAX (sizeof(struct ctl_rec) + 2 * PATH_MAX)


char *control_default_path(pid_t pid)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char *p = NULL;
	int n;

	if (geteuid() == 0)
		n = asprintf(&p, "/run/memlock/files.%d.sock", (int)pid);
	else if (rt && *rt == '/')
		n = asprintf(&p, "%s/memlock/files.%d.sock", rt, (int)pid);
	else
		n = asprintf(&p, "/tmp/memlock-%u/files.%d.sock", (unsigned int)geteuid(), (int)pid);
	return n < 0 ? NULL : p;
}

static int sun_of(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int control_listen(struct control *c, const char *path)
{
	char *p = path ? strdup(path) : control_default_path(getpid()), *slash;
	struct sockaddr_un sa;
	mode_t old;
	int fd, rc;

	if (p == NULL)
		return -ENOMEM;
	slash = strrchr(p, '/');
	if (path == NULL && slash) {	/* our own directory, 0700 (0755 for /run/memlock) */
		*slash = '\0';
		(void)mkdir(p, geteuid() == 0 ? 0755 : 0700);
		*slash = '/';
	}
	rc = sun_of(&sa, p);
	fd = rc < 0 ? -1 : socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = rc < 0 ? rc : -errno;
		goto fail;
	}
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0 ? -errno : 0;
	umask(old);
	if (rc < 0) {
		close(fd);
		goto fail;
	}
	c->fd = fd;
	c->path = p;
	printf("control socket: %s\n", p);
	fflush(stdout);
	return 0;
fail:
	warn_rc(rc, "cannot listen on %s", user_str(p));
	free(p);
	return rc;
}

void control_close(struct control *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	unlink(c->path);
	free(c->path);
	c->path = NULL;
	c->fd = -1;
}

static int send_rec(int fd, const struct ctl_rec *r, const char *path)
{
	size_t n = path ? strlen(path) : 0;
	struct iovec iov[2] = { { (void *)r, sizeof(*r) }, { (void *)path, n } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

	return sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* The data bytes of the file @path now, in whole pages, holes left out;
 * its size in @size. 0 for both when it cannot be read. */
static uint64_t data_now(const char *path, uint64_t *size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), data = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	off_t pos = 0, d, h;

	*size = 0;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	*size = (uint64_t)st.st_size;
	if ((uint64_t)st.st_blocks * 512 >= *size) {	/* no hole */
		close(fd);
		return (*size + page - 1) / page * page;
	}
	while (pos < st.st_size && (d = lseek(fd, pos, SEEK_DATA)) >= 0) {
		h = lseek(fd, d, SEEK_HOLE);
		if (h <= d)
			break;
		data += ((uint64_t)h + page - 1) / page * page - (uint64_t)d / page * page;
		pos = h;
	}
	close(fd);
	return data;
}

bool entry_facts(const struct follow *fw, const struct held_entry *e, uint64_t *size,
		 uint64_t *data, uint64_t *locked, struct memlock_hold_result *r)
{
	char buf[ENTRY_PATH_MAX];
	uint64_t now_size;

	if (entry_held(fw, e, r) < 0) {
		*locked = 0;
		*data = data_now(entry_path(&fw->t, e, buf), size);
		return false;
	}
	*size = r->size;
	*locked = r->locked;
	*data = e->state == MEMLOCK_HOLD_LOCKED ? r->locked
						: data_now(entry_path(&fw->t, e, buf), &now_size);
	return true;
}

/* @e's record to the client; its locked bytes added to *@bytes (or NULL) */
static int send_entry(const struct follow *fw, int fd, const struct held_entry *e,
		      uint64_t *bytes)
{
	struct ctl_rec r = { REC_FILE, e->err, 0, 0, 0, e->state, e->why };
	struct memlock_hold_result held;
	char buf[ENTRY_PATH_MAX];

	(void)entry_facts(fw, e, &r.size, &r.data, &r.locked, &held);
	if (bytes)
		*bytes += r.locked;

	if (!e->id)
		r.state = MEMLOCK_HOLD_NOT_LOCKED;
	return send_rec(fd, &r, entry_path(&fw->t, e, buf));
}

struct walk_ctx {
	struct follow *fw;
	int fd;
	const char *prefix;	/* CTL_REMOVE: the path, or NULL for every entry */
	uint32_t *hits;		/* indexes in fw->t.ent, in the order of their paths */
	size_t n;
};

static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/' ||
						 (n && prefix[n - 1] == '/'));
}

static int by_path(const void *a, const void *b, void *arg)
{
	const struct follow_table *t = arg;

	return table_cmp(t, &t->ent[*(const uint32_t *)a], &t->ent[*(const uint32_t *)b]);
}

/* The entries (under c->prefix), sorted by path. */
static void collect(struct walk_ctx *c)
{
	struct follow_table *t = &c->fw->t;
	char buf[ENTRY_PATH_MAX];

	c->n = 0;
	c->hits = malloc((t->live ? t->live : 1) * sizeof(*c->hits));
	if (c->hits == NULL)
		return;	/* answered with none; the END says how many */
	for (size_t k = 0; k < t->nent; k++) {
		if (t->ent[k].dead)
			continue;
		if (c->prefix && !under(entry_path(t, &t->ent[k], buf), c->prefix))
			continue;
		c->hits[c->n++] = (uint32_t)k;
	}
	qsort_r(c->hits, c->n, sizeof(*c->hits), by_path, t);
}

static int do_status(struct follow *fw, int fd, uint64_t *files, uint64_t *bytes)
{
	struct walk_ctx c = { .fw = fw, .fd = fd };
	int rc = 0;

	collect(&c);
	for (size_t i = 0; i < c.n && rc == 0; i++) {
		rc = send_entry(fw, fd, &fw->t.ent[c.hits[i]], bytes);
	}
	*files = c.n;
	free(c.hits);
	return rc;
}

static int do_add(struct follow *fw, int fd, const char *path, uint64_t *files, uint64_t *bytes)
{
	const char *paths[] = { path };
	struct memlock_files *w = memlock_files_open(paths, 1, &fw->wo);
	struct memlock_file f = { .sz = sizeof(f) };
	int rc, err = 0;

	if (w == NULL)
		return -errno;
	while ((rc = memlock_files_next(w, &f)) == 0) {
		struct memlock_hold_result r = { .sz = sizeof(r) }, now;
		struct held_entry *e;

		if (f.kind == MEMLOCK_FILE_ERROR && f.operand)
			err = f.err;
		if (f.kind == MEMLOCK_FILE_SKIPPED && f.operand)	/* EISDIR: a directory without -R */
			err = f.skip == MEMLOCK_SKIP_DIRECTORY ? EISDIR : EINVAL;
		if (f.kind != MEMLOCK_FILE_REGULAR)
			continue;
		e = follow_lookup(fw, f.path);
		if (e && entry_held(fw, e, &now) == 0 && now.dev == f.dev && now.ino == f.ino &&
		    now.size == f.size)
			continue;	/* held already */
		if (e && e->id && memlock_holder_remove(fw->h, e->id) < 0)
			continue;
		if (memlock_holder_add_walked(fw->h, &f, &r) < 0)
			continue;
		follow_track(fw, f.path, &r);
		(*files)++;
		*bytes += r.locked;
		e = follow_lookup(fw, f.path);
		if (e && send_entry(fw, fd, e, NULL) < 0)
			break;
	}
	memlock_files_close(w);
	if (rc < 0)
		return rc;
	if (err)
		return -err;
	rc = follow_add_operand(fw, path);
	if (rc < 0)
		return rc;
	printf("added %s: %" PRIu64 " files\n", user_str(path), *files);
	fflush(stdout);
	return 0;
}

static void drop_operand(struct follow *fw, const char *path)
{
	for (size_t i = 0; i < fw->nops; i++) {
		if (!under(fw->ops[i], path))
			continue;
		free(fw->ops[i]);
		fw->ops[i--] = fw->ops[--fw->nops];
	}
}

static int do_remove(struct follow *fw, int fd, const char *path, uint64_t *files, uint64_t *bytes)
{
	struct walk_ctx c = { .fw = fw, .fd = fd, .prefix = path };

	collect(&c);
	for (size_t i = 0; i < c.n; i++) {
		struct held_entry *e = &fw->t.ent[c.hits[i]];
		struct memlock_hold_result now;
		uint64_t locked = entry_held(fw, e, &now) == 0 ? now.locked : 0;

		if (e->id && memlock_holder_remove(fw->h, e->id) == 0)
			*bytes += locked;
		e->id = 0;
		(void)send_entry(fw, fd, e, NULL);
		table_remove(&fw->t, e);
	}
	*files = c.n;
	free(c.hits);
	drop_operand(fw, path);
	if (c.n == 0)
		return -ENOENT;
	printf("removed %s: %" PRIu64 " files\n", user_str(path), *files);
	fflush(stdout);
	return 0;
}

void control_serve(const struct control *c, struct follow *fw)
{
	struct timeval tv = { 2, 0 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct ctl_rec end = { .kind = REC_END };
	char *buf = malloc(CTL_MSG_MAX + 1);
	struct ctl_req req;
	ssize_t n;
	int fd;

	fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0 || buf == NULL)
		goto out;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		end.err = EPERM;
		goto answer;
	}
	n = recv(fd, buf, CTL_MSG_MAX, 0);
	if (n < (ssize_t)sizeof(req)) {
		end.err = EBADMSG;
		goto answer;
	}
	memcpy(&req, buf, sizeof(req));
	buf[n] = '\0';
	if (req.op != CTL_STATUS && (size_t)n == sizeof(req)) {
		end.err = EINVAL;
		goto answer;
	}
	switch (req.op) {
	case CTL_STATUS:
		end.err = -do_status(fw, fd, &end.size, &end.locked);
		break;
	case CTL_ADD:
		end.err = -do_add(fw, fd, buf + sizeof(req), &end.size, &end.locked);
		break;
	case CTL_REMOVE:
		end.err = -do_remove(fw, fd, buf + sizeof(req), &end.size, &end.locked);
		break;
	default:
		end.err = EINVAL;
	}
answer:
	(void)send_rec(fd, &end, NULL);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
}
