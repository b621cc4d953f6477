// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * workers - a process for memlockd's tests, driven by lines on stdin:
 *
 *   fork N        fork N workers that wait (each ends with this process)  -> ok PID...
 *   exec PATH     execv(PATH): the new program says "ready PID" again
 *   quit
 *
 * It says "ready PID" first. Copied under a name of the test's own, its
 * comm is that name, which the test's rules select.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void)
{
	char line[4096];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", (int)getpid());
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "fork ", 5) == 0) {
			int n = atoi(line + 5);

			printf("ok");
			for (int i = 0; i < n; i++) {
				pid_t pid = fork();

				if (pid == 0) {
					prctl(PR_SET_PDEATHSIG, SIGKILL);
					for (;;)
						pause();
				}
				printf(" %d", (int)pid);
			}
			printf("\n");
		} else if (strncmp(line, "exec ", 5) == 0) {
			char *argv[] = { line + 5, NULL };

			execv(line + 5, argv);
			printf("err exec\n");
		} else if (strcmp(line, "quit") == 0) {
			break;
		} else {
			printf("err unknown\n");
		}
	}
	return 0;
}
