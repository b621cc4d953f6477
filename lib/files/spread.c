// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * MEMLOCK_F_SPREAD: files past a holder's share of vm.max_map_count are held
 * by helper processes, each with a map count of its own. A helper is forked
 * by the spawner, a fork of the holder's process made when the holder opens
 * (so that a helper does not carry a copy of the holder's heap as it is
 * later, tables of every file held); it keeps nothing but a SOCK_SEQPACKET
 * socket: every other descriptor is closed (a directory kept open would keep
 * a file system busy), and the holder's mappings, where it is forked by the
 * holder itself (no spawner), are unmapped. A
 * request is a batch: the bytes the batch may lock and up to SCM_MAX_FD file
 * descriptors (SCM_RIGHTS) in one message; the reply, one message, a result
 * per file, in order. A helper whose mappings run out stops at the file that
 * did not fit and says so: the holder gives the rest to a new helper, so the
 * budget is spent in the order the files came, as if they came one by one.
 * A helper ends when its socket closes, or with the holder's process
 * (PR_SET_PDEATHSIG), and takes its locks with it; one that dies leaves its
 * socket closed, and the holder's wait for a reply ends there.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files/files.h"

enum { SHARD_ADD = 1, SHARD_REMOVE, SHARD_SPAWN };

#define SHARD_BATCH 253u	/* SCM_MAX_FD: descriptors the kernel takes in one message */

struct shard_req {
	uint32_t op, n;	/* SHARD_ADD: @n descriptors come with it */
	uint64_t cap;	/* SHARD_ADD: the bytes the batch may lock;
			 * SHARD_REMOVE: the file's count of mappings */
	uint64_t id;	/* SHARD_REMOVE: the helper's file id */
};

struct shard_ans {
	int32_t rc;
	struct memlock_hold_result res;
};

/* A reply: how many answers follow, and whether the helper stopped at the
 * last of them (its mappings ran out: a new helper takes the rest). */
struct shard_reply {
	uint32_t n, stopped;
	struct shard_ans ans[SHARD_BATCH];
};

union fd_cmsg {
	struct cmsghdr h;
	char buf[CMSG_SPACE(SHARD_BATCH * sizeof(int))];
};

static int send_req(int sock, const int *fds, const struct shard_req *r)
{
	struct shard_req req = *r;
	struct iovec iov = { &req, sizeof(req) };
	union fd_cmsg u;
	size_t fdlen = (size_t)r->n * sizeof(int);
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = r->n ? CMSG_SPACE(fdlen) : 0 };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	if (r->n) {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(fdlen);
		memcpy(CMSG_DATA(c), fds, fdlen);
	} else {
		msg.msg_control = NULL;
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(req) ? 0 : -errno;
}

static void close_all(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/* A request: 1 with *@req and its req->n descriptors in @fds, 0 at the end,
 * -errno. */
static int recv_req(int sock, struct shard_req *req, int *fds)
{
	struct iovec iov = { req, sizeof(*req) };
	union fd_cmsg u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	size_t nfd = 0;
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
	}
	if (n != (ssize_t)sizeof(*req) || (msg.msg_flags & MSG_CTRUNC) || req->n != nfd ||
	    (req->op == SHARD_REMOVE) != (nfd == 0)) {
		close_all(fds, nfd);
		return -EBADMSG;
	}
	return 1;
}

/* Every descriptor but @keep, which becomes 3. */
static int only_fd(int keep)
{
	if (keep != 3 && dup2(keep, 3) < 0)
		return -1;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4u, ~0u, 0u) == 0)
		return 3;
#endif
	for (int fd = 4; fd < 65536; fd++)
		close(fd);
	return 3;
}

/* One batch in the helper: each file in turn, within @cap bytes in all,
 * until one does not fit in the mappings left (rep->stopped); the files
 * after it are closed untried. */
static void shard_hold(struct memlock_holder *h, const int *fds, uint32_t n, uint64_t cap,
		       struct shard_reply *rep)
{
	rep->n = rep->stopped = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct shard_ans *a = &rep->ans[i];

