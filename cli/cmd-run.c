// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock run [--current] [--future] [--onfault] [--limit SOFT[:HARD]]
 *             [--strict|--best-effort] [-v] -- PROGRAM [ARGS...]
 *
 * Runs PROGRAM in place of memlock (same PID, descriptors, environment,
 * exit status) with its memory locked from its first instruction.
 * Exit status, for memlock's own failures: 125 (the lock or an option),
 * 126 (PROGRAM not executable), 127 (PROGRAM not found), as env(1) and nice(1).
 */
#include <getopt.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "fixes.h"
#include "inject.h"
#include "output.h"

#define EXIT_CANNOT_RUN 126
#define OPT_FOLLOW 0x100
#define EXIT_NOT_FOUND 127
/* --follow's default: a wrapper script on a loaded machine (ten times as
 * long after a shell's or env's exec, in the helper) */
#define FOLLOW_MS 1000

struct run_ctx {
	const char *prog;
	unsigned int mcl;
	bool verbose, best_effort;
	unsigned int follow_ms;
	char last[64];		/* the image reported before, in the reporter */
};

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock run [options] -- <program> [<argument>...]\n", stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Run a program with its memory locked from its very first instruction: it\n"
	      "replaces memlock (same PID, descriptors, environment and exit status), and\n"
	      "mlockall() is done inside its new image before it runs. Works the same for\n"
	      "dynamic, static and interpreted programs.\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(" -c, --current             MCL_CURRENT: lock what is mapped at start\n"
	      " -f, --future              MCL_FUTURE: lock everything mapped later\n"
	      " -F, --onfault             lock pages when first touched\n"
	      " -l, --limit <soft[:hard]> set RLIMIT_MEMLOCK first (soft alone: the hard one\n"
	      "                             too if needed; K, M, G suffixes, or unlimited)\n"
	      " -s, --strict              if the lock fails, do not run the program (default)\n"
	      " -b, --best-effort         if the lock fails, run it anyway and say so\n"
	      " -v, --verbose             report the lock (VmLck, the mlockall result)\n"
	      "     --follow <ms>         lock again at an exec within this long of the\n"
	      "                             one before (wrapper scripts, shims, env), ten\n"
	      "                             times as long after a shell's or env's;\n"
	      "                             default 1000, 0 locks the first program only\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs("\nBy default --current --future. Exit status: the program's; for memlock's own\n"
	      "failures 125, 126 (not executable) or 127 (not found).\n",
	      stdout);
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

static void print_why(const struct memlock_verdict *why)
{
	hint_fixes(why);
	hint_notes(why);
}

/* With MCL_FUTURE every later mapping counts against the limit: warn when
 * what is left is small enough to make the program's own start fail. */
#define HEADROOM_WARN (16ull << 20)

static void warn_headroom(const struct run_ctx *c, pid_t pid, const struct memlock_status *st)
{
	struct memlock_limits lim = { .sz = sizeof(lim) };
	uint64_t left;

	if (!(c->mcl & MCL_FUTURE) || memlock_proc_has_cap_ipc_lock(NULL, st, NULL) ||
	    memlock_limit_get(pid, &lim) < 0 || lim.soft == MEMLOCK_UNLIMITED)
		return;
	left = lim.soft > st->vm_lck ? lim.soft - st->vm_lck : 0;
	if (left >= HEADROOM_WARN)
		return;
	fprintf(stderr, "memlock: warning: %s has %s of RLIMIT_MEMLOCK left for all it maps from "
			"now on (libraries, heap, thread stacks): with MCL_FUTURE a mapping past it "
			"fails (EAGAIN)\n",
		user_str(st->name), size_to_human(left, (char[32]){ 0 }, 32));
	if (lim.hard == MEMLOCK_UNLIMITED || lim.hard >= (64ull << 20))
		hint("give it more room: memlock run --limit 64M (or unlimited), or CAP_IPC_LOCK");
	else
		hint("the hard limit is %s: raise it where it is set (limits.conf, LimitMEMLOCK=, "
		     "--ulimit memlock=), or give the program CAP_IPC_LOCK",
		     size_to_human(lim.hard, (char[32]){ 0 }, 32));
}

/* The image the outcome is about: the one now running in @pid (a
 * wrapper's exec shows the next one), or the program named on the command
 * line when it was reported in memlock itself, before the exec. */
static const char *image_name(const struct run_ctx *c, pid_t pid, struct memlock_status *st,
			      bool *have)
{
	const char *slash = strrchr(c->prog, '/');

	*have = pid != getpid() && memlock_proc_read_status(NULL, pid, st) == 0;
	return *have ? st->name : slash ? slash + 1 : c->prog;
}

/* Once the lock was tried at the program's first instruction, in the
 * library's reporter: a process forked from this one (memlock is
 * single-threaded, so it may run any code), as this one is the program by
 * then. With --best-effort and no helper to lock, here before the exec. */
