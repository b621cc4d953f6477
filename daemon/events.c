// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC;
 * CAP_NET_ADMIN): fork, exec and exit of every process, as they happen.
 * Only the kernel's messages are taken (a sender's port 0); fork and exit
 * events of threads are skipped (a thread is no process to lock). When the
 * socket's buffer overflowed (ENOBUFS), events were lost: /proc is scanned
 * again.
 */
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include "memlockd.h"

int connector_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	/* nlmsghdr, cn_msg, the op: cn_msg ends in a flexible array, so the
	 * message is laid out in bytes */
	char msg[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))]
		__attribute__((aligned(NLMSG_ALIGNTO))) = { 0 };
	struct nlmsghdr *nl = (struct nlmsghdr *)msg;
	struct cn_msg *cn = NLMSG_DATA(nl);
	enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
	int fd, size = 4 << 20;

	fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	/* room for a fork storm (SO_RCVBUFFORCE with CAP_NET_ADMIN) */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	nl->nlmsg_len = sizeof(msg);
	nl->nlmsg_type = NLMSG_DONE;
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));
	if (send(fd, &msg, sizeof(msg), 0) != (ssize_t)sizeof(msg))
		goto fail;
	return fd;
fail:;
	int rc = -errno;

	close(fd);
	return rc;
}

static void event(struct daemon *d, const struct proc_event *ev)
{
	switch (ev->what) {
	case PROC_EVENT_FORK:
		if (ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid)
			proc_seen(d, ev->event_data.fork.child_tgid, SEEN_FORK);
		break;
	case PROC_EVENT_EXEC:
		proc_seen(d, ev->event_data.exec.process_tgid, SEEN_EXEC);
		break;
	case PROC_EVENT_EXIT:
		if (ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid)
			proc_exit(d, ev->event_data.exit.process_tgid);
		break;
	default:
		break;
	}
}

int connector_read(struct daemon *d)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct sockaddr_nl from;
	socklen_t fl;
	ssize_t n;

	for (int batch = 0; batch < 256; batch++) {	/* (the socket is polled again) */
		fl = sizeof(from);
		n = recvfrom(d->nl_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno == ENOBUFS) {	/* events lost */
			logline("the process events overflowed: scanning /proc again");
			procs_scan(d);
			continue;
		}
		if (n < 0)
			return -errno;
		if (fl != sizeof(from) || from.nl_pid != 0)	/* not the kernel's */
			continue;
		for (size_t off = 0; off + NLMSG_HDRLEN <= (size_t)n;) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);
			const struct cn_msg *cn = NLMSG_DATA(h);
			struct proc_event ev;

			if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > (size_t)n - off)
				break;
			off += NLMSG_ALIGN(h->nlmsg_len);
			if (h->nlmsg_type != NLMSG_DONE ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + sizeof(ev)) ||
			    cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
				continue;
			/* (at offset 36: not aligned for its 64-bit members) */
			memcpy(&ev, cn->data, sizeof(ev));
			event(d, &ev);
		}
	}
	return 0;
}
