// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * victim-sleep [MB] - a 20 ms nanosleep loop until the control pipe closes:
 * every sleep must return 0 (never EINTR) and last at least as long as asked
 * (an interrupted sleep is continued with its remaining time by
 * restart_syscall). MB maps that many MiB of untouched anonymous memory, for
 * a lock with something to fault in.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "victim.h"

#define SLEEP_NS 20000000ll

int main(int argc, char **argv)
{
	struct timespec req = { 0, SLEEP_NS };
	long long t0, dt;
	long sleeps = 0;
	int bad = 0;

	victim_name = "victim-sleep";
	if (argc > 1) {
		size_t len = strtoul(argv[1], NULL, 10) << 20;

		if (mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		    MAP_FAILED) {
			say("mmap %zu bytes: %m", len);
			return 1;
		}
	}
	ctl_nonblock();
	ready();
	while (!stop_asked()) {
		t0 = now_ns();
		if (nanosleep(&req, NULL) != 0) {
			say("nanosleep: %m (sleep %ld)", sleeps);
			bad++;
		}
		dt = now_ns() - t0;
		if (dt < SLEEP_NS) {
			say("sleep %ld lasted %lld ns, asked %lld", sleeps, dt, SLEEP_NS);
			bad++;
		}
		sleeps++;
	}
	if (sleeps < 2) {
		say("only %ld sleeps", sleeps);
		bad++;
	}
	return bad ? 1 : 0;
}
