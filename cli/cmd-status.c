// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock status [PID|KEY=VALUE...] [--comm NAME...]   one row per process
 * memlock status --interval SECONDS [--count N]       ... again and again
 * memlock status --maps PID      one row per mapping
 * memlock status --system        system-wide lock and swap state
 */
#include <getopt.h>

#include "status.h"
#include "targets.h"

/* ------------------------------------------------------------ processes */
enum { P_PID, P_COMMAND, P_LOCKED, P_PINNED, P_RSS, P_SWAP, P_LIMIT, P_CAP, P_HARD,
       P_VMSIZE, P_UID, P_RLOCKED, P_SECRET, P_LOCKED_DELTA, P_SWAP_DELTA };
static const struct colinfo proc_infos[] = {
	[P_PID] = { "PID", 5, SCOLS_FL_RIGHT, COL_NUM, "process ID", NULL },
	[P_COMMAND] = { "COMMAND", 0.2, SCOLS_FL_TRUNC, COL_STR, "command name", NULL },
	[P_LOCKED] = { "LOCKED", 5, SCOLS_FL_RIGHT, COL_SIZE, "locked memory (VmLck)", NULL },
	[P_PINNED] = { "PINNED", 5, SCOLS_FL_RIGHT, COL_SIZE, "pinned memory (VmPin)", NULL },
	[P_RSS] = { "RSS", 5, SCOLS_FL_RIGHT, COL_SIZE, "resident memory (VmRSS)", NULL },
	[P_SWAP] = { "SWAP", 5, SCOLS_FL_RIGHT, COL_SIZE, "swapped-out memory (VmSwap)", NULL },
	[P_LIMIT] = { "LIMIT", 5, SCOLS_FL_RIGHT, COL_SIZE, "soft RLIMIT_MEMLOCK", NULL },
	[P_CAP] = { "CAP_IPC_LOCK", 3, 0, COL_BOOL,
		    "CAP_IPC_LOCK effective in the initial user namespace", NULL },
	/* JSON keys are the names in lower case: words joined by '_', as in
	 * every JSON memlock prints (hard_limit, vm_size of check -J) */
	[P_HARD] = { "HARD_LIMIT", 5, SCOLS_FL_RIGHT, COL_SIZE, "hard RLIMIT_MEMLOCK", "HARDLIMIT" },
	[P_VMSIZE] = { "VM_SIZE", 5, SCOLS_FL_RIGHT, COL_SIZE,
		       "address space size (VmSize, what MCL_CURRENT needs)", "VMSIZE" },
	[P_UID] = { "UID", 5, SCOLS_FL_RIGHT, COL_NUM, "real user ID", NULL },
	[P_RLOCKED] = { "RLOCKED", 5, SCOLS_FL_RIGHT, COL_SIZE,
			"resident locked memory, proportional (smaps_rollup Locked; slow)", NULL },
	[P_SECRET] = { "SECRET", 5, SCOLS_FL_RIGHT, COL_SIZE,
		       "memfd_secret memory, which blocks hibernation (smaps; slow)", NULL },
	[P_LOCKED_DELTA] = { "LOCKED_DELTA", 5, SCOLS_FL_RIGHT, COL_NUM,
			     "change of LOCKED since the sample before (--interval)", NULL },
	[P_SWAP_DELTA] = { "SWAP_DELTA", 5, SCOLS_FL_RIGHT, COL_NUM,
			   "change of SWAP since the sample before (--interval)", NULL },
};
static const int proc_defaults[] = { P_PID, P_COMMAND, P_LOCKED, P_PINNED, P_RSS,
				     P_SWAP, P_LIMIT, P_CAP };
static const int interval_defaults[] = { P_PID,	 P_COMMAND, P_LOCKED, P_LOCKED_DELTA, P_PINNED,
					 P_RSS,	 P_SWAP,    P_SWAP_DELTA, P_LIMIT, P_CAP };

/* ------------------------------------------------------------- mappings */
enum { M_START, M_END, M_PERMS, M_LOCK, M_SIZE, M_RSS, M_LOCKED, M_SWAP, M_PATH, M_PSS,
       M_FLAGS };
