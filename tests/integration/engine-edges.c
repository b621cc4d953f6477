// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Edges of the injection engine, through the library:
 *  - a handle kept across the target's exec: the borrowed syscall
 *    instruction of the old image is gone, and must be looked for again
 *    (not jumped to);
 *  - a range that wraps the address space goes to the kernel as asked, which
 *    answers EINVAL (not clipped into an ENOMEM or a partial lock);
 *  - the caller's signals, every blockable one, wait until the injection is
 *    over: a caller with SIGUSR1 at its default action, signalled in the
 *    middle of a long mlock, dies only after the target is restored;
 *  - a thread that makes short calls back to back (stopped in user mode or
 *    right after one) is taken at the entry of its next call, not sent to
 *    the borrowed instruction, and goes on counting and checking its
 *    registers as if nothing happened.
 */
/* run.sh: alone (a 512 MiB lock's stop must be seen, a busy thread taken at a call's entry) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memlock.h"

static int tests;

static void ok(int cond, const char *what)
{
	printf("%s %d - %s\n", cond ? "ok" : "not ok", ++tests, what);
}

/* A child blocked in read(@fd); a byte makes it exec `sleep 30`, EOF exits. */
static pid_t exec_on_byte(int *ctl)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(0);
	}
	close(p[0]);
	*ctl = p[1];
	return pid;
}

static bool comm_is(pid_t pid, const char *want)
{
	char path[64], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, want) == 0;
}

static void across_exec(void)
{
	struct memlock_status st = { .sz = sizeof(st) };
	struct memlock_target *t;
	long ret = 0;
	int ctl, rc, i;
	pid_t pid;

	pid = exec_on_byte(&ctl);
	usleep(100000);
	t = memlock_target_open(pid, 0, NULL);
	rc = t ? memlock_target_syscall(t, SYS_getpid, &ret, (const long[6]){ 0 }) : -errno;
	ok(rc == 0 && ret == pid, "exec: an injected getpid before the exec answers the PID");
	if (t == NULL)
		return;
	if (write(ctl, "x", 1) != 1)
		perror("write");
	for (i = 0; i < 200 && !comm_is(pid, "sleep"); i++)
		usleep(10000);
	usleep(50000);	/* into its nanosleep */
	ret = 0;
	rc = memlock_target_syscall(t, SYS_getpid, &ret, (const long[6]){ 0 });
	ok(rc == 0 && ret == pid,
	   "exec: through the same handle after the exec, getpid still answers the PID");
	/* (R for a moment after the detach: it re-enters its nanosleep) */
	for (i = 0; i < 100; i++) {
		if (memlock_proc_read_status(NULL, pid, &st) < 0 || st.state == 'S')
			break;
		usleep(10000);
	}
	ok(memlock_proc_read_status(NULL, pid, &st) == 0 && st.tracer_pid == 0 && st.state == 'S',
	   "exec: the new image is untraced and sleeping");
	memlock_target_close(t);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ctl);
}

static void wrapping_range(void)
{
	struct memlock_target *t;
	long ret = 0;
	int ctl, rc;
	pid_t pid;

	pid = exec_on_byte(&ctl);
	usleep(100000);
	t = memlock_target_open(pid, 0, NULL);
	rc = t ? memlock_target_lock_range(t, 0x10000, UINT64_MAX - 0x1000, 0, 0, &ret) : -errno;
	ok(rc == 0 && ret == -EINVAL, "a range that wraps: the kernel's EINVAL, not clipped");
	memlock_target_close(t);
	close(ctl);
	waitpid(pid, NULL, 0);
}

#define BIG (512ul << 20)

static pid_t tracer_of(pid_t pid)
{
	struct memlock_status st = { .sz = sizeof(st) };

	return memlock_proc_read_status(NULL, pid, &st) == 0 ? st.tracer_pid : -1;
}

/* A caller with SIGUSR1 at its default action (terminate) gets one in the
 * middle of a long injection: it must die only after the target is
 * restored and detached - the target then exits normally, locked. */
