// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The check-aarch64 driver's plumbing (see harness.h): victims with
 * timeouts, /proc readings, failure messages, the common injections.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

const char *victim_dir = "/test";

void fail(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n >= MSG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg[r->n++], sizeof(r->msg[0]), fmt, ap);
	va_end(ap);
}

void note(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n_note >= MSG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(r->note[r->n_note++], sizeof(r->note[0]), fmt, ap);
	va_end(ap);
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A pipe whose ends are above the fds a victim gets (3, 4), close-on-exec. */
static int high_pipe(int fd[2])
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fd[0] = fcntl(p[0], F_DUPFD_CLOEXEC, 10);
	fd[1] = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
	close(p[0]);
	close(p[1]);
	return fd[0] < 0 || fd[1] < 0 ? -1 : 0;
}

bool victim_start(struct result *r, struct victim *v, const char *name, const char *arg1,
		  const char *arg2)
{
	int ctl[2], rdy[2];
	struct pollfd pfd;
	char path[256], c;

	memset(v, 0, sizeof(*v));
	v->name = name;
	v->ctl = -1;
	snprintf(path, sizeof(path), "%s/%s", victim_dir, name);
	if (high_pipe(ctl) < 0 || high_pipe(rdy) < 0) {
		fail(r, "pipe: %s", strerror(errno));
		return false;
	}
	v->pid = fork();
	if (v->pid == 0) {
		char *argv[] = { (char *)name, (char *)arg1, (char *)(arg1 ? arg2 : NULL), NULL };

		if (dup2(ctl[0], 3) < 0 || dup2(rdy[1], 4) < 0)
			_exit(126);
		execv(path, argv);
		fprintf(stderr, "# exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(ctl[0]);
	close(rdy[1]);
	v->ctl = ctl[1];
	if (v->pid < 0) {
		fail(r, "fork: %s", strerror(errno));
		close(rdy[0]);
		return false;
	}
	pfd = (struct pollfd){ .fd = rdy[0], .events = POLLIN };
	if (poll(&pfd, 1, 20000) != 1 || read(rdy[0], &c, 1) != 1) {
		fail(r, "%s did not get ready", name);
		close(rdy[0]);
		victim_kill(v);
		return false;
	}
	close(rdy[0]);
	return true;
}

static void describe_exit(struct result *r, const struct victim *v)
{
	if (WIFEXITED(v->status))
		fail(r, "%s exited with status %d", v->name, WEXITSTATUS(v->status));
	else if (WIFSIGNALED(v->status))
		fail(r, "%s was killed by signal %d (%s)", v->name, WTERMSIG(v->status),
		     strsignal(WTERMSIG(v->status)));
}

bool victim_wait(struct victim *v, int timeout_ms)
{
	for (int waited = 0; !v->reaped; waited += 5) {
		pid_t p = waitpid(v->pid, &v->status, WNOHANG);

		if (p == v->pid) {
			v->reaped = true;
			break;
		}
		if (p < 0 || waited >= timeout_ms)
			return false;
		sleep_ms(5);
	}
	return true;
}

bool victim_alive(struct result *r, struct victim *v)
{
	if (!victim_wait(v, 0))
		return true;
	fail(r, "%s is gone after the injections", v->name);
	describe_exit(r, v);
	return false;
}

void victim_kill(struct victim *v)
{
	if (v->ctl >= 0)
		close(v->ctl);
	v->ctl = -1;
	if (v->pid > 0 && !v->reaped) {
		kill(v->pid, SIGKILL);
		v->reaped = waitpid(v->pid, &v->status, 0) == v->pid;
	}
}

bool victim_finish(struct result *r, struct victim *v, int timeout_ms)
{
	if (v->ctl >= 0)
		close(v->ctl);
	v->ctl = -1;
	if (!victim_wait(v, timeout_ms)) {
		fail(r, "%s did not exit within %d ms: killed", v->name, timeout_ms);
		victim_kill(v);
		return false;
	}
	if (WIFEXITED(v->status) && WEXITSTATUS(v->status) == 0)
		return true;
	describe_exit(r, v);
	return false;
}

/* The first number of /proc/TID/syscall ("running" when not in one). */
static long syscall_of(pid_t tid)
{
	char path[64], buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -2;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

bool wait_in_syscall(struct result *r, pid_t tid, long nr, int timeout_ms)
{
	long now = -1;

	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		now = syscall_of(tid);
		if (now == nr)
			return true;
		sleep_ms(5);
	}
	fail(r, "thread %d is in syscall %ld, not %ld, after %d ms", (int)tid, now, nr,
	     timeout_ms);
	return false;
}

long status_field(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t fl = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			v = strtol(line + fl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

uint64_t vmlck(pid_t pid)
{
	struct memlock_status st = { .sz = sizeof(st) };

	return memlock_proc_read_status(NULL, pid, &st) == 0 ? st.vm_lck : UINT64_MAX;
}

struct memlock_target *target_open(struct result *r, pid_t pid)
{
	struct memlock_verdict *why = memlock_verdict_new();
	struct memlock_target *t = why ? memlock_target_open(pid, 0, why) : NULL;

	if (t == NULL)
		fail(r, "memlock_target_open(%d): %s: %s", (int)pid, strerror(errno),
		     why ? memlock_verdict_reason(why) : "no memory");
	memlock_verdict_free(why);
	return t;
}

bool lock_all(struct result *r, struct memlock_target *t, uint64_t max_pause_ns)
{
	pid_t pid = memlock_target_pid(t);
	uint64_t before = vmlck(pid), after;
	long ret = 0;
	int rc;

	rc = memlock_target_lock_all(t, MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE, max_pause_ns, &ret);
	after = vmlck(pid);
	if (rc < 0 || ret < 0) {
		fail(r, "memlock_target_lock_all(%d) = %s, mlockall answered %s", (int)pid,
		     strerror(-rc), strerror((int)-ret));
		return false;
	}
	if (after == UINT64_MAX || after <= before) {
		fail(r, "VmLck of %d did not grow: %llu kB -> %llu kB", (int)pid,
		     (unsigned long long)before >> 10, (unsigned long long)after >> 10);
		return false;
	}
	return true;
}

bool inject_getpid(struct result *r, struct memlock_target *t)
{
	pid_t pid = memlock_target_pid(t);
	long ret = 0;
	int rc = memlock_target_syscall(t, SYS_getpid, &ret, (const long[6]){ 0 });

	if (rc < 0 || ret != pid) {
		fail(r, "injected getpid in %d: %s, answered %ld", (int)pid, strerror(-rc), ret);
		return false;
	}
	return true;
}

bool unlock_all(struct result *r, struct memlock_target *t)
{
	pid_t pid = memlock_target_pid(t);
	uint64_t before = vmlck(pid), after;
	long ret = 0;
	int rc = memlock_target_syscall(t, SYS_munlockall, &ret, (const long[6]){ 0 });

	after = vmlck(pid);
	if (rc < 0 || ret != 0) {
		fail(r, "injected munlockall in %d: %s, answered %ld", (int)pid, strerror(-rc), ret);
		return false;
	}
	if (after != 0 || before == 0) {
		fail(r, "VmLck of %d did not drop to 0: %llu kB -> %llu kB", (int)pid,
		     (unsigned long long)before >> 10, (unsigned long long)after >> 10);
		return false;
	}
	return true;
}
