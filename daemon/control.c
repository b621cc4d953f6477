// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlockd's control socket: SOCK_STREAM, mode 0600 (root), or 0660 with
 * the configured socket-group; SO_PEERCRED answers root, the daemon's own
 * user and, with a group, that group. A request is one line, "status" or
 * "reload"; the answer is one JSON object, then the daemon closes. Every
 * client is non-blocking with a 2 s deadline from its connection, at most
 * CLIENTS_MAX at once: one that sends garbage gets an error object, one that
 * sends nothing or stops reading is dropped at its deadline, and none
 * holds the daemon up meanwhile.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../cli/json.h"
#include "memlockd.h"

#define CLIENTS_MAX 8
#define REQUEST_MAX 64
#define CLIENT_NS (2000ull * 1000000)

struct client {
	int fd;
	uint64_t deadline;
	char in[REQUEST_MAX];
	size_t inlen;
	char *out;		/* the answer, once the request is in */
	size_t outlen, outoff;
};

static struct client clients[CLIENTS_MAX];
static size_t nclients;

int ctl_open(const struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(d->socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, d->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* another memlockd answers there: its socket is not taken over */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)unlink(d->socket_path);	/* (a stale one of a daemon gone) */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(d->socket_path, d->conf.has_group ? 0660 : 0600) < 0 ||
	    (d->conf.has_group && chown(d->socket_path, (uid_t)-1, d->conf.group) < 0) ||
	    listen(fd, 16) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void drop(size_t i)
{
	close(clients[i].fd);
	free(clients[i].out);
	clients[i] = clients[--nclients];
}

static bool allowed(const struct daemon *d, int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0)
		return false;
	return uc.uid == 0 || uc.uid == geteuid() || (d->conf.has_group && uc.gid == d->conf.group);
}

void ctl_accept(struct daemon *d)
{
	int fd;

	while ((fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (nclients == CLIENTS_MAX || !allowed(d, fd)) {
			close(fd);
			continue;
		}
		clients[nclients++] = (struct client){ .fd = fd, .deadline = now_ns() + CLIENT_NS };
	}
}

size_t ctl_pollfds(struct pollfd *p, size_t max, uint64_t *deadline)
{
	size_t n = 0;

	for (size_t i = 0; i < nclients && n < max; i++, n++) {
		p[n] = (struct pollfd){ .fd = clients[i].fd,
					.events = clients[i].out ? POLLOUT : POLLIN };
		if (clients[i].deadline < *deadline)
			*deadline = clients[i].deadline;
	}
	return n;
}

static char *answer_error(const char *msg)
{
	struct json_object *o = json_new_object();
	char *s;

	json_put_str(o, "error", msg);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static char *answer(struct daemon *d, const char *req)
{
	char err[PATH_MAX + 256];
	struct json_object *o;
	char *s;

	if (strcmp(req, "status") == 0)
		return status_json(d);
	if (strcmp(req, "reload") != 0)
		return answer_error("unknown request (status, reload)");
	if (daemon_reload(d, err, sizeof(err)) < 0)
		return answer_error(err);
	o = json_new_object();
	json_put_u64(o, "rules", d->conf.nrules);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* Read what came; at the newline, make the answer. 0, or -1 to drop. */
static int take(struct daemon *d, struct client *c)
{
	ssize_t n = read(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;	/* gone before its request */
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	nl = memchr(c->in, '\n', c->inlen);
	if (nl == NULL && c->inlen < sizeof(c->in) - 1)
		return 0;
	if (nl)
		*nl = '\0';
	c->out = nl && strlen(c->in) == (size_t)(nl - c->in) ? answer(d, c->in)
		 : answer_error("not a request (a line: status or reload)");
	if (c->out == NULL)
		return -1;
	c->outlen = strlen(c->out);
	return 0;
}

/* Write what the socket takes; -1 when done or gone. */
static int give(struct client *c)
{
	ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	c->outoff += (size_t)n;
	return c->outoff == c->outlen ? -1 : 0;
}

void ctl_serve(struct daemon *d, const struct pollfd *p, size_t n, uint64_t now)
{
	for (size_t i = nclients; i-- > 0;) {
		struct client *c = &clients[i];
		int rc = 0;

		for (size_t j = 0; j < n; j++) {
			if (p[j].fd != c->fd || !p[j].revents)
				continue;
			rc = c->out ? give(c) : take(d, c);
			if (rc == 0 && c->out)
				rc = give(c);
		}
		if (rc < 0 || c->deadline <= now)
			drop(i);
	}
}

void ctl_close(void)
{
	while (nclients)
		drop(nclients - 1);
}

static const char *state_name(enum proc_state s)
{
	return s == P_LOCKED ? "locked" : s == P_FAILED ? "failed" : "unmatched";
}

char *status_json(const struct daemon *d)
{
	struct json_object *o = json_new_object(), *rules = json_new_array(), *procs;
	char where[PATH_MAX + 16], *s;

	json_put_str(o, "mode", d->polling ? "poll" : "connector");
	json_put_str(o, "config", d->conf_path);
	json_put_u64(o, "failures_total", d->failures_total);
	for (size_t i = 0; i < d->conf.nrules; i++) {
		const struct rule *r = &d->conf.rules[i];
		struct json_object *jr = json_new_object();
		uint64_t matched = 0, locked = 0;

		for (size_t k = 0; k < d->nprocs; k++)
			if (d->procs[k].rule == r && d->procs[k].state != P_NOMATCH) {
				matched++;
				locked += d->procs[k].locked;
			}
		if (r->kind == RULE_FILE)	/* (matched: the files held) */
			(void)files_totals(d, r, &matched, &locked);
		json_put_str(jr, "where", rule_where(r, where, sizeof(where)));
		json_put_str(jr, "rule", r->text);
		json_put_u64(jr, "matched", matched);
		json_put_u64(jr, "locked_bytes", locked);
		if (r->kind == RULE_FILE)
			files_status_json(d, r, jr);
		json_put(rules, NULL, jr);
	}
	json_put(o, "rules", rules);
	procs = json_new_array();
	for (size_t k = 0; k < d->nprocs; k++) {
		const struct proc *p = &d->procs[k];
		struct json_object *jp;

		if (p->state == P_NOMATCH)
			continue;
		jp = json_new_object();
		json_put_int(jp, "pid", p->pid);
		json_put_str(jp, "comm", p->comm);
		json_put_str(jp, "rule", rule_where(p->rule, where, sizeof(where)));
		json_put_str(jp, "state", state_name(p->state));
		json_put_u64(jp, "locked_bytes", p->locked);
		json_put_errno(jp, "error", p->err);
		json_put_str(jp, "reason", p->reason);
		json_put(procs, NULL, jp);
	}
	json_put(o, "processes", procs);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}
