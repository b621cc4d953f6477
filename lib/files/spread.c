// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * MEMLOCK_F_SPREAD: files past a holder's share of vm.max_map_count are held
 * by helper processes, each with a map count of its own. A helper is a fork
 * of the holder's process that keeps nothing of it but a SOCK_SEQPACKET
 * socket: every other descriptor is closed (a directory kept open would keep
 * a file system busy), and the holder's mappings, which a fork copies
 * (unlocked), are unmapped. One
 * request is a file descriptor (SCM_RIGHTS) and the bytes it may lock; one
 * reply the result. A helper ends when its socket closes, or with the holder's
 * process (PR_SET_PDEATHSIG), and takes its locks with it.
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

enum { SHARD_ADD = 1, SHARD_REMOVE };

struct shard_req {
	uint32_t op;
	uint64_t cap;	/* SHARD_ADD: the bytes it may lock */
	uint64_t id;	/* SHARD_REMOVE: the helper's file id */
};

struct shard_reply {
	int32_t rc;
	struct memlock_hold_result res;
};

static int send_req(int sock, int fd, const struct shard_req *r)
{
	struct shard_req req = *r;
	struct iovec iov = { &req, sizeof(req) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = fd >= 0 ? sizeof(u.buf) : 0 };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(u.buf, 0, sizeof(u.buf));
	if (fd < 0)
		return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(req) ? 0 : -errno;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(req) ? 0 : -errno;
}

/* A request: 1 with *@req and *@fd (-1: none), 0 at the end, -errno. */
static int recv_req(int sock, struct shard_req *req, int *fd)
{
	struct iovec iov = { req, sizeof(*req) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -errno;
	c = CMSG_FIRSTHDR(&msg);
	*fd = -1;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	if (n != (ssize_t)sizeof(*req) || (req->op == SHARD_ADD) != (*fd >= 0)) {
		if (*fd >= 0)
			close(*fd);
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

static void __attribute__((noreturn)) shard_main(const struct memlock_holder *parent_h,
						 int sock, pid_t parent)
{
	struct memlock_holder_opts o = { .sz = sizeof(o), .budget = MEMLOCK_UNLIMITED,
					 .rate = parent_h->rate,
					 .max_maps = parent_h->explicit_max_maps ? parent_h->max_maps : 0 };
	struct memlock_holder *h;
	struct shard_reply rep;
	struct shard_req req;
	int fd = -1;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(0);
	signal(SIGHUP, SIG_IGN);	/* a hang-up or ^C of the terminal is the */
	signal(SIGINT, SIG_IGN);	/* holder's to act on, not the helper's */
	prctl(PR_SET_NAME, "memlock-holder");
	sock = only_fd(sock);
	/* the holder's mappings came along (unlocked): the map count is ours */
	for (size_t i = 0; i < parent_h->nmaps; i++)
		if (parent_h->maps[i].addr)
			munmap(parent_h->maps[i].addr, parent_h->maps[i].len);
	h = sock < 0 ? NULL : memlock_holder_open(&o);
	while (recv_req(sock, &req, &fd) > 0) {
		memset(&rep, 0, sizeof(rep));
		rep.res.sz = sizeof(rep.res);
		if (h == NULL)
			rep.rc = -ENOMEM;
		else if (req.op == SHARD_ADD)
			rep.rc = mlk_hold_local(h, fd, req.cap, &rep.res);
		else
			rep.rc = memlock_holder_remove(h, req.id);
		if (fd >= 0)
			close(fd);
		if (send(sock, &rep, sizeof(rep), MSG_NOSIGNAL) < 0)
			break;
	}
	_exit(0);
}

static int shard_start(struct memlock_holder *h)
{
	struct mlk_shard *s = realloc(h->shards, (h->nshards + 1) * sizeof(*s));
	pid_t parent = getpid(), pid;
	int sv[2];

	if (s == NULL)
		return -ENOMEM;
	h->shards = s;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0)
		shard_main(h, sv[1], parent);
	close(sv[1]);
	h->shards[h->nshards++] = (struct mlk_shard){ pid, sv[0] };
	return 0;
}

/* One request to helper @s, and its reply. */
static int shard_call(const struct mlk_shard *s, int fd, const struct shard_req *req,
		      struct memlock_hold_result *res)
{
	struct shard_reply rep;
	ssize_t n;
	int rc;

	rc = send_req(s->sock, fd, req);
	if (rc < 0)
		return rc;
	do
		n = recv(s->sock, &rep, sizeof(rep), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(rep))	/* the helper died */
		return -ECHILD;
	if (rep.rc < 0)
		return rep.rc;
	if (res)
		*res = rep.res;
	return 0;
}

static int shard_add(struct memlock_holder *h, const struct mlk_shard *s, int fd,
		     struct memlock_hold_result *res)
{
	struct shard_req req = { .op = SHARD_ADD, .cap = UINT64_MAX };

	if (h->budget != MEMLOCK_UNLIMITED)
		req.cap = h->budget - h->used;
	if (mlk_cgroup_left(h) < req.cap)	/* the helpers share the holder's cgroup */
		req.cap = mlk_cgroup_left(h);
	return shard_call(s, fd, &req, res);
}

int mlk_spread_remove(struct memlock_holder *h, uint32_t shard, uint64_t id)
{
	struct shard_req req = { .op = SHARD_REMOVE, .id = id };

	if (shard == 0 || shard > h->nshards)
		return -ENOENT;
	return shard_call(&h->shards[shard - 1], -1, &req, NULL);
}

int mlk_spread_add(struct memlock_holder *h, int fd, struct memlock_hold_result *res)
{
	int rc;

	for (int tries = 0; tries < 2; tries++) {
		if (h->nshards == 0 || tries) {
			rc = shard_start(h);
			if (rc < 0)
				return rc;
		}
		rc = shard_add(h, &h->shards[h->nshards - 1], fd, res);
		if (rc < 0)
			return rc;
		if (res->why != MEMLOCK_HOLD_WHY_MAP_COUNT || res->locked)
			break;	/* a new helper only when this one is full */
	}
	if (res->locked == 0)
		return 0;
	rc = mlk_held_add(h, res->id, (uint32_t)h->nshards, res);
	if (rc < 0) {	/* cannot remember it: let it go */
		(void)mlk_spread_remove(h, (uint32_t)h->nshards, res->id);
		return rc;
	}
	h->used += res->locked;
	h->shard_maps += res->maps;
	return 0;
}

void mlk_spread_close(struct memlock_holder *h)
{
	for (size_t i = 0; i < h->nshards; i++)
		close(h->shards[i].sock);	/* its end: the helper exits */
	for (size_t i = 0; i < h->nshards; i++)
		while (waitpid(h->shards[i].pid, NULL, 0) < 0 && errno == EINTR)
			;
	free(h->shards);
	h->shards = NULL;
	h->nshards = 0;
}