		if (rep->stopped) {
			close(fds[i]);
			continue;
		}
		memset(a, 0, sizeof(*a));
		a->res.sz = sizeof(a->res);
		a->rc = h ? mlk_hold_local(h, fds[i], NULL, cap, &a->res) : -ENOMEM;
		close(fds[i]);
		rep->n++;
		if (a->rc < 0)
			continue;
		if (cap != UINT64_MAX)
			cap -= a->res.locked;
		rep->stopped = a->res.why == MEMLOCK_HOLD_WHY_MAP_COUNT && a->res.locked == 0;
	}
}

static void __attribute__((noreturn)) shard_main(const struct memlock_holder *parent_h,
						 int sock, pid_t parent)
{
	struct memlock_holder_opts o = { .sz = sizeof(o), .budget = MEMLOCK_UNLIMITED,
					 .rate = parent_h->rate,
					 .max_maps = parent_h->explicit_max_maps ? parent_h->max_maps : 0 };
	struct shard_reply *rep = malloc(sizeof(*rep));
	struct memlock_holder *h;
	struct shard_req req;
	int fds[SHARD_BATCH];

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent || rep == NULL)
		_exit(0);
	signal(SIGHUP, SIG_IGN);	/* a hang-up or ^C of the terminal is the */
	signal(SIGINT, SIG_IGN);	/* holder's to act on, not the helper's */
	prctl(PR_SET_NAME, "memlock-holder");
	sock = only_fd(sock);
	/* the holder's mappings came along (unlocked): the map count is ours */
	for (size_t i = 0; i < parent_h->nmaps; i++)
		if (parent_h->maps[i].v)
			munmap(mlk_hmap_addr(parent_h, parent_h->maps[i]),
			       mlk_hmap_len(parent_h, parent_h->maps[i]));
	h = sock < 0 ? NULL : memlock_holder_open(&o);
	if (h)	/* the holder keeps the files' records, not us too */
		h->bare = true;
	while (recv_req(sock, &req, fds) > 0) {
		if (req.op == SHARD_ADD) {
			shard_hold(h, fds, req.n, req.cap, rep);
		} else {
			rep->n = 1;
			rep->stopped = 0;
			rep->ans[0].rc = h ? mlk_unmap_file(h, req.id, req.cap) : -ENOMEM;
		}
		if (send(sock, rep, offsetof(struct shard_reply, ans[rep->n]), MSG_NOSIGNAL) < 0)
			break;
	}
	_exit(0);
}

/* The spawner: a process forked when the holder opens, while the caller's
 * heap is small, that forks the helpers. A helper forked by the holder
 * itself would carry a copy of the holder's heap (its tables, the caller's
 * data) for as long as it lives; one forked by the spawner starts with next
 * to nothing. It reaps them, and on its socket's end waits for them all
 * (SIGCHLD ignored: wait(2) returns once the last is gone), so that the
 * holder's wait for it is a wait for every helper. */
static void __attribute__((noreturn)) spawner_main(const struct memlock_holder *h, int sock,
						   pid_t parent)
{
	struct shard_req req;
	int fds[SHARD_BATCH];

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(0);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	prctl(PR_SET_NAME, "memlock-spawner");
	sock = only_fd(sock);
	while (sock >= 0 && recv_req(sock, &req, fds) > 0) {
		struct { uint32_t n, stopped; struct shard_ans a; } rep = { 1, 0, { 0 } };
		pid_t pid = req.op == SHARD_SPAWN && req.n == 1 ? fork() : -1;

		if (pid == 0) {
			signal(SIGCHLD, SIG_DFL);
			shard_main(h, fds[0], getppid());
		}
		close_all(fds, req.n);
		rep.a.rc = pid < 0 ? -(errno ? errno : EINVAL) : (int32_t)pid;
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) < 0)
			break;
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	_exit(0);
}

