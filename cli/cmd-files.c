// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock files: how much of files is in the page cache (fincore, vmtouch),
 * with the truth or "unknown" where the kernel would lie, never a fake 100%.
 */
#include <fcntl.h>
#include <getopt.h>
#include <search.h>
#include <inttypes.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "files-needs.h"
#include "output.h"

enum { F_PATH, F_SIZE, F_CACHED, F_PAGES, F_FILE_PAGES, F_PERCENT, F_LOCKED, F_DIRTY,
       F_WRITEBACK, F_EVICTED, F_RECENTLY_EVICTED, F_SOURCE };

static const struct colinfo file_infos[] = {
	[F_PATH] = { "PATH", 0.5, SCOLS_FL_NOEXTREMES, COL_STR, "file name", NULL },
	[F_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, COL_SIZE, "file size", NULL },
	[F_CACHED] = { "CACHED", 5, SCOLS_FL_RIGHT, COL_SIZE,
		       "bytes in the page cache (empty: unknown)", NULL },
	[F_PAGES] = { "PAGES", 5, SCOLS_FL_RIGHT, COL_NUM, "pages in the page cache", NULL },
	[F_FILE_PAGES] = { "FILE_PAGES", 5, SCOLS_FL_RIGHT, COL_NUM, "pages the file spans", NULL },
	[F_PERCENT] = { "CACHED%", 5, SCOLS_FL_RIGHT, COL_STR, "cached part of the file", NULL },
	[F_LOCKED] = { "LOCKED", 5, SCOLS_FL_RIGHT, COL_SIZE,
		       "bytes of it locked in memory by any process (needs CAP_SYS_ADMIN; "
		       "empty: unknown)", NULL },
	[F_DIRTY] = { "DIRTY", 5, SCOLS_FL_RIGHT, COL_NUM, "dirty pages (cachestat)", NULL },
	[F_WRITEBACK] = { "WRITEBACK", 5, SCOLS_FL_RIGHT, COL_NUM,
			  "pages under writeback (cachestat)", NULL },
	[F_EVICTED] = { "EVICTED", 5, SCOLS_FL_RIGHT, COL_NUM, "evicted pages (cachestat)", NULL },
	[F_RECENTLY_EVICTED] = { "RECENTLY_EVICTED", 5, SCOLS_FL_RIGHT, COL_NUM,
				 "recently evicted pages (cachestat)", NULL },
	[F_SOURCE] = { "SOURCE", 5, 0, COL_STR,
		       "where the numbers come from: cachestat, mincore, unknown", NULL },
};
static const int file_defaults[] = { F_CACHED, F_PAGES, F_SIZE, F_PERCENT, F_PATH };

enum { T_FILES, T_DIRS, T_SIZE, T_CACHED, T_PAGES, T_PERCENT, T_UNKNOWN, T_SKIPPED,
       T_ERRORS };

static const struct colinfo total_infos[] = {
	[T_FILES] = { "FILES", 5, SCOLS_FL_RIGHT, COL_NUM, "regular files read", NULL },
	[T_DIRS] = { "DIRECTORIES", 5, SCOLS_FL_RIGHT, COL_NUM, "directories walked", NULL },
	[T_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, COL_SIZE, "their size", NULL },
	[T_CACHED] = { "CACHED", 5, SCOLS_FL_RIGHT, COL_SIZE,
		       "bytes in the page cache (files of known residency)", NULL },
	[T_PAGES] = { "PAGES", 5, SCOLS_FL_RIGHT, COL_NUM, "pages in the page cache", NULL },
	[T_PERCENT] = { "CACHED%", 5, SCOLS_FL_RIGHT, COL_STR,
			"cached part of the files of known residency", NULL },
	[T_UNKNOWN] = { "UNKNOWN", 5, SCOLS_FL_RIGHT, COL_NUM,
			"files whose residency the kernel would not tell", NULL },
	[T_SKIPPED] = { "SKIPPED", 5, SCOLS_FL_RIGHT, COL_NUM,
			"not regular files, hard links counted once, other file systems", NULL },
	[T_ERRORS] = { "ERRORS", 5, SCOLS_FL_RIGHT, COL_NUM, "paths that could not be read", NULL },
};
static const int total_defaults[] = { T_FILES, T_DIRS, T_SIZE, T_CACHED, T_PERCENT,
				      T_UNKNOWN, T_SKIPPED, T_ERRORS };

