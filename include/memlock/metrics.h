/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/metrics.h - lock and swap state in the Prometheus text exposition format. Include <memlock.h>. */
#ifndef MEMLOCK_METRICS_H
#define MEMLOCK_METRICS_H

#include <stdio.h>

#include <memlock/common.h>
#include <memlock/select.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The families memlock_metrics_write() writes (0: all of them). */
#define MEMLOCK_METRICS_PROCESSES (1u << 0)	/* memlock_process_*, memlock_scrape_errors */
#define MEMLOCK_METRICS_SYSTEM	  (1u << 1)	/* /proc/meminfo and /proc/vmstat */

/**
 * struct memlock_metrics_opts - what memlock_metrics_write() writes.
 * @sz: sizeof(struct memlock_metrics_opts), set by the caller.
 * @selector: the processes to write, NULL for every process (kernel
 *            threads, which have no memory, are always left out).
 * @root: the directory that holds "proc/", NULL or "/" for the live system.
 * @families: MEMLOCK_METRICS_* bits, 0 for all of them.
 */
struct memlock_metrics_opts {
	size_t sz;
	const struct memlock_selector *selector;
	const char *root;
	unsigned int families;
};

/**
 * memlock_metrics_write() - write the lock and swap state to @f in the
 * Prometheus text exposition format (version 0.0.4), one family after the
 * other, each with its HELP and TYPE lines and all its samples together.
 * @opts: may be NULL (every family, every process, the live system).
 *
 * Per process (labels pid, comm and unit, the systemd unit of its cgroup or
 * ""): memlock_process_locked_bytes, _pinned_bytes, _swap_bytes, _rss_bytes
 * and _memlock_limit_bytes (the soft limit, +Inf for unlimited). System:
 * memlock_mlocked_bytes, memlock_unevictable_bytes, memlock_swap_total_bytes,
 * memlock_swap_free_bytes and the counters memlock_unevictable_pgs_*_total
 * (pages). A process that exits while it is read is left out; one that
 * cannot be read (EACCES) is left out and counted in the gauge
 * memlock_scrape_errors. Label values are escaped and made valid UTF-8
 * (U+FFFD for a byte that is not), whatever a process names itself.
 *
 * The caller may append families of its own with memlock_metrics_family()
 * and memlock_metrics_sample(), under other names; nothing closes the
 * exposition. @f is not flushed.
 * Return: the number of processes written (>= 0), -EINVAL (@f NULL,
 * @opts->sz, unknown @families bits), -E2BIG (@opts), -ENOENT, -EBADMSG
 * (/proc/meminfo or /proc/vmstat), -ENOMEM, -EIO (@f has its error flag).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_metrics_write(FILE *f,
							 const struct memlock_metrics_opts *opts);

/**
 * memlock_metrics_family() - begin a family: its HELP and TYPE lines.
 * @name: the metric name, [a-zA-Z_:][a-zA-Z0-9_:]*.
 * @type: "counter", "gauge" or "untyped".
 * @help: any bytes; escaped (\\ and \n) and made valid UTF-8.
 * Return: 0, -EINVAL (a NULL argument, a bad @name or @type), -EIO.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_metrics_family(FILE *f, const char *name,
							  const char *type, const char *help);

/**
 * memlock_metrics_sample() - one sample line of the family begun last.
 * @name: the metric name, as for memlock_metrics_family().
 * @labels: NULL, or label names and values in turn, then NULL:
 *          { "pid", "42", "comm", name, NULL }. Names are
 *          [a-zA-Z_][a-zA-Z0-9_]* and not "__" first; values are any bytes,
 *          escaped (\\, \" and \n) and made valid UTF-8.
 * @value: written exactly when a whole number of at most 2^53, else with
 *         17 significant digits; +Inf, -Inf and NaN as the format has them.
 * Return: 0, -EINVAL (a NULL @f or @name, a bad name, a name without its
 * value), -EIO.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_metrics_sample(FILE *f, const char *name,
							  const char *const *labels, double value);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_METRICS_H */