static int fork_into(struct memlock_holder *h, void (*fn)(const struct memlock_holder *, int, pid_t),
		     int *sock_out, pid_t *pid_out)
{
	pid_t parent = getpid(), pid;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0)
		fn(h, sv[1], parent);
	close(sv[1]);
	*sock_out = sv[0];
	*pid_out = pid;
	return 0;
}

void mlk_spread_open(struct memlock_holder *h)
{
	h->spawner = -1;
	if (fork_into(h, spawner_main, &h->spawner, &h->spawner_pid) < 0)
		h->spawner = -1;	/* the helpers are forked by the holder, then */
}

/* A helper from the spawner: its socket, and its PID (not our child). */
static int spawn(struct memlock_holder *h, int *sock, pid_t *pid)
{
	struct shard_req req = { .op = SHARD_SPAWN, .n = 1 };
	struct { uint32_t n, stopped; struct shard_ans a; } rep;
	int sv[2], rc;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	rc = send_req(h->spawner, &sv[1], &req);
	close(sv[1]);
	do
		n = rc < 0 ? -1 : recv(h->spawner, &rep, sizeof(rep), 0);
	while (rc == 0 && n < 0 && errno == EINTR);
	if (rc == 0)
		rc = n != (ssize_t)sizeof(rep) ? -ECHILD : rep.a.rc < 0 ? rep.a.rc : 0;
	if (rc < 0) {
		close(sv[0]);
		return rc;
	}
	*sock = sv[0];
	*pid = rep.a.rc;
	return 0;
}

static int shard_start(struct memlock_holder *h)
{
	struct mlk_shard *s = realloc(h->shards, (h->nshards + 1) * sizeof(*s));
	pid_t pid = -1;
	int rc = -ECHILD, sock = -1;

	if (s == NULL)
		return -ENOMEM;
	h->shards = s;
	if (h->spawner >= 0)
		rc = spawn(h, &sock, &pid);
	if (rc < 0)	/* no spawner (or it died): a fork of our own */
		rc = fork_into(h, shard_main, &sock, &pid);
	if (rc < 0)
		return rc;
	h->shards[h->nshards++] = (struct mlk_shard){ pid, sock, false };
	return 0;
}

/* One request to helper @s and its reply: the count of answers in @rep, or
 * -EPIPE when the helper was gone before the request (nothing was sent),
 * -ECHILD when it died with the request (its answer never came). */
static int shard_call(struct mlk_shard *s, const int *fds, const struct shard_req *req,
		      struct shard_reply *rep)
{
	ssize_t n;
	int rc;

	if (s->dead)
		return -ECHILD;
	rc = send_req(s->sock, fds, req);
	if (rc == -EPIPE || rc == -ECONNRESET)	/* gone before it got the batch */
		s->dead = true;
	if (rc == -ECONNRESET)
		rc = -EPIPE;
	do
		n = rc < 0 ? -1 : recv(s->sock, rep, sizeof(*rep), 0);
	while (rc == 0 && n < 0 && errno == EINTR);
	if (rc == 0 && n < 0)
		rc = errno == ECONNRESET ? -ECHILD : -errno;
	else if (rc == 0 && (n < (ssize_t)offsetof(struct shard_reply, ans) ||
			     n != (ssize_t)offsetof(struct shard_reply, ans[rep->n]) ||
			     rep->n > (req->n ? req->n : 1)))
		rc = -ECHILD;	/* end of file: the helper died */
	if (rc == -ECHILD)
		s->dead = true;
	return rc < 0 ? rc : (int)rep->n;
}

int mlk_spread_remove(struct memlock_holder *h, uint32_t shard, uint64_t id, uint32_t nmaps)
{
	struct shard_req req = { .op = SHARD_REMOVE, .id = id, .cap = nmaps };
	struct shard_reply *rep;
	int rc;

	if (shard == 0 || shard > h->nshards)
		return -ENOENT;
	rep = malloc(sizeof(*rep));
	if (rep == NULL)
		return -ENOMEM;
	rc = shard_call(&h->shards[shard - 1], NULL, &req, rep);
	if (rc >= 0)
		rc = rep->ans[0].rc;
	else if (rc == -EPIPE)
		rc = -ECHILD;
	free(rep);
	return rc;
}