struct totals {
	uint64_t files, dirs, size, cached, pages, known_pages, unknown, skipped, errors;
};

struct files_run {
	struct output out;
	bool summary;
	unsigned int res_flags;
	struct totals t;
	uint64_t page;
};

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	printf(" %s files [options] <path>...\n", program_invocation_short_name);
	fputs(USAGE_SEPARATOR, stdout);
	puts("Show how much of files is in the page cache. Where the kernel would report");
	puts("every page resident (Linux 5.2+, a file you may not write to), the answer is");
	puts("\"unknown\", never 100%.");
	fputs(USAGE_OPTIONS, stdout);
	fputs(" -R, --recursive           walk directories (symbolic links in them are not\n"
	      "                             followed; hard links are counted once)\n"
	      " -x, --one-file-system     stay on the file system of each path\n"
	      " -i, --include <glob>      only files whose name matches (repeatable)\n"
	      " -I, --exclude <glob>      leave out files and directories whose name matches\n"
	      " -m, --max-size <size>     leave out files bigger than <size>\n"
	      " -s, --summary             print only the totals\n"
	      "     --mincore             ask mincore(2) even where cachestat(2) works\n"
	      "     --with-libs           with each program given, its interpreter and shared\n"
	      "                             libraries (as ld.so finds them: DT_NEEDED, rpath,\n"
	      "                             runpath, ld.so.cache; nothing is run)\n"
	      "     --from-pid <pid>      the files process <pid> maps (its program, its\n"
	      "                             libraries, its data files); it is not touched\n"
	      " -l, --lock                load and lock the files, hold them until SIGINT\n"
	      "                             or SIGTERM\n"
	      "     --budget <size>       lock at most <size> (default: RLIMIT_MEMLOCK, or\n"
	      "                             unlimited with CAP_IPC_LOCK)\n"
	      "     --rate <size>         load at most <size> per second\n"
	      "     --strict              a file not locked in full: hold nothing, fail\n"
	      " -v, --verbose             say every file not locked in full\n"
	      "     --max-maps <n>        mappings per holder process before the next one\n"
	      "                             (default: vm.max_map_count less a reserve)\n"
	      "     --daemon              hold in the background once locked (the exit status\n"
	      "                             says how the locking went)\n"
	      "     --pidfile <path>      write the holder's PID there\n"
	      "     --socket <path>       the control socket (default: beside --pidfile, or\n"
	      "                             /run/memlock/files.PID.sock as root, else in\n"
	      "                             $XDG_RUNTIME_DIR/memlock/)\n"
	      "     --status              what a running holder holds\n"
	      "     --add <path>          make a running holder lock <path> too\n"
	      "     --remove <path>       make a running holder release <path>\n", stdout);
	fputs(USAGE_OUTPUT_OPTIONS, stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	output_usage_columns("Available output columns", file_infos, ARRAY_SIZE(file_infos));
	output_usage_columns("Columns of --summary", total_infos, ARRAY_SIZE(total_infos));
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(EXIT_SUCCESS);
}

static void set_percent(struct output *out, struct libscols_line *ln, int id, uint64_t part,
			uint64_t whole, bool known)
{
	char buf[16];

	if (!known) {
		output_set_str(out, ln, id, NULL);
		return;
	}
	snprintf(buf, sizeof(buf), "%.1f%%", whole ? 100.0 * (double)part / (double)whole : 100.0);
	output_set_str(out, ln, id, buf);
}