static void caller_signals(void)
{
	struct memlock_status st = { .sz = sizeof(st) };
	int p[2], status, i;
	pid_t pid, caller;
	bool seen;
	void *big;

	/* 512 MiB untouched, mapped before the fork so the child has it at the
	 * same address: mlock of it populates it, a long stop. (Not mlockall:
	 * under ASan the child would populate the sanitizer's shadow too.) */
	big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED || pipe(p) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			_exit(1);
		_exit(c == 'q' ? 0 : 1);
	}
	close(p[0]);
	usleep(100000);
	caller = fork();
	if (caller == 0) {
		struct memlock_target *t = memlock_target_open(pid, 0, NULL);
		long ret = 0;

		signal(SIGUSR1, SIG_DFL);
		if (t == NULL ||
		    memlock_target_syscall(t, SYS_mlock, &ret, (const long[6]){ (long)big, (long)BIG }) < 0)
			_exit(2);
		_exit(ret == 0 ? 0 : 3);
	}
	/* up to 10 s: a sanitized caller on a loaded machine is slow to start */
	for (i = 0; i < 50000 && tracer_of(pid) != caller; i++)
		usleep(200);
	seen = tracer_of(pid) == caller;
	kill(caller, SIGUSR1);
	waitpid(caller, &status, 0);
	ok(seen && WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1,
	   "caller signals: SIGUSR1 during the stop ends the caller after the injection");
	/* (R for a moment after the detach: it re-enters its read) */
	for (i = 0; i < 100; i++) {
		if (memlock_proc_read_status(NULL, pid, &st) < 0 || st.state == 'S')
			break;
		usleep(10000);
	}
	ok(memlock_proc_read_status(NULL, pid, &st) == 0 && st.tracer_pid == 0 && st.state == 'S' &&
		   st.vm_lck >= BIG,
	   "caller signals: the target is locked, untraced and running");
	if (st.tracer_pid != 0 || st.state != 'S' || st.vm_lck < BIG)
		printf("# state %c, tracer %d, VmLck %llu kB\n", st.state, (int)st.tracer_pid,
		       (unsigned long long)st.vm_lck >> 10);
	if (write(p[1], "q", 1) != 1)
		perror("write");
	close(p[1]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "caller signals: the target's registers were restored: it exits normally");
	munmap(big, BIG);
}

/* A child that reads /dev/zero back to back (most of its time in the
 * kernel, so that the stop finds it in or right after a call, whatever the
 * load) and checks, around each call, that the registers the compiler keeps
 * across it are unchanged: it exits 3 on a mismatch, 2 on a failed read. */
static pid_t busy_caller(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		static char buf[256 << 10];
		int fd = open("/dev/zero", O_RDONLY);

		for (unsigned long i = 0;; i++) {
			unsigned long a = i * 7 + 1, b = i ^ 0x5a5a5a5aul;

			if (read(fd, buf, sizeof(buf)) <= 0)
				_exit(2);
			__asm__ volatile("" : "+r"(a), "+r"(b));
			if (a != i * 7 + 1 || b != (i ^ 0x5a5a5a5aul))
				_exit(3);
		}
	}
	return pid;
}

static char debug_log[8192];

static void keep_log(enum memlock_log_level level, const char *msg, void *userdata)
{
	(void)level, (void)userdata;
	if (strlen(debug_log) + strlen(msg) + 2 < sizeof(debug_log)) {
		strcat(debug_log, msg);
		strcat(debug_log, "\n");
	}
}

static void next_call(void)
{
	struct memlock_target *t;
	pid_t pid = busy_caller();
	int status = 0, taken = 0;
	long ret = 0;

	usleep(50000);
	t = memlock_target_open(pid, 0, NULL);
	ok(t != NULL, "next call: the busy caller opens");
	if (t == NULL)
		return;
	memlock_set_log(keep_log, MEMLOCK_LOG_DEBUG, NULL);
	for (int i = 0; i < 20; i++) {
		debug_log[0] = '\0';
		usleep(2000);	/* (back to back, it would not run between stops) */
		if (memlock_target_syscall(t, SYS_getpid, &ret, (const long[6]){ 0 }) == 0 && ret == pid &&
		    strstr(debug_log, "taken at the entry of its "))
			taken++;
	}
	memlock_set_log(NULL, MEMLOCK_LOG_ERR, NULL);
	memlock_target_close(t);
	printf("# taken at a call entry: %d of 20\n", taken);
	ok(taken >= 4, "next call: a thread busy with short calls is taken at a call's entry "
			"(its next, or the one the stop interrupted), not by the borrowed instruction");
	usleep(50000);
	ok(waitpid(pid, &status, WNOHANG) == 0, "next call: the caller runs on, its checks intact");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (the 512 MiB lock needs CAP_IPC_LOCK)\n");
		return 0;
	}
	{
		struct memlock_verdict *why = memlock_verdict_new();

		/* a verdict of an earlier refusal, to be replaced */
		errno = 0;
		ok(why != NULL && memlock_target_open(-1, 0, why) == NULL &&
			   memlock_target_open(getpid(), 0x80000000u, why) == NULL && errno == EINVAL &&
			   memlock_verdict_err(why) == EINVAL &&
			   memlock_verdict_cause(why) == MEMLOCK_CAUSE_BAD_FLAGS &&
			   memlock_verdict_reason(why)[0] != '\0',
		   "bad flags: NULL, EINVAL, and @why filled, not left stale");
		memlock_verdict_free(why);
	}
	across_exec();
	wrapping_range();
	caller_signals();
	next_call();
	printf("1..%d\n", tests);
	return 0;
}
