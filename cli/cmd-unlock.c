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
	enum { OPT_FORCE = 0x100 };
	static const struct option longopts[] = {
		{ "range", required_argument, NULL, 'R' },
		{ "mapping", required_argument, NULL, 'm' },
		{ "tid", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct inject_report *rep = calloc(1, sizeof(*rep));
	struct range_arg *ranges = NULL;
	const char *mappings[64];
	size_t nranges = 0, nmappings = 0, i;
	struct memlock_target *t;
	unsigned int tflags = 0;
	pid_t pid, tid = 0;
	long ret = 0;
	int c, rc = 0;

	if (rep == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	while ((c = getopt_long(argc, argv, "R:m:t:JhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'R':
			if (inject_add_range(optarg, &ranges, &nranges) < 0) {
				warnx("invalid range: '%s'", optarg);
				hint("give START-END in hex as /proc/PID/maps shows it");
				{ rc = EXIT_FAILURE; goto out; }
			}
			break;
		case 'm':
			if (nmappings == ARRAY_SIZE(mappings))
				errx(EXIT_FAILURE, "too many --mapping options");
			mappings[nmappings++] = optarg;
			break;
		case 't':
			tid = parse_pid_or_die(optarg);
			break;
		case OPT_FORCE:
			tflags |= MEMLOCK_T_FORCE;
			break;
		case 'J':
			rep->json = true;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("unlock");
		}
	}
	if (optind != argc - 1) {
		warnx(optind >= argc ? "no PID given" : "too many arguments");
		errtryhelp("unlock");
	}
	pid = parse_pid_or_die(argv[optind]);
	for (i = 0; i < nmappings; i++) {
		if (inject_add_mapping(pid, mappings[i], &ranges, &nranges) < 0) {
			warnx("process %d has no mapping named '%s'", (int)pid, mappings[i]);
			hint("see its mappings: memlock status --maps %d", (int)pid);
			{ rc = EXIT_FAILURE; goto out; }
		}
	}
	t = inject_open(pid, tflags, rep);
	if (t == NULL)
		{ rc = EXIT_FAILURE; goto out; }
	if (tid && memlock_target_set_tid(t, tid) < 0) {
		warnx("process %d has no thread %d", (int)pid, (int)tid);
		memlock_target_close(t);
		{ rc = EXIT_FAILURE; goto out; }
	}
	if (nranges == 0) {
		long a[6] = { 0 };

		if (!rep->json && rep->vmlck_before)
			warnx("munlockall also drops the locks process %d took itself", (int)pid);
		rc = memlock_remote_syscallv(t, SYS_munlockall, &ret, a);
	}
	for (i = 0; i < nranges && rc == 0 && ret == 0; i++) {
		long a[6] = { (long)ranges[i].start, (long)(ranges[i].end - ranges[i].start) };

		rc = memlock_remote_syscallv(t, SYS_munlock, &ret, a);
	}
	rc = inject_finish(t, rep, rc);
out:
	free(ranges);
	free(rep);
	return rc;
}
