// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The lock and swap state as Prometheus metrics: per process (a selector's
 * or all), and the system's. The text format wants each family's samples
 * together, so the processes are read first, then written family by family.
 *
 * Names follow the Prometheus conventions: base units (bytes, not the kB of
 * /proc), "_total" for counters. The unevictable_pgs_* counters of
 * /proc/vmstat count pages moved, events of a page each, as
 * http_requests_total counts requests: the counted thing stays in the
 * name ("pgs", the kernel's name, which is what people search for) and no
 * unit is added: pages are not a unit to convert to bytes (a huge page
 * moves as one folio but counts all its pages).
 */
#include <inttypes.h>
#include <string.h>

#include "procfs/procfs.h"
#include "metrics/metrics.h"

enum { V_LOCKED, V_PINNED, V_SWAP, V_RSS, V_LIMIT, NVALUES };

static const struct family {
	const char *name, *help;
} proc_families[NVALUES] = {
	[V_LOCKED] = { "memlock_process_locked_bytes",
		       "Locked memory of the process (VmLck): its locked mappings, whole." },
	[V_PINNED] = { "memlock_process_pinned_bytes",
		       "Pinned memory of the process (VmPin): pages that cannot move." },
	[V_SWAP] = { "memlock_process_swap_bytes",
		     "Anonymous memory of the process swapped out (VmSwap)." },
	[V_RSS] = { "memlock_process_rss_bytes", "Resident memory of the process (VmRSS)." },
	[V_LIMIT] = { "memlock_process_memlock_limit_bytes",
		      "Soft RLIMIT_MEMLOCK of the process, +Inf for unlimited." },
};

/* A process's values, and its labels as written: {pid="1",comm="...",unit="..."},
 * escaped once for the five families (the name and unit at most 63 and 127
 * bytes, each 3 bytes at most when escaped) */
struct row {
	uint64_t v[NVALUES];
	char labels[sizeof("{pid=\"-2147483648\",comm=\"\",unit=\"\"}") + 63 * 3 + 127 * 3];
};

struct rows {
	struct row *row;
	size_t n, cap;
	uint64_t errors;	/* matched, not readable (EACCES...) */
};

/* The unit of /proc/PID/cgroup: the v2 line ("0::PATH"), else the v1
 * name=systemd hierarchy's. */
static int read_unit(const char *root, pid_t pid, char *unit, size_t sz)
{
	const char *p, *line, *path = NULL;
	size_t len, ll, pl = 0;
	char *buf;
	int rc;

	unit[0] = '\0';
	rc = mlk_read_proc(root, pid, "cgroup", &buf, &len);
	if (rc < 0)
		return rc;
	p = buf;
	while (mlk_next_line(&p, buf + len, &line, &ll)) {
		if (ll >= 3 && memcmp(line, "0::", 3) == 0) {
			path = line + 3;
			pl = ll - 3;
			break;
		}
		if (ll > 14 && memmem(line, ll, ":name=systemd:", 14) != NULL) {
			path = (const char *)memmem(line, ll, ":name=systemd:", 14) + 14;
			pl = (size_t)(line + ll - path);
		}
	}
	if (path != NULL)
		(void)mlk_cgroup_path_unit(path, pl, false, unit, sz);
	free(buf);
	return 0;
}

/* 0 with @r filled, 1 for a process without memory (a kernel thread, a
 * zombie) or one @sel (if not NULL) does not match, -errno. The status is
 * read once, for the selector and the row. */
static int read_row(const struct memlock_selector *sel, const char *root, pid_t pid,
		    struct row *r)
{
	struct memlock_status st = { .sz = sizeof(st) };
	struct memlock_limits lim = { .sz = sizeof(lim) };
	char unit[128], *p;
	pid_t ppid;
	int rc;

	rc = mlk_read_status(root, pid, &st, &ppid);
	if (rc < 0)
		return rc;
	if (!st.has_mm)
		return 1;
	if (sel != NULL) {
		rc = mlk_selector_match_status(sel, root, &st, ppid);
		if (rc <= 0)
			return rc < 0 ? rc : 1;
	}
	rc = memlock_proc_read_limits(root, pid, &lim);
	if (rc < 0)
		return rc;
	rc = read_unit(root, pid, unit, sizeof(unit));
	if (rc < 0)
		return rc;
	st.name[sizeof(st.name) - 1] = '\0';
	_Static_assert(sizeof(st.name) == 64, "the name's room in struct row");
	p = r->labels + sprintf(r->labels, "{pid=\"%d\",comm=\"", (int)st.pid);
	p += mlk_prom_escape(p, st.name, true);
	p = stpcpy(p, "\",unit=\"");
	p += mlk_prom_escape(p, unit, true);
	strcpy(p, "\"}");
	r->v[V_LOCKED] = st.vm_lck;
	r->v[V_PINNED] = st.vm_pin;
	r->v[V_SWAP] = st.vm_swap;
	r->v[V_RSS] = st.vm_rss;
	r->v[V_LIMIT] = lim.soft;
	return 0;
}

/* Process @pid into @rs if @sel matches it: 0, or -ENOMEM. A process gone
 * meanwhile is left out; one that cannot be read is counted. */
static int add_pid(struct rows *rs, const struct memlock_selector *sel, const char *root,
		   pid_t pid)
{
	struct row *grown;
	int rc;

	grown = mlk_grow(rs->row, &rs->cap, rs->n, sizeof(*rs->row));
	if (grown == NULL)
		return -ENOMEM;
	rs->row = grown;
	rc = read_row(sel, root, pid, &rs->row[rs->n]);
	if (rc == 0)
		rs->n++;
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0 && rc != -ESRCH && rc != -ENOENT) {
		pr_debug("metrics: process %d left out: %s", (int)pid, strerror(-rc));
		rs->errors++;
	}
	return 0;
}

