// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock attach PID [--current] [--future] [--onfault]
 *                    [--range START-END | --mapping NAME]... [--max-pause MS]
 *                    [--tid TID] [--dry-run] [--force] [--no-eintr] [-J]
 *
 * Locks the memory of a running process by injecting mlockall (or mlock per
 * range) into one of its threads; see lib/remote.c for how.
 */
#include <getopt.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "inject.h"

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock attach [options] <pid>\n", stdout);
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
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

/* The predictor first: a lock that would fail is refused unless --force. */
static bool predicted_ok(pid_t pid, const struct memlock_request *req, bool force, bool quiet)
{
	struct memlock_verdict v;
	int i;

	if (memlock_predict(NULL, pid, req, &v) < 0 || v.ok)
		return true;
	if (force) {
		if (!quiet)
			warnx("process %d would refuse the lock (%s), going ahead (--force)", (int)pid,
			      strerrorname_np(v.err) ?: "?");
		return true;
	}
	warnx("process %d would refuse the lock with %s: %s", (int)pid,
	      strerrorname_np(v.err) ?: "?", v.reason);
	for (i = 0; i < v.n_fix; i++)
		hint("%s", v.fix[i]);
	hint("--force tries anyway");
	return false;
}

int cmd_attach(int argc, char **argv)
{
	enum { OPT_FORCE = 0x100, OPT_NO_EINTR };
	static const struct option longopts[] = {
		{ "current", no_argument, NULL, 'c' },	{ "future", no_argument, NULL, 'f' },
		{ "onfault", no_argument, NULL, 'F' },	{ "range", required_argument, NULL, 'R' },
		{ "mapping", required_argument, NULL, 'm' },
		{ "max-pause", required_argument, NULL, 'P' },
		{ "tid", required_argument, NULL, 't' }, { "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "no-eintr", no_argument, NULL, OPT_NO_EINTR },
		{ "json", no_argument, NULL, 'J' },	{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	{ NULL, 0, NULL, 0 },
	};
	bool current = false, future = false, onfault = false, dry = false, force = false;
	struct inject_report *rep = calloc(1, sizeof(*rep));
	const char *mappings[64];
	struct range_arg *ranges = NULL;
	size_t nranges = 0, nmappings = 0, i;
	unsigned int tflags = 0, mcl;
	uint64_t max_pause = 0, v;
	struct memlock_target *t;
	pid_t pid, tid = 0;
	long ret = 0;
	int c, rc = 0;

	if (rep == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	while ((c = getopt_long(argc, argv, "cfFR:m:P:t:nJhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			current = true;
			break;
		case 'f':
			future = true;
			break;
		case 'F':
			onfault = true;
			break;
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
		case 'P': {
			char *end;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || *end || v == 0 || v > 3600 * 1000 || *optarg == '-') {
				warnx("invalid --max-pause: '%s'", optarg);
				hint("give milliseconds, from 1 to 3600000");
				{ rc = EXIT_FAILURE; goto out; }
			}
			max_pause = v * 1000000;
			break;
		}
		case 't':
			tid = parse_pid_or_die(optarg);
			break;
		case 'n':
			dry = true;
			break;
		case OPT_FORCE:
			force = true;
			tflags |= MEMLOCK_T_FORCE;
			break;
		case OPT_NO_EINTR:
			tflags |= MEMLOCK_T_NO_EINTR;
			break;
		case 'J':
			rep->json = true;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("attach");
		}
	}
	if (optind != argc - 1) {
		warnx(optind >= argc ? "no PID given" : "too many arguments");
		errtryhelp("attach");
	}
	pid = parse_pid_or_die(argv[optind]);
	if ((nranges || nmappings) && (current || future)) {
		warnx("--current/--future are for mlockall, --range/--mapping for mlock: "
		      "choose one");
		errtryhelp("attach");
	}
	for (i = 0; i < nmappings; i++) {
		rc = inject_add_mapping(pid, mappings[i], &ranges, &nranges);
		if (rc < 0) {
			warnx("process %d has no mapping named '%s'", (int)pid, mappings[i]);
			hint("see its mappings: memlock status --maps %d", (int)pid);
			{ rc = EXIT_FAILURE; goto out; }
		}
	}
	if (!current && !future)
		current = future = true;
	mcl = (current ? MCL_CURRENT : 0) | (future ? MCL_FUTURE : 0) | (onfault ? MCL_ONFAULT : 0);

	/* predict every call before touching anything */
	if (nranges == 0) {
		struct memlock_request req = { .op = MEMLOCK_OP_MLOCKALL, .kflags = mcl };

		if (!predicted_ok(pid, &req, force, rep->json))
			{ rc = EXIT_FAILURE; goto out; }
	}
	for (i = 0; i < nranges; i++) {
		struct memlock_request req = {
			.op = onfault ? MEMLOCK_OP_MLOCK2 : MEMLOCK_OP_MLOCK,
			.kflags = onfault ? MLOCK_ONFAULT : 0, .addr = ranges[i].start,
			.len = ranges[i].end - ranges[i].start, .has_addr = true,
		};

		if (!predicted_ok(pid, &req, force, rep->json))
			{ rc = EXIT_FAILURE; goto out; }
	}
	t = inject_open(pid, tflags, rep);
	if (t == NULL)
		{ rc = EXIT_FAILURE; goto out; }
	if (tid && memlock_target_set_tid(t, tid) < 0) {
		warnx("process %d has no thread %d", (int)pid, (int)tid);
		memlock_target_close(t);
		{ rc = EXIT_FAILURE; goto out; }
	}
	if (dry) {
		printf("would lock process %d (%s): ", (int)pid, rep->comm);
		if (nranges == 0) {
			struct call_record cr = { .nr = SYS_mlockall, .args = { (long)mcl } };
			char name[96];

			call_name(&cr, name, sizeof(name));
			printf("%s%s\n", name, max_pause ? " in bounded stops" : "");
		} else {
			printf("%zu range%s\n", nranges, nranges == 1 ? "" : "s");
		}
		memlock_target_close(t);
		{ rc = EXIT_SUCCESS; goto out; }
	}
	if (nranges == 0) {
		rc = memlock_pid_lock_all(t, mcl, max_pause, &ret);
	} else {
		for (i = 0; i < nranges && rc == 0 && ret == 0; i++) {
			long a[6] = { (long)ranges[i].start, (long)(ranges[i].end - ranges[i].start),
				      onfault ? MLOCK_ONFAULT : 0 };

			rc = memlock_remote_syscallv(t, onfault ? SYS_mlock2 : SYS_mlock, &ret, a);
		}
	}
	rc = inject_finish(t, rep, rc);
out:
	free(ranges);
	free(rep);
	return rc;
}
