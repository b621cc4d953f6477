// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * needs-list [-r ROOT] PROGRAM | -p PID: what memlock_needs_open() (or
 * memlock_needs_open_pid()) gives, one file a line:
 *   KIND DEPTH ERRNO PATH|- NAME|- FROM|-
 * for tests/integration/needs.sh, which compares it with ldd(1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memlock.h"

int main(int argc, char **argv)
{
	struct memlock_need n = { .sz = sizeof(n) };
	struct memlock_needs *it;
	const char *root = NULL;
	pid_t pid = 0;
	int opt, rc;

	while ((opt = getopt(argc, argv, "r:p:")) != -1) {
		if (opt == 'r')
			root = optarg;
		else if (opt == 'p')
			pid = atoi(optarg);
		else
			return 2;
	}
	if (pid == 0 && optind != argc - 1) {
		fprintf(stderr, "usage: needs-list [-r ROOT] PROGRAM | -p PID\n");
		return 2;
	}
	it = pid ? memlock_needs_open_pid(root, pid, 0) : memlock_needs_open(root, argv[optind], 0);
	if (it == NULL) {
		fprintf(stderr, "needs-list: %s\n", strerror(errno));
		return 1;
	}
	while ((rc = memlock_needs_next(it, &n)) == 0)
		printf("%s %d %d %s %s %s\n", memlock_need_kind_name(n.kind), n.depth, n.err,
		       n.path ? n.path : "-", n.name ? n.name : "-", n.from ? n.from : "-");
	memlock_needs_close(it);
	if (rc < 0) {
		fprintf(stderr, "needs-list: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
