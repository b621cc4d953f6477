// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock attach PID...|KEY=VALUE... [--comm NAME]... [--current] [--future]
 *                [--onfault] [--range START-END | --mapping NAME]... [--max-pause MS]
 *                [--tid TID] [--dry-run] [--force] [--no-eintr] [-J]
 *
 * Locks the memory of a running process by injecting mlockall (or mlock per
 * range) into one of its threads; see lib/inject/inject.c for how.
 */
#include <getopt.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "fixes.h"
#include "inject.h"


static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock attach [options] <pid>...\n"
	      " memlock attach [options] <key>=<value>... | --comm <name>...\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Lock the memory of a running process, from outside: mlockall() (by default\n"
	      "MCL_CURRENT|MCL_FUTURE) or mlock() of ranges, injected through ptrace into\n"
	      "one thread for a fraction of a millisecond plus the time to fault pages in.\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(" -c, --current             MCL_CURRENT: lock what is mapped now\n"
	      " -f, --future              MCL_FUTURE: lock what gets mapped later\n"
	      " -F, --onfault             lock pages when first touched (no populate pause)\n"
	      " -R, --range <start-end>   mlock this range (hex as in maps); repeatable\n"
	      " -m, --mapping <name>      mlock every mapping of this file or [name]\n"
	      " -P, --max-pause <ms>      bound every stop: lock in chunks of that duration\n"
	      " -t, --tid <tid>           inject through this thread\n"
	      " -n, --dry-run             check and say what would be done, touch nothing\n"
	      "     --force               go ahead despite the predictor or a seccomp filter\n"
	      "     --no-eintr            refuse rather than risk an EINTR in the target\n"
	      " -J, --json                use JSON output format\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Processes, each locked in turn (never memlock itself):\n", stdout);
	fputs(USAGE_TARGETS_OPTIONS, stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

/* The predictor first, over every call in turn: a lock that would fail is
 * refused unless --force. */
static bool predicted_ok(pid_t pid, const struct memlock_request *reqs, size_t n, bool force,
			 bool quiet)
{
	struct memlock_verdict *v = memlock_verdict_new();
	const char *sym;
	bool ok = true;
	size_t at;

	if (v == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	if (memlock_predict_many(NULL, pid, reqs, n, v, &at) < 0 || at == n)
		goto out;
	sym = strerrorname_np(memlock_verdict_err(v)) ?: "?";
	if (force) {
		if (!quiet)
			warnx("process %d would refuse the lock (%s), going ahead (--force)", (int)pid,
			      sym);
		goto out;
	}
	warnx("process %d would refuse the lock with %s: %s", (int)pid, sym,
	      memlock_verdict_reason(v));
	hint_fixes(v);
	hint("--force tries anyway");
	if (quiet)	/* -J */
		inject_refusal_json(pid, v, memlock_verdict_err(v), memlock_verdict_reason(v));
	ok = false;
out:
	memlock_verdict_free(v);
	return ok;
}

static int dry_run(const struct inject_args *a, const char *comm, unsigned int mcl, bool bounded)
{
	struct call_record cr = { .nr = SYS_mlockall, .args = { (long)mcl } };
	char name[96];

	/* as the real run does it: on fault there is nothing to fault in, and
	 * MCL_FUTURE alone locks nothing now - one stop either way */
	bounded = bounded && !(mcl & MCL_ONFAULT) && (a->nranges || (mcl & MCL_CURRENT));
	printf("would lock process %d (%s): ", (int)a->pid, user_str(comm));
	if (a->nranges) {
		printf("%zu range%s%s\n", a->nranges, a->nranges == 1 ? "" : "s",
		       bounded ? " in bounded stops" : "");
		if (a->already_locked)
			printf("every mapping in them is locked already\n");
		return EXIT_SUCCESS;
	}
	call_name(&cr, name, sizeof(name));
	printf("%s%s\n", name, bounded ? " in bounded stops" : "");
	if (a->already_locked && (mcl & MCL_CURRENT))
		printf("every mapping of process %d is locked already\n", (int)a->pid);
	return EXIT_SUCCESS;
}

struct attach_ctx {
	struct lock_flags lf;
	unsigned int mcl;
};

/* One process (@a->pid): predicted, then locked; its exit status. */
static int attach_one(struct inject_args *a, void *arg)
{
	const struct attach_ctx *c = arg;
	struct inject_report *rep = NULL;
	struct memlock_request *reqs;
	struct memlock_target *t;
	long ret = 0;
	size_t i;
	int rc = 0;

	/* predict every call before touching anything */
	reqs = calloc(a->nranges ? a->nranges : 1, sizeof(*reqs));
	if (reqs == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	reqs[0] = (struct memlock_request){ .op = MEMLOCK_OP_MLOCKALL, .kflags = c->mcl };
	for (i = 0; i < a->nranges; i++)
		reqs[i] = (struct memlock_request){
			.op = c->lf.onfault ? MEMLOCK_OP_MLOCK2 : MEMLOCK_OP_MLOCK,
			.kflags = c->lf.onfault ? MLOCK_ONFAULT : 0, .addr = a->ranges[i].start,
			.len = a->ranges[i].end - a->ranges[i].start, .has_addr = true,
		};
	if (!predicted_ok(a->pid, reqs, a->nranges ? a->nranges : 1,
			  a->tflags & MEMLOCK_F_FORCE, a->json)) {
		rc = EXIT_FAILURE;
		goto out;
	}
	rep = calloc(1, sizeof(*rep));
	if (rep == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	t = inject_open(a, rep);
	if (t == NULL) {
		rc = EXIT_FAILURE;
		goto out;
	}
	/* MCL_FUTURE alone is about mappings to come: whether the process set it
	 * already, /proc does not show */
	inject_check_locked(a, rep);
	rep->already_locked = a->nranges || (c->mcl & MCL_CURRENT) ? a->already_locked : -1;
	if (a->dry) {
		rc = dry_run(a, rep->comm, c->mcl, a->max_pause != 0);
		memlock_target_close(t);
		goto out;
	}
	if (a->nranges == 0)
		rc = memlock_target_lock_all(t, lock_flags_memlock(&c->lf), a->max_pause, &ret);
	for (i = 0; i < a->nranges && rc == 0 && ret == 0; i++)
		rc = memlock_target_lock_range(t, a->ranges[i].start,
					    a->ranges[i].end - a->ranges[i].start,
					    c->lf.onfault ? MEMLOCK_F_ONFAULT : 0, a->max_pause, &ret);
	rep->ret = ret;
	rc = inject_finish(t, rep, rc);
out:
	free(reqs);
	free(rep);
	return rc;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option longopts[] = {
		INJECT_LONGOPTS,
		LOCK_FLAGS_LONGOPTS,
		TARGETS_LONGOPTS,
		{ "no-eintr", no_argument, NULL, OPT_NO_EINTR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct attach_ctx ctx = { 0 };
	struct inject_args a = { 0 };
	struct targets tg = { 0 };
	int c, rc;

	while ((c = cli_getopt(argc, argv, INJECT_SHORTOPTS "cfFhV", longopts)) != -1) {
		if (inject_option(&a, c, optarg) || lock_flags_option(&ctx.lf, c) ||
		    targets_option(&tg, c, optarg))
			continue;
		switch (c) {
		case OPT_NO_EINTR:
			a.tflags |= MEMLOCK_F_NO_EINTR;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("attach");
		}
	}
	if ((a.ranges || a.nmappings) && (ctx.lf.current || ctx.lf.future)) {
		warnx("--current/--future are for mlockall, --range/--mapping for mlock: "
		      "choose one");
		errtryhelp("attach");
	}
	inject_args_finish(&a, argc, argv, "attach", &tg);
	ctx.mcl = lock_flags_mcl(&ctx.lf);
	rc = inject_each(&a, &tg, attach_one, &ctx);
	inject_args_free(&a);
	targets_free(&tg);
	return rc;
}
