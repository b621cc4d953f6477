/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the files of memlockd share: the daemon's state and its parts. */
#ifndef MEMLOCKD_H
#define MEMLOCKD_H

#include <poll.h>

#include "../cli/cli.h"
#include "conf.h"

enum proc_state {
	P_NOMATCH,	/* seen, no rule matches (kept in poll mode, to skip it) */
	P_LOCKED,
	P_FAILED,	/* retried on a change only */
};

/* What a failed lock is retried on: any of it changed. */
struct fingerprint {
	uint64_t soft, hard, vm_lck, cap_eff;
};

/* A process seen: a PID and its start time (a reused PID is another). */
struct proc {
	pid_t pid;
	uint64_t start;			/* /proc/PID/stat's starttime, ticks */
	int pidfd;			/* of a matched process, -1 otherwise */
	enum proc_state state;
	const struct rule *rule;	/* the first that matches it */
	char comm[64];
	char stat_comm[16];		/* /proc/PID/stat's, to see an exec in a scan */
	uint64_t locked;		/* VmLck after the lock */
	int err;			/* of the failure (errno) */
	char *reason;			/* the predictor's or the injection's */
	struct fingerprint fp;
	uint64_t relock_at;		/* a second pass after an exec, ns (0: none) */
	bool seen;			/* (a scan's mark) */
};

/* What a file rule holds, and follows (one each, allocated: its follow's
 * hooks point at it). */
struct held {
	const struct rule *rule;
	char *text;			/* the rule's, to find it again after a reload */
	struct memlock_holder *h;
	struct follow *fw;		/* cli/files-follow.c */
	uint64_t progs;			/* the "+PROGRAM"s' (st_dev, st_ino), hashed */
};

struct daemon {
	struct conf conf;
	const char *conf_path;
	const char *socket_path;
	bool force_poll;		/* --poll */
	const char *pidfile;		/* --pidfile, NULL */
	int ready_fd;			/* --daemon: the parent waits on it, -1 */
	bool polling;			/* the mode in use */
	int nl_fd, sig_fd, listen_fd;
	struct proc *procs;
	size_t nprocs, cap;
	struct held **held;
	size_t nheld;
	int files_ep;			/* epoll of the file rules' follows, -1 */
	uint64_t failures_total, locks_total;
	uint64_t next_poll;		/* ns */
	uint64_t next_metrics;		/* ns (0: now) */
	int metrics_err;		/* the last write's, said once */
};

/* memlockd.c */
uint64_t now_ns(void);
void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Load @path into @d->conf; on error logs FILE:LINE and keeps the old rules. */
int daemon_reload(struct daemon *d, char *err, size_t errsz);
void daemon_status_notify(const struct daemon *d);

/* procs.c */
enum seen_how { SEEN_SCAN, SEEN_FORK, SEEN_EXEC };
void proc_seen(struct daemon *d, pid_t pid, enum seen_how how);
void proc_exit(struct daemon *d, pid_t pid);
/* every process of /proc: new ones matched, gone ones forgotten */
void procs_scan(struct daemon *d);
/* what is due: second passes, failures whose process changed */
void procs_tick(struct daemon *d, uint64_t now);
/* ns until the next due second pass (UINT64_MAX: none) */
uint64_t procs_next_due(const struct daemon *d);
/* after a reload (the old rules still allocated): every process matched again */
void procs_rematch(struct daemon *d);
void procs_free(struct daemon *d);

/* events.c: the process events connector */
int connector_open(void);
/* read what is queued; -errno when the connector broke (poll from then on) */
int connector_read(struct daemon *d);

/* control.c: the control socket */
int ctl_open(const struct daemon *d);
void ctl_accept(struct daemon *d);
/* the clients' descriptors to poll, and their service */
size_t ctl_pollfds(struct pollfd *p, size_t max, uint64_t *deadline);
void ctl_serve(struct daemon *d, const struct pollfd *p, size_t n, uint64_t now);
void ctl_close(void);
/* the status as JSON text (to free) */
char *status_json(const struct daemon *d);

/* files.c: the file rules' holders and follows, made or kept after a (re)load */
void files_apply(struct daemon *d);
void files_release(struct daemon *d);
/* @d->files_ep is readable: the follows' events into their batches */
void files_events(struct daemon *d);
/* when the first batch is due (ns, UINT64_MAX: none waits) */
uint64_t files_next_due(const struct daemon *d, uint64_t now);
/* the batches that are due */
void files_tick(struct daemon *d);
/* what the holder of file rule @r holds: 0, or -ENOENT (none) */
int files_totals(const struct daemon *d, const struct rule *r, uint64_t *files, uint64_t *locked);
/* the files rule @r follows into its status object @jr: "files_followed"
 * and the first of them in "files" (path, size, locked_bytes, ino, state, error) */
struct json_object;
void files_status_json(const struct daemon *d, const struct rule *r, struct json_object *jr);

/* metrics.c: the node_exporter textfile of the configuration, renamed into place */
int metrics_write(const struct daemon *d);

#endif /* MEMLOCKD_H */
