// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The node_exporter textfile (config: metrics PATH [interval=S]): the
 * library's exposition (lib/metrics) of the system and of the processes
 * memlockd follows, then memlockd's own families, written to PATH.tmp and
 * renamed over PATH, so that a scrape reads a whole file, old or new.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "memlockd.h"

/* the followed processes as a selector (pid=A pid=B...), NULL for none */
static struct memlock_selector *followed(const struct daemon *d)
{
	struct memlock_selector *s = NULL;
	char term[32];

	for (size_t i = 0; i < d->nprocs; i++) {
		if (d->procs[i].state == P_NOMATCH)
			continue;
		if (s == NULL && (s = memlock_selector_new()) == NULL)
			return NULL;
		snprintf(term, sizeof(term), "pid=%d", (int)d->procs[i].pid);
		if (memlock_selector_add(s, term, NULL) < 0) {
			memlock_selector_free(s);
			return NULL;
		}
	}
	return s;
}

static int own_families(FILE *f, const struct daemon *d)
{
	char where[PATH_MAX + 16];
	int rc;

	rc = memlock_metrics_family(f, "memlock_daemon_rules", "gauge",
				    "Rules of memlockd's configuration.");
	rc = rc ?: memlock_metrics_sample(f, "memlock_daemon_rules", NULL, (double)d->conf.nrules);
	rc = rc ?: memlock_metrics_family(f, "memlock_daemon_matched_processes", "gauge",
					  "Processes memlockd follows, by the rule that matched them.");
	for (size_t i = 0; rc == 0 && i < d->conf.nrules; i++) {
		const struct rule *r = &d->conf.rules[i];
		const char *labels[] = { "rule", rule_where(r, where, sizeof(where)), NULL };
		size_t n = 0;

		if (r->kind != RULE_PROCESS)
			continue;
		for (size_t k = 0; k < d->nprocs; k++)
			n += d->procs[k].rule == r && d->procs[k].state != P_NOMATCH;
		rc = memlock_metrics_sample(f, "memlock_daemon_matched_processes", labels, (double)n);
	}
	rc = rc ?: memlock_metrics_family(f, "memlock_daemon_failures_total", "counter",
					  "Locks memlockd could not make, since it started.");
	rc = rc ?: memlock_metrics_sample(f, "memlock_daemon_failures_total", NULL,
					  (double)d->failures_total);
	return rc;
}

int metrics_write(const struct daemon *d)
{
	struct memlock_metrics_opts o = { .sz = sizeof(o) };
	const char *path = d->conf.metrics_path;
	char tmp[PATH_MAX];
	FILE *f;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = -errno;
		close(fd);
		unlink(tmp);
		return rc;
	}
	o.selector = followed(d);
	/* none followed: the system's families alone (no selector is every process) */
	o.families = o.selector ? 0 : MEMLOCK_METRICS_SYSTEM;
	rc = memlock_metrics_write(f, &o);
	memlock_selector_free((struct memlock_selector *)o.selector);
	rc = rc < 0 ? rc : own_families(f, d);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}