/* The bytes a batch may lock: the budget left, within the cgroup's room
 * (the helpers share the holder's cgroup). */
static uint64_t batch_cap(const struct memlock_holder *h)
{
	uint64_t cap = h->budget == MEMLOCK_UNLIMITED ? UINT64_MAX : h->budget - h->used;

	return mlk_cgroup_left(h) < cap ? mlk_cgroup_left(h) : cap;
}

/* Remember a file the last helper holds now. */
static void took(struct memlock_holder *h, struct memlock_hold_result *res, int *rc)
{
	if (*rc < 0 || res->locked == 0)
		return;
	*rc = mlk_held_add(h, res->id, (uint32_t)h->nshards, res);
	if (*rc < 0) {	/* cannot remember it: let it go */
		(void)mlk_spread_remove(h, (uint32_t)h->nshards, res->id, res->maps);
		return;
	}
	h->used += res->locked;
	h->shard_maps += res->maps;
}

/* Send @fds[0..@n) to the last helper, in batches; a new helper when there
 * is none, when it died, or when it stopped at a file (full) that a new one
 * has not refused yet. */
void mlk_spread_add_many(struct memlock_holder *h, const int *fds, size_t n,
			 struct memlock_hold_result *res, int *rc)
{
	struct shard_reply *rep = malloc(sizeof(*rep));
	size_t pos = 0, retry_at = SIZE_MAX;

	while (pos < n) {
		struct shard_req req = { .op = SHARD_ADD, .cap = batch_cap(h) };
		int k = rep == NULL ? -ENOMEM : 0;

		req.n = n - pos < SHARD_BATCH ? (uint32_t)(n - pos) : SHARD_BATCH;
		if (k == 0 && (h->nshards == 0 || h->shards[h->nshards - 1].dead))
			k = shard_start(h);
		if (k == 0)
			k = shard_call(&h->shards[h->nshards - 1], fds + pos, &req, rep);
		if (k == -EPIPE && (k = shard_start(h)) == 0)	/* died before: not sent */
			k = shard_call(&h->shards[h->nshards - 1], fds + pos, &req, rep);
		if (k <= 0) {	/* the whole batch, unanswered */
			for (uint32_t i = 0; i < req.n; i++)
				rc[pos + i] = k < 0 && k != -EPIPE ? k : -ECHILD;
			pos += req.n;
			continue;
		}
		for (int i = 0; i < k; i++) {
			rc[pos + i] = rep->ans[i].rc;
			res[pos + i] = rep->ans[i].res;
			if (!rep->stopped || i < k - 1)
				took(h, &res[pos + i], &rc[pos + i]);
		}
		pos += (size_t)k;
		if (!rep->stopped || pos - 1 == retry_at)
			continue;	/* (a new helper refused it too: its result stays) */
		retry_at = --pos;	/* a new helper for the file it stopped at */
		rc[pos] = shard_start(h);
		if (rc[pos] < 0)
			pos++;
	}
	free(rep);
}

void mlk_spread_close(struct memlock_holder *h)
{
	for (size_t i = 0; i < h->nshards; i++)
		close(h->shards[i].sock);	/* its end: the helper exits */
	for (size_t i = 0; i < h->nshards; i++)	/* ours (the spawner's: ECHILD) */
		while (waitpid(h->shards[i].pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (h->spawner >= 0) {	/* it ends once its helpers have ended */
		close(h->spawner);
		while (waitpid(h->spawner_pid, NULL, 0) < 0 && errno == EINTR)
			;
		h->spawner = -1;
	}
	free(h->shards);
	h->shards = NULL;
	h->nshards = 0;
}
