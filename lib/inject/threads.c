// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Which thread carries the injection. mlockall, mlock and munlockall act on
 * the whole address space, so one thread is enough, and the least disturbed
 * is best: one idle in a wait the kernel restarts transparently (its pause is
 * invisible), then a timed sleep (restart_syscall keeps the deadline), then
 * a running thread (it bears the populate time), never willingly one in an
 * EINTR-prone call (epoll_wait returns EINTR after any ptrace stop, and so
 * does a socket read with SO_RCVTIMEO) or in D.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "inject/target.h"

/* best first; a call not known to restart transparently (R_BLOCKED) comes
 * after running threads: it may return EINTR where the program sees it */
enum rank { R_IDLE, R_SLEEP, R_RUNNING, R_BLOCKED, R_EINTR, R_DSTATE, R_NONE };

static const long idle_calls[] = {
	SYS_read, SYS_readv, SYS_pread64, SYS_preadv, SYS_futex, SYS_wait4, SYS_waitid,
	SYS_rt_sigsuspend, SYS_ppoll, SYS_pselect6, SYS_accept4, SYS_recvfrom, SYS_recvmsg,
#ifdef SYS_pause
	SYS_pause,
#endif
#ifdef SYS_poll
	SYS_poll,
#endif
#ifdef SYS_select
	SYS_select,
#endif
#ifdef SYS_accept
	SYS_accept,
#endif
};
static const long sleep_calls[] = { SYS_nanosleep, SYS_clock_nanosleep, SYS_restart_syscall };
static const long eintr_calls[] = {
	SYS_epoll_pwait, SYS_rt_sigtimedwait, SYS_semtimedop, SYS_io_getevents,
#ifdef SYS_epoll_wait
	SYS_epoll_wait,
#endif
#ifdef SYS_epoll_pwait2
	SYS_epoll_pwait2,
#endif
#ifdef SYS_semop
	SYS_semop,
#endif
#ifdef SYS_io_pgetevents
	SYS_io_pgetevents,
#endif
};

static bool in(long nr, const long *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == nr)
			return true;
	return false;
}

/* Socket reads that wait with the socket's SO_RCVTIMEO: with a timeout set,
 * a stop makes them return EINTR (sock_intr_errno), not restart. */
static const long sock_wait_calls[] = {
	SYS_read, SYS_readv, SYS_recvfrom, SYS_recvmsg, SYS_accept4,
#ifdef SYS_accept
	SYS_accept,
#endif
};

/*
 * Descriptor @fd of the target is a socket with a receive timeout. The
 * socket is looked at through a duplicate (pidfd_getfd, the permission of
 * ptrace, which the injection needs anyway); where that is refused the
 * answer is no (as before: the wait is taken for a restarting one).
 */
static bool has_rcvtimeo(const struct memlock_target *t, long fd)
{
	struct timeval tv = { 0 };
	socklen_t len = sizeof(tv);
	char path[PATH_MAX], link[32];
	ssize_t n;
	int dup;

	if (mlk_proc_pathf(path, sizeof(path), NULL, t->pid, "fd/%ld", fd) < 0)
		return false;
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0 || strncmp(link, "socket:", 7) != 0 || t->pidfd < 0)
		return false;
	dup = (int)syscall(SYS_pidfd_getfd, t->pidfd, (int)fd, 0);
	if (dup < 0)
		return false;
	n = getsockopt(dup, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	close(dup);
	return n == 0 && (tv.tv_sec != 0 || tv.tv_usec != 0);
}

static enum rank classify(const struct memlock_target *t, pid_t tid, long *nr)
{
	pid_t pid = t->pid;
	uint64_t fd = 0;
	const char *p;
	uint64_t v;
	size_t len;
	char *buf;
	char state;

