// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock metrics [selector options] [PID...] [--output FILE]
 *
 * The lock and swap state of the selected processes (all by default) and
 * of the system, in the Prometheus text exposition format: to stdout, or
 * to FILE replaced atomically (a temporary file in its directory, renamed
 * over it), as node_exporter's textfile collector wants it.
 */
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "targets.h"

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock metrics [options] [PID...]\n", stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Print the locked, pinned, swapped and resident memory and the memlock limit\n"
	      "of processes (every process but kernel threads when none is selected), and\n"
	      "the system's lock and swap state, in the Prometheus text exposition format.\n"
	      "Options of different kinds must all match; the same option given twice, or\n"
	      "several PIDs, are alternatives.\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(USAGE_TARGETS_OPTIONS, stdout);
	fputs("     --output <file>       write to <file>, replaced atomically (mode 0644)\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

/* @path's directory and a temporary name in it, "DIR/.BASE.XXXXXX" */
static char *temp_name(const char *path)
{
	char *d = strdup(path), *b = strdup(path), *tmp = NULL;

	if (d == NULL || b == NULL || asprintf(&tmp, "%s/.%s.XXXXXX", dirname(d), basename(b)) < 0)
		err(EXIT_FAILURE, "cannot allocate memory");
	free(d);
	free(b);
	return tmp;
}

/* The metrics into a temporary file beside @path, then renamed over it:
 * a reader sees the old file or the new one, whole, never a part. */
static int write_file(const char *path, const struct memlock_metrics_opts *o)
{
	char *tmp = temp_name(path);
	const char *what = "write";
	FILE *f = NULL;
	int fd, rc;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		what = "create a file beside";
		goto out;
	}
	/* mkostemp makes it 0600: the collector may run as another user */
	if (fchmod(fd, 0644) < 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = -errno;
		close(fd);
		goto out_unlink;
	}
	rc = memlock_metrics_write(f, o);
	if (rc >= 0 && (fflush(f) != 0 || fsync(fd) != 0))
		rc = -errno;
	if (fclose(f) != 0 && rc >= 0)
		rc = -errno;
	if (rc >= 0 && rename(tmp, path) < 0)
		rc = -errno;
out_unlink:
	if (rc < 0)
		unlink(tmp);
out:
	if (rc < 0) {
		warn_rc(rc, "cannot %s %s", what, user_str(path));
		if (rc == -EACCES || rc == -EPERM || rc == -EROFS)
			hint("the file is replaced by renaming a new one over it: memlock needs to "
			     "create files in its directory");
	}
	free(tmp);
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int cmd_metrics(int argc, char **argv)
{
	enum { OPT_OUTPUT = 0x100 };
	static const struct option longopts[] = {
		TARGETS_LONGOPTS,
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	MEMLOCK_OPTS(memlock_metrics_opts, o, .root = proc_root);
	struct targets tg = { 0 };
	const char *output = NULL;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		if (targets_option(&tg, c, optarg))
			continue;
		switch (c) {
		case OPT_OUTPUT:
			output = optarg;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("metrics");
		}
	}
	targets_operands(&tg, argc - optind, argv + optind);
	o.selector = tg.sel;	/* NULL: every process */
	if (output != NULL) {
		rc = write_file(output, &o);
	} else {
		rc = memlock_metrics_write(stdout, &o);
		if (rc < 0)
			warn_rc(rc, "cannot write metrics");
		rc = rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	targets_free(&tg);
	return rc;
}
