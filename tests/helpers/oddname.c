// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * oddname NAME [FILE] - a process named NAME (prctl(PR_SET_NAME): any bytes
 * but NUL, at most 15) that maps FILE, if given, one page, read-only: for
 * the tests of names and paths that are not text (quotes, backslashes,
 * control characters, invalid UTF-8).
 * Prints "ready PID" once renamed and mapped, then waits for EOF on stdin.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char c;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: oddname NAME [FILE]\n");
		return 2;
	}
	if (prctl(PR_SET_NAME, argv[1], 0, 0, 0) != 0) {
		perror("prctl");
		return 1;
	}
	if (argc == 3) {
		fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED) {
			perror(argv[2]);
			return 1;
		}
		close(fd);
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
