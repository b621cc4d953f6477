// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock unlock PID [--range START-END | --mapping NAME]... [--tid TID] [-J]
 *
 * munlockall() (or munlock() per range) injected into a running process.
 */
#include <getopt.h>
#include <sys/syscall.h>

#include "inject.h"

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock unlock [options] <pid>\n", stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Unlock the memory of a running process: munlockall(), which also ends\n"
	      "MCL_FUTURE, or munlock() of ranges. Locks do not nest: this also drops\n"
	      "the locks the program took itself (a secure-memory pool, say).\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(" -R, --range <start-end>   munlock this range (hex as in maps); repeatable\n"
	      " -m, --mapping <name>      munlock every mapping of this file or [name]\n"
	      " -t, --tid <tid>           inject through this thread\n"
	      "     --force               go ahead despite a seccomp filter\n"
	      " -J, --json                use JSON output format\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

int cmd_unlock(int argc, char **argv)
{
	static const struct option longopts[] = {
		INJECT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct inject_args a = { 0 };
	struct inject_report *rep;
	struct memlock_target *t;
	long ret = 0, args[6] = { 0 };
	size_t i;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, INJECT_SHORTOPTS "hV", longopts, NULL)) != -1) {
		if (inject_option(&a, c, optarg))
			continue;
		switch (c) {
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("unlock");
		}
	}
	inject_args_finish(&a, argc, argv, "unlock");
	rep = calloc(1, sizeof(*rep));
	if (rep == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	t = inject_open(&a, rep);
	if (t == NULL) {
		rc = EXIT_FAILURE;
		goto out;
	}
	if (a.nranges == 0) {
		if (!a.json && rep->vmlck_before)
			warnx("munlockall also drops the locks process %d took itself", (int)a.pid);
		rc = memlock_remote_syscallv(t, SYS_munlockall, &ret, args);
	}
	for (i = 0; i < a.nranges && rc == 0 && ret == 0; i++) {
		args[0] = (long)a.ranges[i].start;
		args[1] = (long)(a.ranges[i].end - a.ranges[i].start);
		rc = memlock_remote_syscallv(t, SYS_munlock, &ret, args);
	}
	rc = inject_finish(t, rep, rc);
out:
	inject_args_free(&a);
	free(rep);
	return rc;
}
