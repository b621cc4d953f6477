// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock check [-p PID] [--current] [--future] [--onfault]
 *               [--size BYTES | --range START-END]
 *
 * Predicts, by the kernel's rules, whether a lock would succeed in a process,
 * and if not the errno, the reason and the fix. Exit 0: it would succeed;
 * 3: it would fail; 1: usage or access error.
 */
#include <getopt.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"


static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock check [options] [--current] [--future] [--onfault]\n"
	      " memlock check [options] [--onfault] --size <bytes>|--range <start-end>\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Predict, by the kernel's rules, whether mlockall() or mlock() would succeed\n"
	      "in a process; if not, give the errno, the reason, and the fix.\n"
	      "Without --size or --range the call is mlockall(), by default with\n"
	      "MCL_CURRENT|MCL_FUTURE.\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(" -p, --pid <pid>           the process (default: memlock itself, which has\n"
	      "                             the limits and capabilities of its shell)\n"
	      " -c, --current             MCL_CURRENT: lock what is mapped now\n"
	      " -f, --future              MCL_FUTURE: lock what gets mapped later\n"
	      " -F, --onfault             lock pages as they are touched (MCL_ONFAULT,\n"
	      "                             or mlock2 MLOCK_ONFAULT with --size/--range)\n"
	      " -s, --size <bytes>        mlock of <bytes> of new memory (K, M, G, T: x1024)\n"
	      " -R, --range <start-end>   mlock of an address range, hex as in maps\n"
	      " -J, --json                use JSON output format\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs("\nExit status: 0 the lock would succeed, 3 it would fail, 1 error.\n", stdout);
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

static void describe_call(const struct memlock_request *req, char *buf, size_t sz)
{
	if (req->op == MEMLOCK_OP_MLOCKALL) {
		snprintf(buf, sz, "mlockall(%s%s%s%s%s)",
			 req->kflags & MCL_CURRENT ? "MCL_CURRENT" : "",
			 (req->kflags & MCL_CURRENT) && (req->kflags & MCL_FUTURE) ? "|" : "",
			 req->kflags & MCL_FUTURE ? "MCL_FUTURE" : "",
			 req->kflags & MCL_ONFAULT ? "|" : "",
			 req->kflags & MCL_ONFAULT ? "MCL_ONFAULT" : "");
	} else if (req->has_addr) {
		snprintf(buf, sz, "%s(0x%" PRIx64 ", %" PRIu64 "%s)",
			 req->op == MEMLOCK_OP_MLOCK2 ? "mlock2" : "mlock", req->addr, req->len,
			 req->op == MEMLOCK_OP_MLOCK2 ? ", MLOCK_ONFAULT" : "");
	} else {
		snprintf(buf, sz, "%s of %" PRIu64 " byte%s of new memory",
			 req->op == MEMLOCK_OP_MLOCK2 ? "mlock2(MLOCK_ONFAULT)" : "mlock",
			 req->len, req->len == 1 ? "" : "s");
	}
}

static const char *context_name(enum memlock_context c)
{
	switch (c) {
	case MEMLOCK_CTX_SYSTEMD:
		return "systemd";
	case MEMLOCK_CTX_CONTAINER:
		return "container";
	case MEMLOCK_CTX_SHELL:
		break;
	}
	return "shell";
}

static void print_json(pid_t pid, const char *call, const struct memlock_verdict *v)
{
	int i;

	printf("{\n   \"verdict\": \"%s\",\n   \"errno\": ", v->ok ? "ok" : "fail");
	if (v->ok)
		fputs("null", stdout);
	else
		json_string(stdout, strerrorname_np(v->err) ? strerrorname_np(v->err) : "?");
	printf(",\n   \"errno_value\": %d,\n   \"cause\": \"%s\",\n   \"pid\": ", v->err,
	       memlock_cause_name(v->cause));
	if (pid == 0)	/* no -p: a process like memlock, not memlock itself */
		fputs("null", stdout);
	else
		printf("%d", (int)pid);
	fputs(",\n   \"call\": ", stdout);
	json_string(stdout, call);
	fputs(",\n   \"reason\": ", stdout);
	json_string(stdout, v->reason);
	fputs(",\n   \"fix\": [", stdout);
	for (i = 0; i < v->n_fix; i++) {
		fputs(i ? ", " : "", stdout);
		json_string(stdout, v->fix[i]);
	}
	fputs("],\n   \"notes\": [", stdout);
	for (i = 0; i < v->n_note; i++) {
		fputs(i ? ", " : "", stdout);
		json_string(stdout, v->note[i]);
	}
	fputs("],\n", stdout);
	/* as status -J -b: a number of bytes, or the string "unlimited" */
	if (v->limit == MEMLOCK_UNLIMITED)
		fputs("   \"limit\": \"unlimited\",\n", stdout);
	else
		printf("   \"limit\": %" PRIu64 ",\n", v->limit);
	if (v->hard_limit == MEMLOCK_UNLIMITED)
		fputs("   \"hard_limit\": \"unlimited\",\n", stdout);
	else
		printf("   \"hard_limit\": %" PRIu64 ",\n", v->hard_limit);
	printf("   \"locked\": %" PRIu64 ",\n   \"vm_size\": %" PRIu64 ",\n"
	       "   \"request\": %" PRIu64 ",\n   \"already_locked\": %" PRIu64 ",\n"
	       "   \"need\": %" PRIu64 ",\n   \"cap_ipc_lock\": %s,\n"
	       "   \"child_user_namespace\": %s,\n   \"context\": \"%s\",\n   \"unit\": ",
	       v->locked, v->vm_size, v->request, v->already, v->need,
	       v->has_cap ? "true" : "false", v->in_child_userns ? "true" : "false",
	       context_name(v->context));
	if (v->unit[0])
		json_string(stdout, v->unit);
	else
		fputs("null", stdout);
	fputs("\n}\n", stdout);
}

static void print_text(pid_t pid, const char *call, const struct memlock_verdict *v)
{
	char where[64];
	int i;

	/* without -p the verdict is for a new process with memlock's limits
	 * and capabilities (those of its shell): memlock's own PID, gone when
	 * this is read, would say nothing */
	if (pid == 0)
		snprintf(where, sizeof(where), "a new process like memlock");
	else
		snprintf(where, sizeof(where), "process %d", (int)pid);
	if (v->ok)
		printf("ok: %s in %s would succeed\n", call, where);
	else
		printf("fail: %s in %s would fail with %s (%s)\n", call, where,
		       strerrorname_np(v->err) ? strerrorname_np(v->err) : "?", strerror(v->err));
	printf("reason: %s\n", v->reason);
	for (i = 0; i < v->n_fix; i++)
		printf("fix: %s\n", v->fix[i]);
	for (i = 0; i < v->n_note; i++)
		printf("note: %s\n", v->note[i]);
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		LOCK_FLAGS_LONGOPTS,
		{ "size", required_argument, NULL, 's' },
		{ "range", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCKALL };
	struct lock_flags lf = { 0 };
	bool json = false;
	const char *size = NULL, *range = NULL;
	struct memlock_verdict v;
	char call[128];
	pid_t pid = 0;
	uint64_t end;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "p:cfFs:R:JhV", longopts)) != -1) {
		if (lock_flags_option(&lf, c))
			continue;
		switch (c) {
		case 'p':
			pid = parse_pid_or_die(optarg);
			break;
		case 's':
			size = optarg;
			break;
		case 'R':
			range = optarg;
			break;
		case 'J':
			json = true;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("check");
		}
	}
	if (optind < argc) {
		warnx("unexpected argument: %s", user_str(argv[optind]));
		errtryhelp("check");
	}
	if (size && range) {
		warnx("--size and --range are mutually exclusive");
		errtryhelp("check");
	}
	if ((size || range) && (lf.current || lf.future)) {
		warnx("--current and --future are mlockall flags: they do not go with "
		      "--size or --range");
		errtryhelp("check");
	}
	if (size) {
		rc = parse_size(size, &req.len);
		if (rc < 0 || req.len == MEMLOCK_UNLIMITED) {
			warnx("invalid size: '%s'", user_str(size));
			hint("give bytes, optionally with a K, M, G or T suffix (e.g. 64K, 8M)");
			return EXIT_FAILURE;
		}
	}
	if (range) {
		rc = parse_range(range, &req.addr, &end);
		if (rc < 0) {
			warnx("invalid range: '%s'", user_str(range));
			hint("give START-END in hex as /proc/PID/maps shows it, with END above "
			     "START (e.g. 7f12a000-7f12c000)");
			return EXIT_FAILURE;
		}
		req.len = end - req.addr;
		req.has_addr = true;
	}
	if (size || range) {
		req.op = lf.onfault ? MEMLOCK_OP_MLOCK2 : MEMLOCK_OP_MLOCK;
		req.kflags = lf.onfault ? MLOCK_ONFAULT : 0;
	} else {
		req.kflags = lock_flags_mcl(&lf);	/* by default mlockall(3) */
	}

	rc = memlock_predict(proc_root, pid, &req, &v);
	if (rc < 0) {
		if (pid == 0)
			warn_rc(rc, "cannot check memlock itself");
		else
			warn_rc(rc, "cannot check process %d", (int)pid);
		if (rc == -EINVAL && pid != 0)
			hint("process %d is a kernel thread: it has no memory to lock", (int)pid);
		else if (pid == 0)
			hint_read_error("self/status", rc == -ESRCH ? -ENOENT : rc);
		else
			hint_pid_error(pid, rc);
		return EXIT_FAILURE;
	}
	describe_call(&req, call, sizeof(call));
	if (json)
		print_json(pid, call, &v);
	else
		print_text(pid, call, &v);
	return v.ok ? EXIT_SUCCESS : EXIT_WOULD_FAIL;
}
