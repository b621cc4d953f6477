// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PID reuse: a target handle pins its process (pidfd and start time). When
 * the process exits and a new one gets its PID, an injection through the
 * old handle must fail with ESRCH and leave the newcomer untouched.
 * The PID is reused on purpose through /proc/sys/kernel/ns_last_pid (root).
 *
 * TID reuse: the thread chosen for the injection exits after the choice and
 * before the seize, and a new process gets its ID. The library's debug log
 * (the vDSO scan, made between the two) is where the test makes that
 * happen: the injection must fail with ESRCH, the newcomer untouched.
 */
/* run.sh: alone (ns_last_pid: the machine's next PID; another test's fork takes it) */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
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

/* Make the next fork get PID @want; the child pause()s. -1 if it did not. */
static pid_t child_with_pid(pid_t want)
{
	pid_t b = -1;
	FILE *f;

	for (int i = 0; i < 20 && b != want; i++) {
		f = fopen("/proc/sys/kernel/ns_last_pid", "w");
		if (f == NULL)
			break;
		fprintf(f, "%d", (int)want - 1);
		fclose(f);
		b = child();
		if (b != want) {
			kill(b, SIGKILL);
			waitpid(b, NULL, 0);
		}
	}
	return b == want ? b : -1;
}

/* A process whose second thread exits when a byte comes on the pipe. */
static int quit_fd;

static void *exits_on_byte(void *arg)
{
	char c;

	(void)arg;
	if (read(quit_fd, &c, 1) < 0)
		_exit(2);
	return NULL;
}

static pid_t two_threads(int *quit)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		pthread_t th;

		close(p[1]);
		quit_fd = p[0];
		pthread_create(&th, NULL, exits_on_byte, NULL);
		pthread_join(th, NULL);
		for (;;)
			pause();
	}
	close(p[0]);
	*quit = p[1];
	return pid;
}

/* The TID of @pid's thread other than its leader, or -1. */
static pid_t second_thread(pid_t pid)
{
	char path[64];
	struct dirent *d;
	pid_t tid = -1;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.' && atoi(d->d_name) != pid)
			tid = atoi(d->d_name);
	closedir(dir);
	return tid;
}

struct reuse {
	pid_t owner, tid, newcomer;
	int quit;
	bool done;
};

/* At the library's first debug message of the injection - after the thread
 * choice, before the seize - end that thread and give its ID to a new
 * process. */
static void swap_tid(enum memlock_log_level level, const char *msg, void *userdata)
{
	struct reuse *r = userdata;
	char path[64];

	(void)level, (void)msg;
	if (r->done)
		return;
	r->done = true;
	if (write(r->quit, "q", 1) != 1)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)r->owner, (int)r->tid);
	for (int i = 0; i < 500 && access(path, F_OK) == 0; i++)
		usleep(2000);
	r->newcomer = child_with_pid(r->tid);
}

static void tid_reuse(void)
{
	struct reuse r = { 0 };
	struct memlock_status st = { .sz = sizeof(st) };
	struct memlock_target *t;
	long ret = 0;
	int rc;

	r.owner = two_threads(&r.quit);
	usleep(100000);
	r.tid = second_thread(r.owner);	/* (not owner + 1 on a busy machine) */
	t = memlock_target_open(r.owner, 0, NULL);
	ok(t != NULL && r.tid > 0 && memlock_target_set_tid(t, r.tid) == 0,
	   "TID reuse: the process opens, its second thread is chosen");
	if (t == NULL || r.tid <= 0) {
		memlock_target_close(t);
		kill(r.owner, SIGKILL);
		waitpid(r.owner, NULL, 0);
		return;
	}
	memlock_set_log(swap_tid, MEMLOCK_LOG_DEBUG, &r);
	rc = memlock_target_syscall(t, SYS_getpid, &ret, (const long[6]){ 0 });
	memlock_set_log(NULL, MEMLOCK_LOG_ERR, NULL);
	if (r.newcomer != r.tid) {
		ok(1, "TID reuse # SKIP could not give the thread's ID to a new process");
	} else {
		usleep(100000);
		ok(rc == -ESRCH, "TID reuse: the injection fails with ESRCH, not into the newcomer");
		ok(memlock_proc_read_status(NULL, r.newcomer, &st) == 0 && st.tracer_pid == 0 &&
			   st.state == 'S',
		   "TID reuse: the newcomer is untouched: not traced, not stopped");
		kill(r.newcomer, SIGKILL);
		waitpid(r.newcomer, NULL, 0);
	}
	memlock_target_close(t);
	kill(r.owner, SIGKILL);
	waitpid(r.owner, NULL, 0);
	close(r.quit);
}

int main(void)
{
	struct memlock_status st = { .sz = sizeof(st) };
	struct memlock_target *t;
	pid_t a, b;
	long ret = 0;
	int rc;

	if (geteuid() != 0 || access("/proc/sys/kernel/ns_last_pid", W_OK) != 0) {
		printf("1..0 # SKIP needs root and a writable ns_last_pid\n");
		return 0;
	}
	a = child();
	usleep(100000);
	tid_reuse();
	t = memlock_target_open(a, 0, NULL);
	ok(t != NULL, "the first process opens as a target");
	if (t == NULL)
		return 1;
	rc = memlock_target_syscall(t, SYS_getpid, &ret, (const long[6]){ 0 });
	ok(rc == 0 && ret == a, "an injected getpid answers its PID");
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	b = child_with_pid(a);
	if (b != a) {
		memlock_target_close(t);	/* LeakSanitizer fails the run otherwise */
		ok(1, "PID reuse # SKIP could not get the same PID again");
		printf("1..%d\n", tests);
		return 0;
	}
	usleep(100000);
	ok(1, "a new process got the same PID");
	rc = memlock_target_syscall(t, SYS_mlockall, &ret, (const long[6]){ 3 });
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