static void file_row(struct files_run *run, const char *path, int fd,
		     const struct memlock_residency *r)
{
	struct output *out = &run->out;
	struct libscols_line *ln = output_new_line(out);
	bool known = r->source != MEMLOCK_RES_UNKNOWN, cs = r->source == MEMLOCK_RES_CACHESTAT;

	output_set_str(out, ln, F_PATH, path);
	output_set_size(out, ln, F_SIZE, r->size);
	output_set_num(out, ln, F_FILE_PAGES, r->pages);
	output_set_str(out, ln, F_SOURCE, memlock_residency_source_name(r->source));
	set_percent(out, ln, F_PERCENT, r->cached, r->pages, known);
	if (known) {	/* else empty cells: null in JSON */
		output_set_size(out, ln, F_CACHED, r->cached * run->page);
		output_set_num(out, ln, F_PAGES, r->cached);
	}
	if (output_has(out, F_LOCKED)) {
		uint64_t pages;

		if (memlock_file_locked(fd, &pages) == 0)
			output_set_size(out, ln, F_LOCKED, pages * run->page);
	}
	if (cs) {
		output_set_num(out, ln, F_DIRTY, r->dirty);
		output_set_num(out, ln, F_WRITEBACK, r->writeback);
		output_set_num(out, ln, F_EVICTED, r->evicted);
		output_set_num(out, ln, F_RECENTLY_EVICTED, r->recently_evicted);
	}
	if (output_streaming(out))
		output_stream_line(out, ln);
}

static void count(struct files_run *run, const struct memlock_residency *r)
{
	struct totals *t = &run->t;

	t->files++;
	t->size += r->size;
	if (r->source == MEMLOCK_RES_UNKNOWN) {
		t->unknown++;
		return;
	}
	t->pages += r->cached;
	t->known_pages += r->pages;
}

static void skipped(struct files_run *run, const struct memlock_file *f)
{
	run->t.skipped++;
	if (!f->operand)	/* inside a walk: counted, not told */
		return;
	warnx("skipping %s: %s", user_str(f->path), memlock_file_skip_name(f->skip));
	if (f->skip == MEMLOCK_SKIP_DIRECTORY)
		hint("give -R to walk it");
}

static void one_file(void *arg, const struct memlock_file *f)
{
	struct files_run *run = arg;
	struct memlock_residency r = { .sz = sizeof(r) };
	int rc;

	switch (f->kind) {
	case MEMLOCK_FILE_DIRECTORY:
		run->t.dirs++;
		return;
	case MEMLOCK_FILE_SKIPPED:
		skipped(run, f);
		return;
	case MEMLOCK_FILE_ERROR:
		run->t.errors++;
		warn_rc(-f->err, "cannot read %s", user_str(f->path));
		return;
	case MEMLOCK_FILE_REGULAR:
		break;
	}
	rc = memlock_file_residency_walked(f, run->res_flags, &r);
	if (rc < 0) {
		run->t.errors++;
		warn_rc(rc, "cannot read the residency of %s", user_str(f->path));
		return;
	}
	count(run, &r);
	if (!run->summary)
		file_row(run, f->path, f->fd, &r);
}

static void total_row(struct files_run *run)
{
	struct output *out = &run->out;
	struct libscols_line *ln = output_new_line(out);
	const struct totals *t = &run->t;

	output_set_num(out, ln, T_FILES, t->files);
	output_set_num(out, ln, T_DIRS, t->dirs);
	output_set_size(out, ln, T_SIZE, t->size);
	output_set_size(out, ln, T_CACHED, t->pages * run->page);
	output_set_num(out, ln, T_PAGES, t->pages);
	set_percent(out, ln, T_PERCENT, t->pages, t->known_pages, t->files > t->unknown);
	output_set_num(out, ln, T_UNKNOWN, t->unknown);
	output_set_num(out, ln, T_SKIPPED, t->skipped);
	output_set_num(out, ln, T_ERRORS, t->errors);
}

/* Two CPUs or more to run on: the walk gets a thread of its own. */
static bool cpus_to_spare(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1;
}

static int walk(struct files_run *run, char **paths, size_t n, const struct memlock_walk_opts *wo)
{
	int rc = files_walk_piped(paths, n, wo, cpus_to_spare(), one_file, run);

	if (rc < 0)
		warn_rc(rc, "cannot walk the files");
	return rc;
}

/* The paths to read: the operands, and what --with-libs and --from-pid
 * add, each once. */
struct operands {
	char **v;
	size_t n, cap;
	void *seen;	/* tsearch(3) of the paths in @v: 100,000 operands stay fast */
};

static int by_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void operand_add(struct operands *o, const char *path)
{
	char *p = strdup(path), **v;
	void *slot;

	if (p == NULL || (slot = tsearch(p, &o->seen, by_str)) == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	if (*(char **)slot != p) {	/* given already */
		free(p);
		return;
	}
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 16;
		v = realloc(o->v, o->cap * sizeof(*v));
		if (v == NULL)
			err(EXIT_FAILURE, "cannot allocate memory");
		o->v = v;
	}
	o->v[o->n++] = p;
}

