// SPDX-License-Identifier: GPL-2.0-or-later
/* memlock files --status, --add, --remove: a client of a holder's control
 * socket (files-control.c). */
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "output.h"

enum { S_PATH, S_SIZE, S_DATA, S_LOCKED, S_PAGES, S_STATE, S_REASON };

static const struct colinfo status_infos[] = {
	[S_PATH] = { "PATH", 0.5, SCOLS_FL_NOEXTREMES, COL_STR, "file name", NULL },
	[S_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, COL_SIZE, "file size", NULL },
	[S_DATA] = { "DATA", 5, SCOLS_FL_RIGHT, COL_SIZE, "its data, holes left out", NULL },
	[S_LOCKED] = { "LOCKED", 5, SCOLS_FL_RIGHT, COL_SIZE, "bytes locked", NULL },
	[S_PAGES] = { "PAGES", 5, SCOLS_FL_RIGHT, COL_NUM, "pages locked", NULL },
	[S_STATE] = { "STATE", 8, 0, COL_STR, "locked, partial, not locked", NULL },
	[S_REASON] = { "REASON", 0.3, SCOLS_FL_TRUNC, COL_STR,
		       "why not locked in full, or the last error", NULL },
};
static const int status_defaults[] = { S_PATH, S_SIZE, S_LOCKED, S_STATE, S_REASON };

static const char *state_name(uint32_t s)
{
	return s == MEMLOCK_HOLD_LOCKED ? "locked" : s == MEMLOCK_HOLD_PARTIAL ? "partial"
									: "not locked";
}

/* The one holder's socket in the default place, or an error that says
 * what to do. */
static char *find_socket(void)
{
	char *pattern = control_default_path(0), *star, *p = NULL;
	glob_t g;

	if (pattern == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	star = strstr(pattern, "files.0.sock");	/* every socket there: files.PID.sock, */
	if (star)				/* and a unit's --pidfile neighbour */
		strcpy(star, "*.sock");
	if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		warnx("no holder is running (no %s)", user_str(pattern));
		hint("start one with memlock files --lock PATH..., or give --socket");
	} else if (g.gl_pathc > 1) {
		warnx("%zu holders are running: give --socket", g.gl_pathc);
		for (size_t i = 0; i < g.gl_pathc && i < 8; i++)
			hint("--socket %s", user_str(g.gl_pathv[i]));
	} else {
		p = strdup(g.gl_pathv[0]);
	}
	if (g.gl_pathc)
		globfree(&g);
	free(pattern);
	return p;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 30, 0 };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void status_row(struct output *out, const struct ctl_rec *r, const char *path,
		       uint64_t page)
{
	struct libscols_line *ln = output_new_line(out);

	output_set_str(out, ln, S_PATH, path);
	output_set_size(out, ln, S_SIZE, r->size);
	output_set_size(out, ln, S_DATA, r->data);
	output_set_size(out, ln, S_LOCKED, r->locked);
	output_set_num(out, ln, S_PAGES, r->locked / page);
	output_set_str(out, ln, S_STATE, state_name(r->state));
	if (r->err)
		output_set_str(out, ln, S_REASON, strerror(r->err));
	else if (r->state != MEMLOCK_HOLD_LOCKED)
		output_set_str(out, ln, S_REASON, memlock_hold_why_name(r->why));
}

static int receive(int fd, int op, struct output *out, struct ctl_rec *end)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	char *buf = malloc(sizeof(struct ctl_rec) + 2 * PATH_MAX + 1);
	ssize_t n;

	if (buf == NULL)
		return -ENOMEM;
	while ((n = recv(fd, buf, sizeof(struct ctl_rec) + 2 * PATH_MAX, 0)) >=
	       (ssize_t)sizeof(struct ctl_rec)) {
		struct ctl_rec r;
		char a[32];

		memcpy(&r, buf, sizeof(r));
		buf[n] = '\0';
		if (r.kind == REC_END) {
			*end = r;
			free(buf);
			return 0;
		}
		if (op == CTL_STATUS)
			status_row(out, &r, buf + sizeof(r), page);
		else if (op == CTL_ADD)
			printf("%s %s: %s\n", state_name(r.state), user_str(buf + sizeof(r)),
			       size_to_human(r.locked, a, sizeof(a)));
		else
			printf("released %s\n", user_str(buf + sizeof(r)));
	}
	free(buf);
	return n < 0 ? -errno : -EPIPE;	/* the holder went away mid-answer */
}

int control_client(const char *socket_path, int op, const char *arg, struct output *out)
{
	char *sock = socket_path ? strdup(socket_path) : find_socket(), *path = NULL;
	struct ctl_req req = { (uint32_t)op };
	struct ctl_rec end = { 0 };
	struct iovec iov[2] = { { &req, sizeof(req) }, { NULL, 0 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	int fd, rc;

	if (sock == NULL)
		return EXIT_FAILURE;
	if (arg && (path = path_absolute(arg)) != NULL) {
		iov[1].iov_base = path;
		iov[1].iov_len = strlen(path);
	}
	fd = connect_to(sock);
	if (fd < 0) {
		warn_rc(-errno, "cannot reach the holder at %s", user_str(sock));
		if (errno == ENOENT || errno == ECONNREFUSED)
			hint("is it running? memlock files --lock PATH... prints its socket");
		else if (errno == EACCES)
			hint("the socket is its owner's alone: run this as the holder's user or root");
		free(sock);
		free(path);
		return EXIT_FAILURE;
	}
	rc = sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : receive(fd, op, out, &end);
	close(fd);
	if (rc == 0 && end.err)
		rc = -end.err;
	if (rc < 0) {
		warn_rc(rc, "%s", op == CTL_STATUS ? "cannot read the holder's status"
			: op == CTL_ADD ? "cannot add" : "cannot remove");
		if (rc == -ENOENT && op == CTL_REMOVE)
			hint("the holder holds nothing under %s: memlock files --status lists it",
			     user_str(path));
		if (rc == -EPERM)
			hint("the holder answers its own user and root only");
		if (rc == -EISDIR)
			hint("the holder walks no directory (it was started without -R): add files");
		if (rc == -EINVAL && op == CTL_ADD)
			hint("only regular files can be locked");
	} else if (op == CTL_STATUS) {
		rc = output_print(out) < 0 ? -EIO : 0;
	} else {
		printf("%s %" PRIu64 " files, %s\n", op == CTL_ADD ? "added" : "removed", end.size,
		       size_to_human(end.locked, (char[32]){ 0 }, 32));
	}
	free(sock);
	free(path);
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int control_status_init(struct output *out)
{
	out->infos = status_infos;
	out->ninfos = ARRAY_SIZE(status_infos);
	return output_init(out, status_defaults, ARRAY_SIZE(status_defaults), "files");
}
