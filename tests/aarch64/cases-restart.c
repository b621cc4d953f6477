// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cases where memlock injects into a thread blocked in a syscall (the
 * entry-hijack path on arm64): nanosleep, read on a pipe, sigsuspend, and a
 * read without SA_RESTART that a signal interrupts during the injection.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cases.h"

#define DATA "memlock-aarch64\n"

void case_nanosleep(struct result *r)
{
	struct memlock_target *t = NULL;
	struct victim v;

	if (!victim_start(r, &v, "victim-sleep", NULL, NULL))
		return;
	if (wait_in_syscall(r, v.pid, SYS_clock_nanosleep, 5000) &&
	    (t = target_open(r, v.pid)) && lock_all(r, t, 0))
		for (int i = 0; i < 3 && inject_getpid(r, t); i++)
			sleep_ms(30);
	memlock_target_close(t);
	sleep_ms(100);
	if (victim_alive(r, &v))
		victim_finish(r, &v, 10000);
	victim_kill(&v);
}

void case_pipe_read(struct result *r)
{
	struct memlock_target *t = NULL;
	struct victim v;

	if (!victim_start(r, &v, "victim-read", NULL, NULL))
		return;
	if (wait_in_syscall(r, v.pid, SYS_read, 5000) && (t = target_open(r, v.pid)) &&
	    lock_all(r, t, 0))
		inject_getpid(r, t);
	memlock_target_close(t);
	sleep_ms(100);
	if (victim_alive(r, &v)) {
		if (write(v.ctl, DATA, strlen(DATA)) != (ssize_t)strlen(DATA))
			fail(r, "cannot write to the victim's pipe");
		victim_finish(r, &v, 10000);
	}
	victim_kill(&v);
}

void case_sigsuspend(struct result *r)
{
	struct memlock_target *t = NULL;
	struct victim v;

	if (!victim_start(r, &v, "victim-sigsuspend", NULL, NULL))
		return;
	if (wait_in_syscall(r, v.pid, SYS_rt_sigsuspend, 5000) && (t = target_open(r, v.pid)) &&
	    lock_all(r, t, 0))
		inject_getpid(r, t);
	memlock_target_close(t);
	sleep_ms(100);
	if (victim_alive(r, &v)) {
		kill(v.pid, SIGUSR1);
		victim_finish(r, &v, 10000);
	}
	victim_kill(&v);
}

/* Sends SIGUSR1 to @pid once memlock is attached and the injected mlockall
 * has started (VmLck > 0), i.e. while the target's signals are blocked. */
struct signaller {
	pid_t pid;
	atomic_int done;	/* the lock returned */
	bool sent, during;
};

static void *signal_during_injection(void *arg)
{
	struct signaller *s = arg;

	while (!atomic_load(&s->done)) {
		if (status_field(s->pid, "TracerPid") > 0 && status_field(s->pid, "VmLck") > 0) {
			kill(s->pid, SIGUSR1);
			s->sent = true;
			/* still attached after the kill: it came during the injection */
			s->during = status_field(s->pid, "TracerPid") > 0;
			break;
		}
		sched_yield();
	}
	return NULL;
}

/* One try; false when the signal missed the injection (try again). */
static bool try_read_eintr(struct result *r, int attempt)
{
	struct signaller s = { 0 };
	struct memlock_target *t;
	struct victim v;
	pthread_t th;
	bool locked;

	if (!victim_start(r, &v, "victim-read", "eintr", "128"))
		return true;
	if (!wait_in_syscall(r, v.pid, SYS_read, 5000) || !(t = target_open(r, v.pid))) {
		victim_kill(&v);
		return true;
	}
	s.pid = v.pid;
	pthread_create(&th, NULL, signal_during_injection, &s);
	/* not lock_all(): with the EINTR kept, the victim may be gone before
	 * its VmLck could be read - the mlockall's answer must be 0 */
	{
		long ret = 0;
		int rc = memlock_target_lock_all(t, MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE, 0, &ret);

		locked = rc == 0 && ret == 0;
		if (!locked)
			fail(r, "memlock_target_lock_all(%d) = %s, mlockall answered %s", (int)v.pid,
			     strerror(-rc), strerror((int)-ret));
	}
	atomic_store(&s.done, 1);
	pthread_join(th, NULL);
	memlock_target_close(t);
	if (!s.sent || !s.during) {
		note(r, "attempt %d: SIGUSR1 %s", attempt,
		     s.sent ? "came after the injection" : "was not sent during the injection");
		victim_kill(&v);
		return !locked;
	}
	note(r, "attempt %d: SIGUSR1 sent while memlock was injecting mlockall", attempt);
	/* without memlock the read fails with EINTR at once; if it went on
	 * waiting, give it the data, and it says what it got */
	if (!victim_wait(&v, 2000)) {
		fail(r, "the read did not return after SIGUSR1 (2 s): it was restarted");
		if (write(v.ctl, DATA, strlen(DATA)) < 0)
			fail(r, "cannot write to the victim's pipe");
	}
	victim_finish(r, &v, 10000);
	victim_kill(&v);
	return true;
}

void case_read_eintr(struct result *r)
{
	struct victim v;

	/* control: without memlock the victim passes, or the case means nothing */
	if (!victim_start(r, &v, "victim-read", "eintr", "1"))
		return;
	if (wait_in_syscall(r, v.pid, SYS_read, 5000)) {
		kill(v.pid, SIGUSR1);
		if (victim_wait(&v, 3000) && WIFEXITED(v.status) && WEXITSTATUS(v.status) == 0)
			note(r, "control without memlock: the read failed with EINTR");
		else
			fail(r, "control without memlock: the victim did not see EINTR");
	}
	victim_kill(&v);
	if (r->n)
		return;
	for (int attempt = 1; attempt <= 3; attempt++)
		if (try_read_eintr(r, attempt))
			return;
	fail(r, "SIGUSR1 never arrived during an injection in 3 attempts");
}