static void report(pid_t pid, long ret, const struct memlock_verdict *why, uint64_t vmlck,
		   void *data)
{
	struct run_ctx *c = data;
	struct memlock_status st = { .sz = sizeof(st) };
	char by[96] = "", b[32], flags[96];
	const char *name;
	bool have;

	name = image_name(c, pid, &st, &have);
	/* an image a wrapper executed: say by which, it is not the one named */
	if (c->last[0] && strcmp(c->last, name) != 0)
		snprintf(by, sizeof(by), " (executed by %s)", c->last);
	snprintf(c->last, sizeof(c->last), "%s", name);
	if (ret == 0) {
		/* with @why: best effort locked without MCL_FUTURE, to let it start */
		unsigned int mcl = why ? c->mcl & ~(unsigned int)MCL_FUTURE : c->mcl;

		call_name(&(struct call_record){ .nr = SYS_mlockall, .args = { mcl } }, flags,
			  sizeof(flags));
		if (c->verbose)
			fprintf(stderr, "memlock: %s (pid %d): %s = 0, VmLck %s\n", name, (int)pid,
				flags, size_to_human(vmlck, b, sizeof(b)));
		if (why) {
			fprintf(stderr, "memlock: warning: %s%s locked with %s only, without "
					"MCL_FUTURE (what it maps from now on stays unlocked): %s\n",
				name, by, flags, memlock_verdict_reason(why));
			print_why(why);
		} else if (have) {
			warn_headroom(c, pid, &st);
		}
		return;
	}
	/* a trace would take its privileges, or a filter forbids the call:
	 * mlockall was not even tried */
	if (c->best_effort && (memlock_verdict_cause(why) == MEMLOCK_CAUSE_SECCOMP ||
			       memlock_verdict_cause(why) == MEMLOCK_CAUSE_PTRACE_DENIED))
		fprintf(stderr, "memlock: %s%s runs unlocked: mlockall not tried: %s\n", name, by,
			memlock_verdict_reason(why));
	else if (c->best_effort)
		fprintf(stderr, "memlock: %s%s runs unlocked: %s: %s\n", name, by,
			strerrorname_np((int)-ret) ?: "?", memlock_verdict_reason(why));
	else
		fprintf(stderr, "memlock: cannot lock %s%s, not running it: %s: %s\n", name, by,
			strerrorname_np((int)-ret) ?: "?", memlock_verdict_reason(why));
	print_why(why);
}

/* --follow's window ended: after a launcher (a shell, env), whatever it
 * executes from now on runs unlocked, which must not go unsaid. */
static void follow_end(pid_t pid, const char *image, unsigned int ms, bool launcher, void *data)
{
	const struct run_ctx *c = data;

	if (launcher) {
		fprintf(stderr, "memlock: warning: --follow ended %u ms after %s (pid %d) started, "
				"and it still runs: a program it executes from now on runs unlocked\n",
			ms, image, (int)pid);
		hint("if that wrapper is slower than this, give a longer window: memlock run "
		     "--follow %u -- ...", c->follow_ms * 4);
	} else if (c->verbose) {
		fprintf(stderr, "memlock: %s (pid %d): no exec within --follow (%u ms): no longer "
				"followed\n",
			image, (int)pid, ms);
	}
}

/* memlock_limit_set() refused with @rc: with CAP_IPC_LOCK the limit does not
 * matter, and with --best-effort the soft one may go up to the hard one. */
static bool limit_fallback(const char *arg, int rc, bool best_effort,
			   const struct memlock_limits *lim, struct memlock_limits *want)
{
	struct memlock_status st = { .sz = sizeof(st) };

	if (rc == -EPERM && memlock_proc_read_status(NULL, 0, &st) == 0 &&
	    memlock_proc_has_cap_ipc_lock(NULL, &st, NULL)) {
		warnx("cannot raise RLIMIT_MEMLOCK to %s (no CAP_SYS_RESOURCE), but CAP_IPC_LOCK "
		      "lifts the limit: going on",
		      arg);
		return true;
	}
	if (rc == -EPERM && best_effort) {
		if (want->soft == MEMLOCK_UNLIMITED ||
		    (lim->hard != MEMLOCK_UNLIMITED && want->soft > lim->hard))
			want->soft = lim->hard;
		want->hard = lim->hard;
		if (memlock_limit_set(0, want, NULL) == 0) {
			warnx("cannot raise RLIMIT_MEMLOCK to %s (no CAP_SYS_RESOURCE): going on with "
			      "the hard limit, %s",
			      arg, size_to_human(lim->hard, (char[32]){ 0 }, 32));
			return true;
		}
	}
	return false;
}

/* --limit SOFT: the soft limit, and the hard one when it must grow too;
 * --limit SOFT:HARD (or :HARD, SOFT:) as memlock limit and prlimit(1) take
 * them. When the hard one cannot grow, the limit does not matter with
 * CAP_IPC_LOCK, and with --best-effort the soft one goes up to the hard
 * one at most: both go on. */
