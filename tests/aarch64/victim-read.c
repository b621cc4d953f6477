// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * victim-read [eintr MB] - one blocking read on the control pipe.
 *   (no argument)  the read must return the driver's 16 bytes, intact;
 *   eintr MB       a SIGUSR1 handler without SA_RESTART is installed and MB
 *                  MiB of untouched memory mapped (a long mlockall); the
 *                  driver sends SIGUSR1 while memlock is injecting, so the
 *                  read must fail with EINTR after the handler ran, as it
 *                  would without memlock.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "victim.h"

#define DATA "memlock-aarch64\n"

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

int main(int argc, char **argv)
{
	int eintr = argc > 2 && strcmp(argv[1], "eintr") == 0;
	char buf[64];
	ssize_t n;

	victim_name = eintr ? "victim-read-eintr" : "victim-read";
	if (eintr) {
		struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
		size_t len = strtoul(argv[2], NULL, 10) << 20;

		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		if (mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		    MAP_FAILED) {
			say("mmap %zu bytes: %m", len);
			return 1;
		}
	}
	ready();
	n = read(CTL_FD, buf, sizeof(buf));
	if (eintr) {
		if (n < 0 && errno == EINTR && got == 1)
			return 0;
		if (n < 0)
			say("read: %m, handler ran %d times, expected EINTR after 1", (int)got);
		else
			say("read returned %zd bytes (handler ran %d times), expected -1/EINTR", n,
			    (int)got);
		return 1;
	}
	if (n < 0) {
		say("read: %m, expected %zu bytes", strlen(DATA));
		return 1;
	}
	if ((size_t)n != strlen(DATA) || memcmp(buf, DATA, (size_t)n) != 0) {
		say("read returned %zd bytes \"%.*s\", expected \"memlock-aarch64\\n\"", n, (int)n,
		    buf);
		return 1;
	}
	return 0;
}
