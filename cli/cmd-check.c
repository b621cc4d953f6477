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
#include "fixes.h"
#include "json.h"
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
	struct memlock_facts f = { .sz = sizeof(f) };
	struct json_object *o = json_new_object();
	int e = memlock_verdict_err(v);

	if (memlock_verdict_facts(v, &f) < 0)
		err(EXIT_FAILURE, "cannot read the verdict");
	json_put_str(o, "verdict", memlock_verdict_ok(v) ? "ok" : "fail");
	if (memlock_verdict_ok(v))
		json_put_null(o, "errno");
	else
		json_put_str(o, "errno", strerrorname_np(e) ? strerrorname_np(e) : "?");
	json_put_int(o, "errno_value", e);
	json_put_str(o, "cause", memlock_cause_name(memlock_verdict_cause(v)));
	if (pid == 0)	/* no -p: a process like memlock, not memlock itself */
		json_put_null(o, "pid");
	else
		json_put_int(o, "pid", pid);
	json_put_str(o, "call", call);
	json_put_str(o, "reason", memlock_verdict_reason(v));
	json_put_fixes(o, v);
	json_put_notes(o, v);
	/* as status -J -b: a number of bytes, or the string "unlimited" */
	json_put_limit(o, "limit", f.limit);
	json_put_limit(o, "hard_limit", f.hard_limit);
	json_put_u64(o, "locked", f.locked);
	json_put_u64(o, "vm_size", f.vm_size);
	json_put_u64(o, "request", f.request);
	json_put_u64(o, "already_locked", f.already);
	json_put_u64(o, "need", f.need);
	json_put_bool(o, "cap_ipc_lock", f.has_cap);
	json_put_bool(o, "child_user_namespace", f.in_child_userns);
	json_put_str(o, "context", context_name(f.context));
	json_put_str(o, "unit", f.unit[0] ? f.unit : NULL);
	json_print(o);
}

static void print_text(pid_t pid, const char *call, const struct memlock_verdict *v)
{
	int e = memlock_verdict_err(v);
	char where[64];
	size_t i, n;

	/* without -p the verdict is for a new process with memlock's limits
	 * and capabilities (those of its shell): memlock's own PID, gone when
	 * this is read, would say nothing */
	if (pid == 0)
		snprintf(where, sizeof(where), "a new process like memlock");
	else
		snprintf(where, sizeof(where), "process %d", (int)pid);
	if (memlock_verdict_ok(v))
		printf("ok: %s in %s would succeed\n", call, where);
	else
		printf("fail: %s in %s would fail with %s (%s)\n", call, where,
		       strerrorname_np(e) ? strerrorname_np(e) : "?", strerror(e));
	printf("reason: %s\n", memlock_verdict_reason(v));
	n = memlock_verdict_fix_count(v);
	for (i = 0; i < n; i++)
		printf("fix: %s\n", fix_text(v, i));
	n = memlock_verdict_note_count(v);
	for (i = 0; i < n; i++)
		printf("note: %s\n", note_text(v, i));
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
	struct memlock_verdict *v;
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

	v = memlock_verdict_new();
	if (v == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	rc = memlock_predict(proc_root, pid, &req, v);
	if (rc < 0) {
		memlock_verdict_free(v);
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
		print_json(pid, call, v);
	else
		print_text(pid, call, v);
	rc = memlock_verdict_ok(v) ? EXIT_SUCCESS : EXIT_WOULD_FAIL;
	memlock_verdict_free(v);
	return rc;
}