static const struct colinfo maps_infos[] = {
	[M_START] = { "START", 12, SCOLS_FL_RIGHT, COL_HEX, "start address", NULL },
	[M_END] = { "END", 12, SCOLS_FL_RIGHT, COL_HEX, "end address", NULL },
	[M_PERMS] = { "PERMS", 4, 0, COL_STR, "permissions (rwxp/s)", NULL },
	[M_LOCK] = { "LOCK", 2, 0, COL_STR, "lo: locked (VM_LOCKED), lf: locked on fault", NULL },
	[M_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, COL_SIZE, "mapping size", NULL },
	[M_RSS] = { "RSS", 5, SCOLS_FL_RIGHT, COL_SIZE, "resident (Rss)", NULL },
	[M_LOCKED] = { "LOCKED", 5, SCOLS_FL_RIGHT, COL_SIZE,
		       "resident locked, proportional (Locked)", NULL },
	[M_SWAP] = { "SWAP", 5, SCOLS_FL_RIGHT, COL_SIZE, "swapped out (Swap)", NULL },
	[M_PATH] = { "PATH", 0.3, SCOLS_FL_TRUNC, COL_STR, "file or [name]", NULL },
	[M_PSS] = { "PSS", 5, SCOLS_FL_RIGHT, COL_SIZE, "proportional resident (Pss)", NULL },
	[M_FLAGS] = { "FLAGS", 2, 0, COL_STR,
		      "dd: not in core dumps (MADV_DONTDUMP), wf: wiped on fork (MADV_WIPEONFORK)",
		      NULL },
};
/* FLAGS next to LOCK, as issue 13 asks: dd and wf say where a secret's
 * copies may go (a core dump, a fork child) */
static const int maps_defaults[] = { M_START, M_END,    M_PERMS, M_LOCK, M_FLAGS, M_SIZE,
				     M_RSS,   M_LOCKED, M_SWAP,  M_PATH };

