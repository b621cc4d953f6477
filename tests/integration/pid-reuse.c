// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PID reuse: a target handle pins its process (pidfd and start time). When
 * the process exits and a new one gets its PID, an injection through the
 * old handle must fail with ESRCH and leave the newcomer untouched.
 * The PID is reused on purpose through /proc/sys/kernel/ns_last_pid (root).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memlock.h"

static int tests;

static void ok(int cond, const char *what)
{
	printf("%s %d - %s\n", cond ? "ok" : "not ok", ++tests, what);
}

static pid_t child(void)
{
	pid_t p = fork();

	if (p == 0) {
		for (;;)
			pause();
	}
	return p;
}

int main(void)
{
	struct memlock_status st;
	struct memlock_target *t;
	pid_t a, b = -1;
	long ret = 0;
	int i, rc;
	FILE *f;

	if (geteuid() != 0 || access("/proc/sys/kernel/ns_last_pid", W_OK) != 0) {
		printf("1..0 # SKIP needs root and a writable ns_last_pid\n");
		return 0;
	}
	a = child();
	usleep(100000);
	t = memlock_target_open(a, 0, NULL);
	ok(t != NULL, "the first process opens as a target");
	if (t == NULL)
		return 1;
	rc = memlock_remote_syscall(t, SYS_getpid, &ret);
	ok(rc == 0 && ret == a, "an injected getpid answers its PID");
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	for (i = 0; i < 20 && b != a; i++) {
		f = fopen("/proc/sys/kernel/ns_last_pid", "w");
		if (f == NULL)
			break;
		fprintf(f, "%d", (int)a - 1);
		fclose(f);
		b = child();
		if (b != a) {
			kill(b, SIGKILL);
			waitpid(b, NULL, 0);
		}
	}
	if (b != a) {
		ok(1, "PID reuse # SKIP could not get the same PID again");
		printf("1..%d\n", tests);
		return 0;
	}
	usleep(100000);
	ok(1, "a new process got the same PID");
	rc = memlock_remote_syscall(t, SYS_mlockall, &ret, 3);
	ok(rc == -ESRCH && errno == ESRCH, "injection through the stale handle: ESRCH");
	ok(memlock_proc_read_status(NULL, b, &st) == 0 && st.vm_lck == 0 && st.tracer_pid == 0 &&
		   st.state == 'S',
	   "the newcomer is untouched: not locked, not traced, not stopped");
	memlock_target_close(t);
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	printf("1..%d\n", tests);
	return 0;
}
