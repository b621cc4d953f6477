// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * seccomp-exec kill|errno COMMAND [ARGS...] - run COMMAND under a seccomp
 * filter that kills the process on mlock* and munlock* (kill) or fails them
 * with EPERM (errno), as a service manager's SystemCallFilter= does. For
 * memlock run: the program it starts inherits the filter.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lockdown.h"

int main(int argc, char **argv)
{
	unsigned int action;

	if (argc < 3 || (strcmp(argv[1], "kill") && strcmp(argv[1], "errno"))) {
		fprintf(stderr, "usage: seccomp-exec kill|errno COMMAND [ARGS...]\n");
		return 2;
	}
	action = argv[1][0] == 'k' ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ERRNO | EPERM;
	if (lockdown(action) < 0) {
		perror("seccomp-exec");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