static int set_limit(const char *arg, bool best_effort)
{
	struct memlock_limits lim = { .sz = sizeof(lim) }, want;
	struct memlock_verdict *why;
	struct memlock_status st = { .sz = sizeof(st) };
	int rc;

	rc = memlock_limit_get(0, &lim);
	if (rc < 0) {
		warn_rc(rc, "cannot read RLIMIT_MEMLOCK");
		return rc;
	}
	want = lim;
	if (parse_limits(arg, &want) < 0)
		return -EINVAL;
	if (strchr(arg, ':') == NULL && lim.hard != MEMLOCK_UNLIMITED &&
	    (want.soft == MEMLOCK_UNLIMITED || want.soft > lim.hard))
		want.hard = want.soft;
	why = memlock_verdict_new();
	if (why == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	rc = memlock_limit_set(0, &want, why);
	if (rc < 0 && limit_fallback(arg, rc, best_effort, &lim, &want))
		rc = 0;
	if (rc < 0) {
		warnx("cannot set RLIMIT_MEMLOCK to %s: %s", arg,
		      memlock_verdict_reason(why)[0] ? memlock_verdict_reason(why) : strerror(-rc));
		print_why(why);
	}
	memlock_verdict_free(why);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		LOCK_FLAGS_LONGOPTS,			{ "limit", required_argument, NULL, 'l' },
		{ "strict", no_argument, NULL, 's' },	{ "best-effort", no_argument, NULL, 'b' },
		{ "verbose", no_argument, NULL, 'v' },	{ "help", no_argument, NULL, 'h' },
		{ "follow", required_argument, NULL, OPT_FOLLOW },
		{ "version", no_argument, NULL, 'V' },	{ NULL, 0, NULL, 0 },
	};
	struct run_ctx ctx = { 0 };
	MEMLOCK_OPTS(memlock_exec_opts, o, .report = report, .userdata = &ctx,
		     .follow_ms = FOLLOW_MS, .follow_end = follow_end);
	struct lock_flags lf = { 0 };
	struct memlock_verdict *why;
	const char *limit = NULL;
	int c, rc;

	int mode = 0;	/* 's' or 'b', as given */

	/* '+': the program's own options are not ours */
	while ((c = cli_getopt(argc, argv, "+cfFl:sbvhV", longopts)) != -1) {
		if (lock_flags_option(&lf, c))
			continue;
		switch (c) {
		case 'l':
			limit = optarg;
			break;
		case 's':
		case 'b':
			/* both: which one was meant? (the last one won, silently) */
			if (mode && mode != c) {
				warnx("--strict and --best-effort cannot go together");
				fprintf(stderr, "Try 'memlock run --help' for more information.\n");
				return MEMLOCK_EXEC_FAILED;
			}
			mode = c;
			ctx.best_effort = c == 'b';
			break;
		case 'v':
			ctx.verbose = true;
			break;
		case OPT_FOLLOW: {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || *optarg == '-' || !*optarg || v > 3600 * 1000) {
				warnx("invalid --follow: '%s'", user_str(optarg));
				hint("give milliseconds, 0 to 3600000");
				return MEMLOCK_EXEC_FAILED;
			}
			o.follow_ms = (unsigned int)v;
			break;
		}
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			fprintf(stderr, "Try 'memlock run --help' for more information.\n");
			return MEMLOCK_EXEC_FAILED;
		}
	}
	if (optind >= argc) {
		warnx("no program given");
		fprintf(stderr, "Try 'memlock run --help' for more information.\n");
		return MEMLOCK_EXEC_FAILED;
	}
	ctx.prog = argv[optind];
	ctx.follow_ms = o.follow_ms;
	ctx.mcl = lock_flags_mcl(&lf);
	o.flags = lock_flags_memlock(&lf) | (ctx.best_effort ? MEMLOCK_F_BEST_EFFORT : 0);
	if (limit) {
		struct memlock_limits any = { .sz = sizeof(any) };

		if (parse_limits(limit, &any) < 0) {
			warnx("invalid --limit: '%s'", user_str(limit));
			hint("give SOFT or SOFT:HARD (:HARD, SOFT: keep the other), in bytes with a "
			     "K, M, G or T suffix, or unlimited (e.g. 64M, 64M:128M)");
			return MEMLOCK_EXEC_FAILED;
		}
		if (set_limit(limit, ctx.best_effort) < 0)
			return MEMLOCK_EXEC_FAILED;
	}
	fflush(NULL);
	why = memlock_verdict_new();
	if (why == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	rc = memlock_exec_locked(ctx.prog, argv + optind, &o, why);
	/* only on failure; a reason is memlock's (a missing helper's ENOENT too) */
	if (memlock_verdict_reason(why)[0]) {
		warnx("cannot run %s locked: %s", user_str(ctx.prog), memlock_verdict_reason(why));
		print_why(why);
		memlock_verdict_free(why);
		return MEMLOCK_EXEC_FAILED;
	}
	memlock_verdict_free(why);
	warn_rc(rc, "cannot run %s", user_str(ctx.prog));
	if (rc == -ENOENT)
		return EXIT_NOT_FOUND;
	return rc == -EACCES || rc == -ENOEXEC || rc == -ENAMETOOLONG ? EXIT_CANNOT_RUN
								     : MEMLOCK_EXEC_FAILED;
}
