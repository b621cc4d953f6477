// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock limit PID [SOFT[:HARD]]
 *
 * Shows, or sets with prlimit(2), a process's RLIMIT_MEMLOCK.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "fixes.h"
#include "output.h"

enum { L_PID, L_COMMAND, L_SOFT, L_HARD, L_CAP, L_LOCKED };
static const struct colinfo infos[] = {
	[L_PID] = { "PID", 5, SCOLS_FL_RIGHT, COL_NUM, "process ID", NULL },
	[L_COMMAND] = { "COMMAND", 0.2, SCOLS_FL_TRUNC, COL_STR, "command name", NULL },
	[L_SOFT] = { "SOFT", 5, SCOLS_FL_RIGHT, COL_SIZE, "soft RLIMIT_MEMLOCK (what mlock checks)",
		     NULL },
	[L_HARD] = { "HARD", 5, SCOLS_FL_RIGHT, COL_SIZE,
		     "hard RLIMIT_MEMLOCK (the soft one's ceiling)", NULL },
	[L_CAP] = { "CAP_IPC_LOCK", 3, 0, COL_BOOL,
		    "CAP_IPC_LOCK in the initial user namespace (no limit applies)", NULL },
	[L_LOCKED] = { "LOCKED", 5, SCOLS_FL_RIGHT, COL_SIZE, "locked memory now (VmLck)", NULL },
};
static const int defaults[] = { L_PID, L_COMMAND, L_SOFT, L_HARD, L_CAP, L_LOCKED };

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock limit [options] <pid> [<soft>[:<hard>]]\n", stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Show or set the RLIMIT_MEMLOCK of a running process. Sizes take K, M, G, T\n"
	      "suffixes (x1024) or 'unlimited'; SOFT alone keeps the hard limit, :HARD\n"
	      "alone keeps the soft one. Anyone may lower a limit of their own processes,\n"
	      "or raise the soft one up to the hard one; raising a hard limit, or changing\n"
	      "another user's process, needs CAP_SYS_RESOURCE.\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(USAGE_OUTPUT_OPTIONS, stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	output_usage_columns("Columns", infos, ARRAY_SIZE(infos));
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

/*
 * --proc-root DIR, unless DIR is / itself: a captured tree (or the /proc of
 * another PID namespace). Its PIDs are not this system's processes, so
 * everything is read from it and nothing is changed through prlimit(2).
 */
static bool captured_tree(void)
{
	char real[PATH_MAX];

	if (proc_root == NULL)
		return false;
	return realpath(proc_root, real) == NULL || strcmp(real, "/") != 0;
}

/*
 * A limit is a number someone set: show it exactly. size_to_human() rounds
 * (4095 bytes reads "4.0K"); where it would, the limit is given in the
 * largest unit that holds it exactly, and below a page always in bytes,
 * since the kernel counts whole pages: 2048B lets nothing be locked.
 */
static void set_limit(struct output *out, struct libscols_line *ln, int id, uint64_t v)
{
	static const char unit[] = "BKMGTPE";
	uint64_t div = 1;
	unsigned int i = 0;
	char buf[32];

	if (out->bytes || v == MEMLOCK_UNLIMITED || v == 0) {
		output_set_size(out, ln, id, v);
		return;
	}
	while (i + 1 < sizeof(unit) - 1 && v / div >= 1024) {
		div *= 1024;
		i++;
	}
	/* exact in the human form: whole units, or one decimal of them */
	if (v >= (uint64_t)getpagesize() && (v % div == 0 || (v / div < 100 && v * 10 % div == 0))) {
		output_set_size(out, ln, id, v);
		return;
	}
	for (div = 1, i = 0; i + 1 < sizeof(unit) - 1 && v % (div * 1024) == 0 &&
			     v >= (uint64_t)getpagesize(); i++)
		div *= 1024;
	snprintf(buf, sizeof(buf), "%" PRIu64 "%c", v / div, unit[i]);
	output_set_str(out, ln, id, buf);
}