/* --------------------------------------------------------------- system */
enum { S_NAME, S_VALUE, S_TOTAL, S_DESC };
static const struct colinfo sys_infos[] = {
	[S_NAME] = { "NAME", 12, 0, COL_STR, "item", NULL },
	[S_VALUE] = { "VALUE", 6, SCOLS_FL_RIGHT, COL_SIZE, "value (bytes, or pages for counters)", NULL },
	[S_TOTAL] = { "TOTAL", 6, SCOLS_FL_RIGHT, COL_SIZE, "out of", NULL },
	[S_DESC] = { "DESCRIPTION", 0.4, SCOLS_FL_TRUNC, COL_STR, "what it means", NULL },
};
static const int sys_defaults[] = { S_NAME, S_VALUE, S_TOTAL, S_DESC };

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock status [options] [PID|KEY=VALUE...]\n"
	      " memlock status [options] --maps PID\n"
	      " memlock status [options] --system\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Show locked, pinned, resident and swapped memory of processes (every process\n"
	      "but kernel threads when no PID or selector is given), of one process's\n"
	      "mappings, or of the system.\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(" -m, --maps <pid>          one row per mapping of <pid>\n"
	      " -s, --system              system-wide: Mlocked, Unevictable, swap, counters\n"
	      "     --interval <seconds>  show the processes again every <seconds>, with\n"
	      "                           the change since the sample before; ^C ends\n"
	      "     --count <n>           with --interval: stop after <n> samples\n",
	      stdout);
	fputs(USAGE_TARGETS_OPTIONS, stdout);
	fputs(USAGE_OUTPUT_OPTIONS, stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	output_usage_columns("Process columns", proc_infos, ARRAY_SIZE(proc_infos));
	output_usage_columns("Mapping columns (--maps)", maps_infos, ARRAY_SIZE(maps_infos));
	output_usage_columns("System columns (--system)", sys_infos, ARRAY_SIZE(sys_infos));
	fputs(USAGE_MAN_TAIL("memlock(1)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

/* a process shown holds memfd_secret memory (for a hint after the table) */
static bool secret_seen;

/* The bytes of @pid's memfd_secret(2) areas: 0 or -errno. */
static int secret_bytes(pid_t pid, uint64_t *bytes)
{
	struct memlock_proc_maps *it = memlock_proc_maps_open(proc_root, pid);
	struct memlock_mapping m = { .sz = sizeof(m) };
	int rc;

	if (it == NULL)
		return -errno;
	*bytes = 0;
	while ((rc = memlock_proc_maps_next(it, &m)) == 0)
		if (m.vmflags & MEMLOCK_VMA_SECRETMEM)
			*bytes += m.size;
	memlock_proc_maps_close(it);
	return rc < 0 ? rc : 0;
}

/* 0: row added; -errno: the process could not be read. @st: its status if
 * the caller has read it already, else NULL. */
static int add_process(struct output *out, pid_t pid, const struct memlock_status *pre)
{
	struct memlock_limits lim = { .sz = sizeof(lim) };
	struct memlock_status st = { .sz = sizeof(st) };
	struct libscols_line *ln;
	int rc = 0;

	if (pre != NULL)
		st = *pre;
	else
		rc = memlock_proc_read_status(proc_root, pid, &st);
	/* read the limits only when shown: with 1000s of processes each extra
	 * /proc file is a measurable share of the run time */
	if (rc == 0 && (output_has(out, P_LIMIT) || output_has(out, P_HARD)))
		rc = memlock_proc_read_limits(proc_root, pid, &lim);
	if (rc < 0)
		return rc == -ENOENT ? -ESRCH : rc;
	ln = output_new_line(out);
	output_set_num(out, ln, P_PID, (uint64_t)st.pid);
	output_set_str(out, ln, P_COMMAND, st.name);
	output_set_num(out, ln, P_UID, st.ruid);
	if (st.has_mm) {
		output_set_size(out, ln, P_LOCKED, st.vm_lck);
		output_set_size(out, ln, P_PINNED, st.vm_pin);
		output_set_size(out, ln, P_RSS, st.vm_rss);
		output_set_size(out, ln, P_SWAP, st.vm_swap);
		output_set_size(out, ln, P_VMSIZE, st.vm_size);
	}
	/* VmLck counts whole locked mappings; what is resident of them (on
	 * fault, not yet touched) needs a page-table walk: only on request */
	if (st.has_mm && output_has(out, P_RLOCKED)) {
		struct memlock_mapping sum = { .sz = sizeof(sum) };

		if (memlock_proc_read_rollup(proc_root, pid, &sum) == 0)
			output_set_size(out, ln, P_RLOCKED, sum.locked);
	}
	if (st.has_mm && output_has(out, P_SECRET)) {
		uint64_t secret = 0;

		if (secret_bytes(pid, &secret) == 0) {
			output_set_size(out, ln, P_SECRET, secret);
			secret_seen = secret_seen || secret > 0;
		}
	}
	if (output_has(out, P_LIMIT) || output_has(out, P_HARD)) {
		output_set_size(out, ln, P_LIMIT, lim.soft);
		output_set_size(out, ln, P_HARD, lim.hard);
	}
	if (output_has(out, P_CAP))
		output_set_bool(out, ln, P_CAP,
				memlock_proc_has_cap_ipc_lock(proc_root, &st, NULL));
	interval_delta(out, ln, st.pid, st.vm_lck, st.vm_swap, P_LOCKED_DELTA, P_SWAP_DELTA);
	return 0;
}

static int show_all(struct output *out)
{
	struct memlock_proc_pids *it = memlock_proc_pids_open(proc_root);
	struct memlock_status st = { .sz = sizeof(st) };
	pid_t pid;
	int rc;

	if (it == NULL) {
		rc = -errno;
		warn_rc(rc, "cannot list processes");
		hint_read_error("", rc);
		return EXIT_FAILURE;
	}
	while ((rc = memlock_proc_pids_next(it, &pid)) == 0) {
		/* kernel threads have no memory: leave them out of the list */
		if (memlock_proc_read_status(proc_root, pid, &st) < 0 || !st.has_mm)
			continue;
		/* a process may exit between readdir and read: not an error */
		(void)add_process(out, pid, &st);
	}
	memlock_proc_pids_close(it);
	if (rc < 0) {
		warn_rc(rc, "cannot list processes");
		hint_read_error("", rc);
		return EXIT_FAILURE;
	}
	return output_print(out) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The processes a selector names; none is an empty table. */
static int show_selected(struct output *out, const struct targets *tg)
{
	struct memlock_status st = { .sz = sizeof(st) };
	size_t i, n, denied;
	pid_t *pids = targets_match(tg, &n, &denied);

	/* a process that exited since it matched is left out, as in show_all() */
	for (i = 0; i < n; i++)
		if (memlock_proc_read_status(proc_root, pids[i], &st) == 0 && st.has_mm)
			(void)add_process(out, pids[i], &st);
	free(pids);
	/* (processes that could not be checked are left out, as pgrep does:
	 * one in the middle of an exec or a setuid is, for a moment) */
	return output_print(out) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static int show_pids(struct output *out, size_t n, const pid_t *pids)
{
	size_t i, bad = 0;
	int rc;

	for (i = 0; i < n; i++) {
		pid_t pid = pids[i];

		rc = add_process(out, pid, NULL);
		if (rc < 0) {
			warn_rc(rc, "cannot read process %d", (int)pid);
			hint_pid_error(pid, rc);
			bad++;
		}
	}
	if (bad == n)
		scols_unref_table(out->tb);
	else if (output_print(out) != 0)
		return EXIT_FAILURE;
	if (bad == 0)
		return EXIT_SUCCESS;
	return bad == n ? EXIT_FAILURE : EXIT_SOMEOK;
}

static const char *lock_flag(unsigned int vmflags)
{
	if (vmflags & MEMLOCK_VMA_ONFAULT)
		return "lf";
	return vmflags & MEMLOCK_VMA_LOCKED ? "lo" : "";
}

/* dd and wf of a mapping, the VmFlags of secrets */
static const char *secret_flags(unsigned int vmflags)
{
	static const char *const flags[] = { "", "dd", "wf", "dd,wf" };

	return flags[(vmflags & MEMLOCK_VMA_DONTDUMP ? 1 : 0) |
		     (vmflags & MEMLOCK_VMA_WIPEONFORK ? 2 : 0)];
}

static int show_maps(struct output *out, pid_t pid)
{
	struct memlock_proc_maps *it = memlock_proc_maps_open(proc_root, pid);
	struct memlock_mapping m = { .sz = sizeof(m) };
	size_t n = 0;
	int rc;

	if (it == NULL) {
		rc = errno == ENOENT ? -ESRCH : -errno;
		warn_rc(rc, "cannot read the mappings of process %d", (int)pid);
		hint_pid_error(pid, rc);
		scols_unref_table(out->tb);
		return EXIT_FAILURE;
	}
	while ((rc = memlock_proc_maps_next(it, &m)) == 0) {
		struct libscols_line *ln = output_new_line(out);

		n++;
		output_set_hex(out, ln, M_START, m.start);
		output_set_hex(out, ln, M_END, m.end);
		output_set_str(out, ln, M_PERMS, m.perms);
		output_set_str(out, ln, M_LOCK, lock_flag(m.vmflags));
		output_set_str(out, ln, M_FLAGS, secret_flags(m.vmflags));
		output_set_size(out, ln, M_SIZE, m.size);
		output_set_size(out, ln, M_RSS, m.rss);
		output_set_size(out, ln, M_PSS, m.pss);
		output_set_size(out, ln, M_LOCKED, m.locked);
		output_set_size(out, ln, M_SWAP, m.swap);
		output_set_str(out, ln, M_PATH, m.path);
	}
	memlock_proc_maps_close(it);
	if (rc < 0) {
		/* an empty smaps is a kernel thread or a process that exited */
		warn_rc(rc == -ENOENT ? -ESRCH : rc, "cannot read the mappings of process %d",
			(int)pid);
		hint_pid_error(pid, rc);
		scols_unref_table(out->tb);
		return EXIT_FAILURE;
	}
	if (n == 0) {
		warnx("process %d has no memory mappings", (int)pid);
		hint("it is a kernel thread or a zombie, or it exited just now");
		scols_unref_table(out->tb);
		return EXIT_FAILURE;
	}
	return output_print(out) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static void sys_row(struct output *out, const char *name, uint64_t value, bool pages,
		    uint64_t total, const char *desc)
{
	struct libscols_line *ln = output_new_line(out);

	output_set_str(out, ln, S_NAME, name);
	if (pages)
		output_set_num(out, ln, S_VALUE, value);
	else
		output_set_size(out, ln, S_VALUE, value);
	if (total)
		output_set_size(out, ln, S_TOTAL, total);
	output_set_str(out, ln, S_DESC, desc);
}

/* A row per swap area, whatever the length of its path: 0 or -errno. */
static int add_swaps(struct output *out, struct memlock_proc_swaps *it)
{
	struct memlock_swap sw = { .sz = sizeof(sw) };
	char *name, desc[64];
	int rc;

	while ((rc = memlock_proc_swaps_next(it, &sw)) == 0) {
		if (asprintf(&name, "swap:%s", sw.path) < 0)
			err(EXIT_FAILURE, "cannot allocate memory");
		snprintf(desc, sizeof(desc), "%s, priority %d", sw.type, sw.prio);
		sys_row(out, name, sw.used, false, sw.size, desc);
		free(name);
	}
	return rc < 0 ? rc : 0;
}

static int show_system(struct output *out)
{
	struct memlock_meminfo mi = { .sz = sizeof(mi) };
	struct memlock_vmstat vs = { .sz = sizeof(vs) };
	struct memlock_proc_swaps *it;
	int rc;

	rc = memlock_proc_read_meminfo(proc_root, &mi);
	if (rc < 0) {
		warn_rc(rc, "cannot read meminfo");
		hint_read_error("meminfo", rc);
		return EXIT_FAILURE;
	}
	rc = memlock_proc_read_vmstat(proc_root, &vs);
	if (rc < 0) {
		warn_rc(rc, "cannot read vmstat");
		hint_read_error("vmstat", rc);
		return EXIT_FAILURE;
	}
	it = memlock_proc_swaps_open(proc_root);
	if (it == NULL) {
		rc = -errno;
		warn_rc(rc, "cannot read swaps");
		hint_read_error("swaps", rc);
		return EXIT_FAILURE;
	}
	sys_row(out, "Mlocked", mi.mlocked, false, mi.mem_total,
		"pages locked by mlock/mlockall/MAP_LOCKED, each counted once");
	sys_row(out, "Unevictable", mi.unevictable, false, mi.mem_total,
		"never reclaimed: mlocked, ramfs, SHM_LOCK, secretmem");
	sys_row(out, "MemAvailable", mi.mem_available, false, mi.mem_total,
		"memory available for new work without swapping");
	sys_row(out, "Swap", mi.swap_total > mi.swap_free ? mi.swap_total - mi.swap_free : 0,
		false, mi.swap_total,
		mi.swap_total ? "swap in use, of all swap" : "no swap enabled");
	rc = add_swaps(out, it);
	memlock_proc_swaps_close(it);
	if (rc < 0) {
		warn_rc(rc, "cannot read swaps");
		hint_read_error("swaps", rc);
		return EXIT_FAILURE;
	}
	sys_row(out, "unevictable_pgs_mlocked", vs.mlocked, true, 0,
		"pages mlocked since boot (event count)");
	sys_row(out, "unevictable_pgs_munlocked", vs.munlocked, true, 0,
		"pages munlocked since boot");
	sys_row(out, "unevictable_pgs_culled", vs.culled, true, 0,
		"pages moved to the unevictable list");
	sys_row(out, "unevictable_pgs_rescued", vs.rescued, true, 0,
		"pages moved back to evictable lists");
	sys_row(out, "unevictable_pgs_scanned", vs.scanned, true, 0,
		"pages scanned for rescue (SHM_UNLOCK, ramfs)");
	sys_row(out, "unevictable_pgs_cleared", vs.cleared, true, 0,
		"mlocked pages freed or truncated while mapped");
	sys_row(out, "unevictable_pgs_stranded", vs.stranded, true, 0,
		"pages munlock could not isolate");
	return output_print(out) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* The process table, once or as one sample of --interval. */
struct proc_run {
	struct output *out;
	struct targets *tg;
	const int *defaults;
	size_t ndefaults;
};

static int proc_sample(void *arg)
{
	struct proc_run *r = arg;
	int rc;

	if (output_init(r->out, r->defaults, r->ndefaults, "processes") < 0)
		errtryhelp("status");
	if (r->tg->keyed)
		rc = show_selected(r->out, r->tg);
	else if (r->tg->npids)
		rc = show_pids(r->out, r->tg->npids, r->tg->pids);
	else
		rc = show_all(r->out);
	output_free(r->out);
	return rc;
}

enum { OPT_INTERVAL = 0x300, OPT_COUNT };

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "maps", required_argument, NULL, 'm' },
		{ "system", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "count", required_argument, NULL, OPT_COUNT },
		TARGETS_LONGOPTS,
		OUTPUT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct output out = { 0 };
	struct targets tg = { 0 };
	struct proc_run run = { &out, &tg, proc_defaults, ARRAY_SIZE(proc_defaults) };
	const char *maps = NULL;
	unsigned long count = 0;
	uint64_t interval = 0;
	bool system = false;
	int c;

	while ((c = cli_getopt(argc, argv, "m:s" OUTPUT_SHORTOPTS "hV", longopts)) != -1) {
		if (output_option(&out, c, optarg) || targets_option(&tg, c, optarg))
			continue;
		switch (c) {
		case OPT_INTERVAL:
			interval = interval_parse(optarg);
			break;
		case OPT_COUNT:
			count = interval_count_parse(optarg);
			break;
		case 'm':
			maps = optarg;
			break;
		case 's':
			system = true;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("status");
		}
	}
	if (maps != NULL && system) {
		warnx("--maps and --system are mutually exclusive");
		errtryhelp("status");
	}
	if ((maps != NULL || system) && optind < argc) {
		warnx("unexpected argument: %s", user_str(argv[optind]));
		errtryhelp("status");
	}
	if ((maps != NULL || system) && (tg.keyed || interval)) {
		warnx("--%s shows %s: selectors and --interval are for the process table",
		      maps ? "maps" : "system", maps ? "one process's mappings" : "the system");
		errtryhelp("status");
	}
	if (count && !interval) {
		warnx("--count needs --interval");
		errtryhelp("status");
	}
	if (maps != NULL) {
		pid_t pid = parse_pid_or_die(maps);

		out.infos = maps_infos;
		out.ninfos = ARRAY_SIZE(maps_infos);
		if (output_init(&out, maps_defaults, ARRAY_SIZE(maps_defaults), "mappings") < 0)
			errtryhelp("status");
		c = show_maps(&out, pid);
		output_free(&out);	/* (printed: nothing left; failed: the table) */
		return c;
	}
	if (system) {
		out.infos = sys_infos;
		out.ninfos = ARRAY_SIZE(sys_infos);
		/* VALUE holds bytes and page counts: with -J both are numbers
		 * (a human "1.5G" would make the counters strings too) */
		out.bytes = out.bytes || out.json;
		if (output_init(&out, sys_defaults, ARRAY_SIZE(sys_defaults), "system") < 0)
			errtryhelp("status");
		c = show_system(&out);
		output_free(&out);
		return c;
	}
	out.infos = proc_infos;
	out.ninfos = ARRAY_SIZE(proc_infos);
	/* every PID and term checked before anything is printed */
	targets_operands(&tg, argc - optind, argv + optind);
	if (interval) {
		run.defaults = interval_defaults;
		run.ndefaults = ARRAY_SIZE(interval_defaults);
		c = status_interval(interval, count, out.json, proc_sample, &run);
	} else {
		c = proc_sample(&run);
	}
	targets_free(&tg);
	if (secret_seen)
		hint("while memory is held in memfd_secret (SECRET), the system cannot hibernate");
	return c;
}