static int collect(const struct memlock_metrics_opts *o, struct rows *rs)
{
	struct memlock_proc_pids *it = memlock_proc_pids_open(o->root);
	pid_t pid;
	int rc;

	if (it == NULL)
		return -errno;
	while ((rc = memlock_proc_pids_next(it, &pid)) == 0) {
		rc = add_pid(rs, o->selector, o->root, pid);
		if (rc < 0)
			break;
	}
	memlock_proc_pids_close(it);
	return rc < 0 ? rc : 0;
}

static void u64_str(uint64_t v, char *buf, size_t sz)
{
	snprintf(buf, sz, "%" PRIu64, v);
}

static int write_processes(FILE *f, const struct rows *rs)
{
	char val[32];
	size_t i, j;
	int rc;

	for (i = 0; i < NVALUES && rs->n > 0; i++) {
		rc = mlk_prom_family(f, proc_families[i].name, "gauge", proc_families[i].help);
		if (rc < 0)
			return rc;
		for (j = 0; j < rs->n; j++) {
			const struct row *r = &rs->row[j];

			if (i == V_LIMIT && r->v[i] == MEMLOCK_UNLIMITED)
				fprintf(f, "%s%s +Inf\n", proc_families[i].name, r->labels);
			else
				fprintf(f, "%s%s %" PRIu64 "\n", proc_families[i].name, r->labels,
					r->v[i]);
		}
	}
	u64_str(rs->errors, val, sizeof(val));
	rc = mlk_prom_family(f, "memlock_scrape_errors", "gauge",
			     "Processes matched but left out of this scrape: they could not be "
			     "read (permission).");
	return rc < 0 ? rc : mlk_prom_sample(f, "memlock_scrape_errors", NULL, val);
}

/* one family of one sample without labels */
static int write_one(FILE *f, const char *name, const char *type, const char *help,
		     uint64_t v)
{
	char val[32];
	int rc;

	u64_str(v, val, sizeof(val));
	rc = mlk_prom_family(f, name, type, help);
	return rc < 0 ? rc : mlk_prom_sample(f, name, NULL, val);
}