static int show(struct output *out, pid_t pid, const struct memlock_limits *lim)
{
	struct memlock_status st = { .sz = sizeof(st) };
	struct libscols_line *ln;
	int rc;

	rc = memlock_proc_read_status(proc_root, pid, &st);
	if (rc < 0) {
		warn_rc(rc == -ENOENT ? -ESRCH : rc, "cannot read process %d", (int)pid);
		hint_pid_error(pid, rc == -ENOENT ? -ESRCH : rc);
		scols_unref_table(out->tb);
		return EXIT_FAILURE;
	}
	ln = output_new_line(out);
	output_set_num(out, ln, L_PID, (uint64_t)pid);
	output_set_str(out, ln, L_COMMAND, st.name);
	set_limit(out, ln, L_SOFT, lim->soft);
	set_limit(out, ln, L_HARD, lim->hard);
	output_set_bool(out, ln, L_CAP, memlock_proc_has_cap_ipc_lock(proc_root, &st, NULL));
	output_set_size(out, ln, L_LOCKED, st.vm_lck);
	return output_print(out) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int cmd_limit(int argc, char **argv)
{
	static const struct option longopts[] = {
		OUTPUT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct output out = { .infos = infos, .ninfos = ARRAY_SIZE(infos) };
	struct memlock_limits lim = { .sz = sizeof(lim) }, want;
	struct memlock_verdict *why;
	pid_t pid;
	int c, rc;

	while ((c = cli_getopt(argc, argv, OUTPUT_SHORTOPTS "hV", longopts)) != -1) {
		if (output_option(&out, c, optarg))
			continue;
		switch (c) {
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("limit");
		}
	}
	if (optind >= argc || argc - optind > 2) {
		warnx(optind >= argc ? "no PID given" : "too many arguments");
		errtryhelp("limit");
	}
	pid = parse_pid_or_die(argv[optind]);
	if (captured_tree() && argc - optind == 2) {
		warnx("cannot set the memlock limit of process %d: --proc-root %s is a captured "
		      "tree, which is read-only",
		      (int)pid, proc_root);
		hint("memlock limit changes a running process: run it without --proc-root on the "
		     "machine where process %d runs",
		     (int)pid);
		return EXIT_FAILURE;
	}
	if (captured_tree()) {
		char file[32];

		struct memlock_status st = { .sz = sizeof(st) };

		rc = memlock_proc_read_limits(proc_root, pid, &lim);
		if (rc == -ENOENT && memlock_proc_read_status(proc_root, pid, &st) == -ENOENT) {
			warn_rc(-ESRCH, "cannot read the limits of process %d", (int)pid);
			hint("--proc-root %s has no proc/%d: the tree holds other processes",
			     proc_root, (int)pid);
			return EXIT_FAILURE;
		}
		if (rc < 0) {
			warn_rc(rc, "cannot read %s/proc/%d/limits", proc_root, (int)pid);
			snprintf(file, sizeof(file), "%d/limits", (int)pid);
			if (rc == -ENOENT)
				hint("the captured tree has no limits file for process %d: capture "
				     "/proc/%d/limits with its status",
				     (int)pid, (int)pid);
			else
				hint_read_error(file, rc);
			return EXIT_FAILURE;
		}
	} else {
		rc = memlock_limit_get(pid, &lim);
	}
	if (rc < 0) {
		warn_rc(rc, "cannot read the limits of process %d", (int)pid);
		hint_pid_error(pid, rc);
		return EXIT_FAILURE;
	}
	if (argc - optind == 2) {
		const char *arg = argv[optind + 1];

		/* `memlock limit $(pidof prog)` with two of them: a second PID
		 * is not a size; a bare number never changes a limit */
		if (arg[strspn(arg, "0123456789")] == '\0' && strcmp(arg, "0") != 0) {
			warnx("'%s' is a bare number: a limit needs a unit (%sB for bytes, or K, M, "
			      "G) or the form SOFT:HARD",
			      user_str(arg), user_str(arg));
			hint("memlock limit takes one PID; to set the limit, e.g. memlock limit %d 64M",
			     (int)pid);
			return EXIT_FAILURE;
		}
		want = lim;
		if (parse_limits(arg, &want) < 0) {
			warnx("invalid limit: '%s'", user_str(argv[optind + 1]));
			hint("give SOFT, SOFT:HARD, SOFT: or :HARD, sizes like 64K, 8M or unlimited");
			return EXIT_FAILURE;
		}
		why = memlock_verdict_new();
		if (why == NULL)
			err(EXIT_FAILURE, "cannot allocate memory");
		rc = memlock_limit_set(pid, &want, why);
		if (rc < 0) {
			warn_rc(rc, "cannot set the memlock limit of process %d", (int)pid);
			if (memlock_verdict_reason(why)[0])
				hint("%s", memlock_verdict_reason(why));
			hint_fixes(why);
			memlock_verdict_free(why);
			return EXIT_FAILURE;
		}
		memlock_verdict_free(why);
		if (memlock_limit_get(pid, &lim) < 0)
			lim = want;
		/* mlock rounds the limit down to pages: not one page fits */
		if (lim.soft != 0 && lim.soft < (uint64_t)getpagesize())
			warnx("the soft limit of process %d, %" PRIu64 " bytes, is less than a "
			      "page (%d bytes): the kernel counts whole pages, so it can lock "
			      "nothing",
			      (int)pid, lim.soft, getpagesize());
	}
	if (output_init(&out, defaults, ARRAY_SIZE(defaults), "limits") < 0)
		errtryhelp("limit");
	return show(&out, pid, &lim);
}
