// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * victim-sigsuspend - SIGUSR1 blocked, then sigsuspend() with an empty mask:
 * it must return only after the SIGUSR1 the driver sends (the handler ran
 * exactly once), with EINTR, and with SIGUSR1 blocked again.
 */
#include <signal.h>

#include "victim.h"

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	sigset_t block, empty, now;
	int r, bad = 0;

	victim_name = "victim-sigsuspend";
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&empty);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	ready();
	r = sigsuspend(&empty);
	if (r != -1 || errno != EINTR) {
		say("sigsuspend returned %d (%m), expected -1/EINTR", r);
		bad++;
	}
	if (got != 1) {
		say("sigsuspend returned with the handler run %d times, expected 1", (int)got);
		bad++;
	}
	sigprocmask(SIG_BLOCK, NULL, &now);
	if (!sigismember(&now, SIGUSR1)) {
		say("SIGUSR1 is no longer blocked after sigsuspend");
		bad++;
	}
	return bad ? 1 : 0;
}