static int write_system(FILE *f, const char *root)
{
	struct memlock_meminfo mi = { .sz = sizeof(mi) };
	struct memlock_vmstat vs = { .sz = sizeof(vs) };
	const struct {
		const char *name, *type, *help;
	} sys[] = {
		{ "memlock_mlocked_bytes", "gauge", "Mlocked of /proc/meminfo: memory locked "
		  "by mlock(2), mlockall(2) and SHM_LOCK." },
		{ "memlock_unevictable_bytes", "gauge", "Unevictable of /proc/meminfo: memory "
		  "reclaim cannot evict (locked, ramfs, pinned)." },
		{ "memlock_swap_total_bytes", "gauge", "SwapTotal of /proc/meminfo." },
		{ "memlock_swap_free_bytes", "gauge", "SwapFree of /proc/meminfo." },
		{ "memlock_unevictable_pgs_culled_total", "counter",
		  "Pages put on the unevictable list (/proc/vmstat)." },
		{ "memlock_unevictable_pgs_scanned_total", "counter",
		  "Unevictable pages scanned by reclaim (/proc/vmstat)." },
		{ "memlock_unevictable_pgs_rescued_total", "counter",
		  "Pages moved off the unevictable list (/proc/vmstat)." },
		{ "memlock_unevictable_pgs_mlocked_total", "counter",
		  "Pages mlocked (/proc/vmstat)." },
		{ "memlock_unevictable_pgs_munlocked_total", "counter",
		  "Pages munlocked (/proc/vmstat)." },
		{ "memlock_unevictable_pgs_cleared_total", "counter",
		  "Pages still mlocked when unmapped or truncated (/proc/vmstat)." },
		{ "memlock_unevictable_pgs_stranded_total", "counter",
		  "Mlocked pages that could not be munlocked (/proc/vmstat)." },
	};
	size_t i;
	int rc;

	rc = memlock_proc_read_meminfo(root, &mi);
	if (rc == 0)
		rc = memlock_proc_read_vmstat(root, &vs);
	if (rc < 0)
		return rc;
	/* in the order of sys[] */
	const uint64_t v[] = { mi.mlocked, mi.unevictable, mi.swap_total, mi.swap_free,
			       vs.culled, vs.scanned, vs.rescued, vs.mlocked,
			       vs.munlocked, vs.cleared, vs.stranded };
	_Static_assert(ARRAY_SIZE(v) == ARRAY_SIZE(sys), "a value for each family");

	for (i = 0; i < ARRAY_SIZE(sys) && rc == 0; i++)
		rc = write_one(f, sys[i].name, sys[i].type, sys[i].help, v[i]);
	return rc;
}

int memlock_metrics_write(FILE *f, const struct memlock_metrics_opts *opts)
{
	const unsigned int all = MEMLOCK_METRICS_PROCESSES | MEMLOCK_METRICS_SYSTEM;
	struct memlock_metrics_opts o = { .sz = sizeof(o) };
	struct rows rs = { 0 };
	unsigned int families;
	int rc = 0;

	if (opts != NULL)
		rc = mlk_opts_get(&o, sizeof(o), opts, MLK_SZ_METRICS_OPTS);
	if (rc == 0 && (f == NULL || (o.families & ~all)))
		rc = -EINVAL;
	if (rc < 0)
		return mlk_err(rc);
	families = o.families ? o.families : all;
	if (families & MEMLOCK_METRICS_SYSTEM)
		rc = write_system(f, o.root);
	if (rc == 0 && (families & MEMLOCK_METRICS_PROCESSES)) {
		rc = collect(&o, &rs);
		if (rc == 0)
			rc = write_processes(f, &rs);
	}
	free(rs.row);
	if (rc == 0 && ferror(f))
		rc = -EIO;
	return mlk_err(rc < 0 ? rc : (int)rs.n);
}
