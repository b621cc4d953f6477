// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sigtarget pause|read|sigsuspend - a process that waits for SIGUSR1 (its
 * handler without SA_RESTART) with 1 GiB mapped but untouched, so that an
 * attach stops it long enough for the signal to come during the stop.
 *   pause       while (!flag) pause();
 *   read        while (!flag) read(0): EINTR expected, as without memlock
 *   sigsuspend  SIGUSR1 blocked, sigsuspend() with an empty mask; afterwards
 *               SIGUSR1 must be blocked again (the mask put back)
 *   vfork       vfork(), the child sleeping 30 s: the parent waits in D
 *               state (SIGUSR1 to the parent ends the child too)
 *   leader-exit the main thread calls pthread_exit() (a zombie leader) while
 *               a second thread pauses on; SIGUSR1 ends the process
 * Prints "ready PID", then at the signal "woke eintr=N masked=0|1", exit 0.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t flag;

static void on_usr1(int sig)
{
	(void)sig;
	flag = 1;
}

static void *pauser(void *unused)
{
	(void)unused;
	while (!flag)
		pause();
	printf("woke eintr=0 masked=0\n");
	exit(0);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	const char *mode = argc > 1 ? argv[1] : "pause";
	sigset_t usr1, empty, now;
	int eintr = 0;
	char c;

	sigaction(SIGUSR1, &sa, NULL);
	if (mmap(NULL, 1ul << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
	    MAP_FAILED)
		return 2;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&empty);
	if (strcmp(mode, "sigsuspend") == 0)
		sigprocmask(SIG_BLOCK, &usr1, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (strcmp(mode, "leader-exit") == 0) {
		pthread_t th;

		pthread_create(&th, NULL, pauser, NULL);
		pthread_exit(NULL);
	}
	if (strcmp(mode, "vfork") == 0) {
		struct timespec ts = { 30, 0 };

		if (vfork() == 0) {
			nanosleep(&ts, NULL);
			_exit(0);
		}
		return 0;
	}
	while (!flag) {
		if (strcmp(mode, "read") == 0) {
			if (read(0, &c, 1) < 0)
				eintr++;
		} else if (strcmp(mode, "sigsuspend") == 0) {
			sigsuspend(&empty);
		} else {
			pause();
		}
	}
	sigprocmask(SIG_BLOCK, NULL, &now);
	printf("woke eintr=%d masked=%d\n", eintr, sigismember(&now, SIGUSR1));
	return 0;
}
