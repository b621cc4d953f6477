// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock - keep memory in RAM on Linux.
 *
 * memlock [global options] <command> [command options] [args]
 */
#include <getopt.h>
#include <unistd.h>

#include "cli.h"

static const struct cmd commands[] = {
	{ "status", cmd_status, "show lock and swap state of processes, mappings, the system", false },
	{ "check", cmd_check, "predict whether a lock would succeed, why, and how to fix it", false },
	{ "attach", cmd_attach, "lock the memory of a running process (ptrace injection)", true },
	{ "unlock", cmd_unlock, "unlock the memory of a running process", true },
	{ "run", cmd_run, "run a program with its memory locked from its first instruction", false },
	{ "limit", cmd_limit, "show or set the RLIMIT_MEMLOCK of a process", false },
	{ "files", cmd_files, "show how much of files is in the page cache", false },
	{ "metrics", cmd_metrics, "lock and swap state in the Prometheus text format", false },
	{ "daemon", cmd_daemon, "ask memlockd for its status, or have it reload its rules", false },
};

static void __attribute__((noreturn)) usage(void)
{
	size_t i;

	fputs(USAGE_HEADER, stdout);
	printf(" %s [options] <command> [command options] [args]\n",
	       program_invocation_short_name);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Keep memory in RAM: show what is locked and swapped, and predict and\n"
	      "explain memory locks by the kernel's own rules.\n",
	      stdout);
	fputs("\nCommands:\n", stdout);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		printf(" %-10s %s\n", commands[i].name, commands[i].help);
	fputs(USAGE_OPTIONS, stdout);
	fputs("     --proc-root <dir>     read <dir>/proc instead of /proc (captured trees)\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs("\nRun 'memlock <command> --help' for a command's options.\n", stdout);
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

int main(int argc, char **argv)
{
	enum { OPT_PROC_ROOT = 0x100 };
	static const struct option longopts[] = {
		{ "proc-root", required_argument, NULL, OPT_PROC_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dbg = getenv("MEMLOCK_DEBUG");
	size_t i;
	int c;

	if (dbg != NULL && *dbg != '\0')
		memlock_set_log(log_to_stderr, MEMLOCK_LOG_DEBUG, NULL);
	else
		memlock_set_log(log_to_stderr, MEMLOCK_LOG_ERR, NULL);	/* the CLI words its own warnings */

	/* getopt prefixes its messages with argv[0]: make them "memlock: ..." */
	argv[0] = program_invocation_short_name;
	while ((c = cli_getopt(argc, argv, "+hV", longopts)) != -1) {
		switch (c) {
		case OPT_PROC_ROOT:
			proc_root = optarg;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp(NULL);
		}
	}
	if (optind >= argc) {
		warnx("no command given");
		errtryhelp(NULL);
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			/* the command parses its own argv[0..] with getopt again */
			optind++;
			argv += optind - 1;
			argc -= optind - 1;
			argv[0] = program_invocation_short_name;
			/* 0, not 1: glibc then re-reads the optstring, so the
			 * command's options may follow its arguments again */
			optind = 0;
			if (commands[i].guarded)
				return run_guarded(commands[i].handler, argc, argv);
			return close_stdout_rc(commands[i].handler(argc, argv));
		}
	}
	warnx("unknown command: %s", user_str(argv[optind]));
	errtryhelp(NULL);
}