	*nr = -1;
	if (mlk_read_task(NULL, pid, tid, "stat", &buf, &len) < 0)
		return R_NONE;
	p = memrchr(buf, ')', len);
	state = p && p + 2 < buf + len ? p[2] : '?';
	free(buf);
	if (state == 'D')
		return R_DSTATE;
	if (state == 'Z' || state == 'X')
		return R_NONE;
	if (mlk_read_task(NULL, pid, tid, "syscall", &buf, &len) < 0)
		return R_BLOCKED;
	if (strncmp(buf, "running", 7) == 0) {
		free(buf);
		return R_RUNNING;
	}
	p = buf;
	if (mlk_parse_u64(&p, buf + len, 10, &v) < 0) {	/* "-1 sp pc": not in a syscall */
		free(buf);
		return state == 'R' ? R_RUNNING : R_BLOCKED;
	}
	/* then its arguments, in hex: the first is the descriptor of a read */
	if (p < buf + len && *p == ' ')
		p++;
	if (p + 2 < buf + len && p[0] == '0' && p[1] == 'x') {
		p += 2;
		(void)mlk_parse_u64(&p, buf + len, 16, &fd);
	}
	free(buf);
	*nr = (long)v;
	if (in(*nr, sock_wait_calls, ARRAY_SIZE(sock_wait_calls)) && fd <= INT32_MAX &&
	    has_rcvtimeo(t, (long)fd))
		return R_EINTR;
	if (in(*nr, idle_calls, ARRAY_SIZE(idle_calls)))
		return R_IDLE;
	if (in(*nr, sleep_calls, ARRAY_SIZE(sleep_calls)))
		return R_SLEEP;
	if (in(*nr, eintr_calls, ARRAY_SIZE(eintr_calls)))
		return R_EINTR;
	return R_BLOCKED;
}

static enum rank best_thread(struct memlock_target *t, pid_t *tid, long *nr)
{
	enum rank best = R_NONE, r;
	struct mlk_tasks it;
	pid_t cand;
	long n;

	if (mlk_tasks_open(&it, NULL, t->pid) < 0)
		return R_NONE;
	while (best != R_IDLE && mlk_tasks_next(&it, &cand) == 0) {
		r = classify(t, cand, &n);
		if (r < best) {
			best = r;
			*tid = cand;
			*nr = n;
		}
	}
	mlk_tasks_close(&it);
	return best;
}

int mlk_choose_thread(struct memlock_target *t, pid_t *tid)
{
	static const char *const names[] = {
		[R_IDLE] = "idle in a restartable wait", [R_SLEEP] = "in a timed sleep",
		[R_BLOCKED] = "blocked", [R_RUNNING] = "running",
		[R_EINTR] = "in an EINTR-prone wait", [R_DSTATE] = "in uninterruptible sleep",
		[R_NONE] = "chosen by the caller",
	};
	struct timespec pause = { 0, 2 * 1000 * 1000 };
	enum rank r;
	long nr = -1;
	int i;

	if (t->tid_override) {
		*tid = t->tid_override;
		r = classify(t, *tid, &nr);
		if (r == R_NONE)
			return -ESRCH;
	} else {
		r = best_thread(t, tid, &nr);
		/* only EINTR-prone or D-state threads: give them up to 200 ms to
		 * leave the call, once per handle (not again at every chunk) */
		for (i = 0; r >= R_EINTR && r != R_NONE && !t->waited && i < 100; i++) {
			nanosleep(&pause, NULL);
			r = best_thread(t, tid, &nr);
		}
		if (r >= R_EINTR)
			t->waited = true;
		if (r == R_NONE)
			return -ESRCH;
	}
	if (r == R_DSTATE) {
		/* the interrupt stop would wait for it to leave D: a vfork
		 * parent waits for its child, a process in I/O for the I/O */
		if (t->tid_override)
			pr_err("thread %d of process %d is in uninterruptible sleep (D state: "
			       "waiting for a vfork child, for I/O or for the kernel); try again "
			       "later, or choose another thread",
			       (int)*tid, (int)t->pid);
		else
			pr_err("every thread of process %d is in uninterruptible sleep (D state: "
			       "waiting for a vfork child, for I/O or for the kernel); try again "
			       "later",
			       (int)t->pid);
		return -EAGAIN;
	}
	if (r == R_EINTR) {
		if (t->flags & MEMLOCK_F_NO_EINTR)
			return -EINTR;
		t->stats.eintr_risk = true;
		pr_warn("thread %d of process %d is in an EINTR-prone wait (syscall %ld): "
			"it may return EINTR",
			(int)*tid, (int)t->pid, nr);
	}
	if (nr >= 0)
		snprintf(t->why_tid, sizeof(t->why_tid), "%s (syscall %ld)", names[r], nr);
	else
		snprintf(t->why_tid, sizeof(t->why_tid), "%s", names[r]);
	return 0;
}