static void no_free(void *p)
{
	(void)p;	/* the paths are freed with @v */
}

static void operands_free(struct operands *o)
{
	tdestroy(o->seen, no_free);
	files_needs_free(o->v, o->n);
	*o = (struct operands){ 0 };
}

static int add_needs(struct operands *o, const char *program, pid_t pid)
{
	char **paths;
	size_t n;
	int rc = files_needs_paths(program, pid, &paths, &n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		operand_add(o, paths[i]);
	files_needs_free(paths, n);
	return 0;
}

static int from_pid(struct operands *o, pid_t pid)
{
	return add_needs(o, NULL, pid);
}

static bool is_elf(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	bool elf = fd >= 0 && read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0;

	if (fd >= 0)
		close(fd);
	return elf;
}

/* --with-libs: each operand that is an ELF file brings its closure; the
 * others (a configuration file beside the program) are read as they are. */
static int closures(struct operands *o, char **args, int n)
{
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (stat(args[i], &st) == 0 && S_ISREG(st.st_mode) && is_elf(args[i]) &&
		    add_needs(o, args[i], 0) < 0)
			return -1;
	}
	return 0;
}

/* glob lists: at most one per argument, NULL-terminated */
static void add_glob(const char ***list, size_t *n, const char *glob)
{
	const char **l = realloc(*list, (*n + 2) * sizeof(*l));

	if (l == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	l[(*n)++] = glob;
	l[*n] = NULL;
	*list = l;
}

static int exit_status(const struct totals *t, int rc)
{
	if (rc < 0 || (t->errors && !t->files))
		return EXIT_FAILURE;
	return t->errors ? EXIT_SOMEOK : EXIT_SUCCESS;
}

int cmd_files(int argc, char **argv)
{
	enum { OPT_MINCORE = 0x2000, OPT_BUDGET, OPT_RATE, OPT_STRICT, OPT_SOCKET, OPT_STATUS,
	       OPT_ADD, OPT_REMOVE, OPT_DAEMON, OPT_PIDFILE, OPT_WITH_LIBS, OPT_FROM_PID,
	       OPT_MAX_MAPS };
	static const struct option longopts[] = {
		{ "recursive", no_argument, NULL, 'R' },
		{ "one-file-system", no_argument, NULL, 'x' },
		{ "include", required_argument, NULL, 'i' },
		{ "exclude", required_argument, NULL, 'I' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "summary", no_argument, NULL, 's' },
		{ "mincore", no_argument, NULL, OPT_MINCORE },
		{ "lock", no_argument, NULL, 'l' },
		{ "budget", required_argument, NULL, OPT_BUDGET },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "daemon", no_argument, NULL, OPT_DAEMON },
		{ "with-libs", no_argument, NULL, OPT_WITH_LIBS },
		{ "max-maps", required_argument, NULL, OPT_MAX_MAPS },
		{ "from-pid", required_argument, NULL, OPT_FROM_PID },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "add", required_argument, NULL, OPT_ADD },
		{ "remove", required_argument, NULL, OPT_REMOVE },
		OUTPUT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct files_run run = { .page = (uint64_t)sysconf(_SC_PAGESIZE) };
	struct memlock_walk_opts wo = { .sz = sizeof(wo) };
	struct files_lock_opts lo = { 0 };
	struct operands ops = { 0 };
	bool with_libs = false;
	const char *ctl_arg = NULL;
	bool lock = false;
	int ctl_op = 0;
	const char **inc = NULL, **exc = NULL;
	size_t ninc = 0, nexc = 0;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "RxI:i:m:slv" OUTPUT_SHORTOPTS "hV", longopts)) != -1) {
		if (output_option(&run.out, c, optarg))
			continue;
		switch (c) {
		case 'R':
			wo.flags |= MEMLOCK_WALK_RECURSIVE;
			break;
		case 'x':
			wo.flags |= MEMLOCK_WALK_ONE_FS;
			break;
		case 'i':
			add_glob(&inc, &ninc, optarg);
			break;
		case 'I':
			add_glob(&exc, &nexc, optarg);
			break;
		case 'm':
			if (parse_size(optarg, &wo.max_size) < 0 || wo.max_size == MEMLOCK_UNLIMITED) {
				warnx("invalid size: %s", user_str(optarg));
				errtryhelp("files");
			}
			break;
		case 's':
			run.summary = true;
			break;
		case OPT_MINCORE:
			run.res_flags |= MEMLOCK_F_MINCORE;
			break;
		case 'l':
			lock = true;
			break;
		case OPT_BUDGET:
		case OPT_RATE:
			if (parse_size(optarg, c == OPT_BUDGET ? &lo.budget : &lo.rate) < 0 ||
			    (c == OPT_RATE && lo.rate == MEMLOCK_UNLIMITED)) {
				warnx("invalid size: %s", user_str(optarg));
				errtryhelp("files");
			}
			if (c == OPT_BUDGET && lo.budget == 0) {
				warnx("a budget of 0 locks nothing");
				errtryhelp("files");
			}
			break;
		case OPT_STRICT:
			lo.strict = true;
			break;
		case 'v':
			lo.verbose = true;
			break;
		case OPT_SOCKET:
			lo.socket = optarg;
			break;
		case OPT_DAEMON:
			lo.daemon = true;
			break;
		case OPT_WITH_LIBS:
			with_libs = true;
			break;
		case OPT_MAX_MAPS:
			if (parse_size(optarg, &lo.max_maps) < 0 || lo.max_maps == 0 ||
			    lo.max_maps == MEMLOCK_UNLIMITED) {
				warnx("invalid number of mappings: %s", user_str(optarg));
				errtryhelp("files");
			}
			break;
		case OPT_FROM_PID:
			if (from_pid(&ops, parse_pid_or_die(optarg)) < 0)
				return EXIT_FAILURE;
			break;
		case OPT_PIDFILE:
			lo.pidfile = optarg;
			break;
		case OPT_STATUS:
		case OPT_ADD:
		case OPT_REMOVE:
			if (ctl_op) {
				warnx("--status, --add and --remove go one at a time");
				errtryhelp("files");
			}
			ctl_op = c == OPT_STATUS ? CTL_STATUS : c == OPT_ADD ? CTL_ADD : CTL_REMOVE;
			ctl_arg = optarg;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("files");
		}
	}
	if (ctl_op) {
		if (optind < argc || lock) {
			warnx("unexpected argument: %s", optind < argc ? user_str(argv[optind]) : "--lock");
			errtryhelp("files");
		}
		if (ctl_op == CTL_STATUS && control_status_init(&run.out) < 0)
			errtryhelp("files");
		rc = control_client(lo.socket, ctl_op, ctl_arg, &run.out);
		output_free(&run.out);
		return close_stdout_rc(rc);
	}
	for (c = optind; c < argc; c++)
		operand_add(&ops, argv[c]);
	if (with_libs && closures(&ops, argv + optind, argc - optind) < 0)
		return EXIT_FAILURE;
	if (ops.n == 0) {
		warnx("no file given");
		errtryhelp("files");
	}
	wo.include = inc;
	wo.exclude = exc;
	if (lock) {
		rc = files_lock(ops.v, (int)ops.n, &wo, &lo);
		free(inc);
		free(exc);
		operands_free(&ops);
		return close_stdout_rc(rc);
	}
	if (lo.budget || lo.rate || lo.strict || lo.daemon || lo.pidfile || lo.max_maps) {
		warnx("--budget, --rate, --strict, --daemon, --pidfile and --max-maps go with --lock");
		errtryhelp("files");
	}
	run.out.infos = run.summary ? total_infos : file_infos;
	run.out.ninfos = run.summary ? ARRAY_SIZE(total_infos) : ARRAY_SIZE(file_infos);
	if (run.summary)
		rc = output_init(&run.out, total_defaults, ARRAY_SIZE(total_defaults), "total");
	else
		rc = output_init(&run.out, file_defaults, ARRAY_SIZE(file_defaults), "files");
	if (rc < 0)
		errtryhelp("files");
	rc = walk(&run, ops.v, ops.n, &wo);
	operands_free(&ops);
	if (run.summary)
		total_row(&run);
	if (output_print(&run.out) < 0)
		rc = -EIO;
	output_free(&run.out);
	free(inc);
	free(exc);
	return exit_status(&run.t, rc);
}
