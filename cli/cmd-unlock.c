// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock unlock PID...|KEY=VALUE... [--comm NAME]...
 *                [--range START-END | --mapping NAME]... [--max-pause MS]
 *                [--tid TID] [--dry-run] [--force] [-J]
 *
 * munlockall() (or munlock() per range) injected into a running process.
 */
#include <getopt.h>
#include <sys/syscall.h>

#include "inject.h"
#include "output.h"

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock unlock [options] <pid>...\n"
	      " memlock unlock [options] <key>=<value>... | --comm <name>...\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Unlock the memory of a running process: munlockall(), which also ends\n"
	      "MCL_FUTURE, or munlock() of ranges. Locks do not nest: this also drops\n"
	      "the locks the program took itself (a secure-memory pool, say).\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(" -R, --range <start-end>   munlock this range (hex as in maps); repeatable\n"
	      " -m, --mapping <name>      munlock every mapping of this file or [name]\n"
	      " -P, --max-pause <ms>      bound every stop: unlock in chunks of that duration\n"
	      " -t, --tid <tid>           inject through this thread\n"
	      " -n, --dry-run             check and say what would be done, touch nothing\n"
	      "     --force               go ahead despite a seccomp filter\n"
	      " -J, --json                use JSON output format\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Processes, each unlocked in turn (never memlock itself):\n", stdout);
	fputs(USAGE_TARGETS_OPTIONS, stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

/*
 * Locks do not nest, and nothing in /proc says who took one: the program
 * itself (mlock of a key store, its own mlockall) or an earlier attach look
 * the same. So munlockall is said to drop them all, as a possibility, never
 * as a fact about this process.
 */
static void warn_all(const struct inject_report *rep)
{
	char b[32];

	if (rep->json || !rep->vmlck_before)
		return;
	warnx("munlockall drops every lock of process %d (VmLck %s), any the program took "
	      "itself included: memlock cannot tell those from an attach's",
	      (int)rep->pid, size_to_human(rep->vmlck_before, b, sizeof(b)));
	hint("to drop only some: memlock unlock --mapping NAME %d (or --range START-END)",
	     (int)rep->pid);
}

static int dry_run(const struct inject_args *a, const struct inject_report *rep, bool bounded)
{
	char b[32];

	printf("would unlock process %d (%s, VmLck %s): ", (int)a->pid, rep->comm,
	       size_to_human(rep->vmlck_before, b, sizeof(b)));
	if (a->nranges)
		printf("%zu range%s", a->nranges, a->nranges == 1 ? "" : "s");
	else
		printf("munlockall()");
	printf("%s\n", bounded ? " in bounded stops" : "");
	if (a->nranges == 0)
		warn_all(rep);
	return EXIT_SUCCESS;
}

/* One process (@a->pid): its exit status. */
static int unlock_one(struct inject_args *a, void *arg)
{
	struct inject_report *rep;
	struct memlock_target *t;
	long ret = 0;
	size_t i;
	int rc = 0;

	(void)arg;
	rep = calloc(1, sizeof(*rep));
	if (rep == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	t = inject_open(a, rep);
	if (t == NULL) {
		rc = EXIT_FAILURE;
		goto out;
	}
	if (a->dry) {
		rc = dry_run(a, rep, a->max_pause != 0);
		memlock_target_close(t);
		goto out;
	}
	if (a->nranges == 0) {
		warn_all(rep);
		rc = memlock_target_unlock_all(t, a->max_pause, &ret);
	}
	for (i = 0; i < a->nranges && rc == 0 && ret == 0; i++)
		rc = memlock_target_unlock_range(t, a->ranges[i].start,
					      a->ranges[i].end - a->ranges[i].start, a->max_pause,
					      &ret);
	rc = inject_finish(t, rep, rc);
out:
	free(rep);
	return rc;
}

int cmd_unlock(int argc, char **argv)
{
	static const struct option longopts[] = {
		INJECT_LONGOPTS,
		TARGETS_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct inject_args a = { 0 };
	struct targets tg = { 0 };
	int c, rc;

	while ((c = cli_getopt(argc, argv, INJECT_SHORTOPTS "hV", longopts)) != -1) {
		if (inject_option(&a, c, optarg) || targets_option(&tg, c, optarg))
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
	inject_args_finish(&a, argc, argv, "unlock", &tg);
	rc = inject_each(&a, &tg, unlock_one, NULL);
	inject_args_free(&a);
	targets_free(&tg);
	return rc;
}
