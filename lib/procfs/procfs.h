/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/procfs: every reader of /proc, and where a process runs. */
#ifndef MLK_PROCFS_H
#define MLK_PROCFS_H

#include <dirent.h>

#include "core/core.h"

/* procfs.c: paths, whole-file reads and bounded line parsing */
/* ROOT/proc/PID/ followed by @fmt: PID 0 is "self", a negative PID none
 * (ROOT/proc/ + @fmt). 0, or -ENAMETOOLONG: a path is never cut short. */
MLK_HIDDEN int mlk_proc_pathf(char *buf, size_t sz, const char *root, pid_t pid,
			      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
MLK_HIDDEN int mlk_read_file(const char *path, char **buf, size_t *len);
/* @pid, or when its leader has exited (pthread_exit) while other threads run
 * on, one of those: the task whose /proc files show the process's memory. */
MLK_HIDDEN pid_t mlk_live_tid(const char *root, pid_t pid);
/* The whole of a small /proc file, @file of process @pid (as mlk_proc_pathf()),
 * NUL-terminated, in a buffer to free(). */
MLK_HIDDEN int mlk_read_proc(const char *root, pid_t pid, const char *file,
			     char **buf, size_t *len);
/* Split [*p, end) at the next newline; 1 with a line, 0 at the end. */
MLK_HIDDEN int mlk_next_line(const char **p, const char *end, const char **line,
			     size_t *len);
/* Match "key:" at the start of a line; returns the value start or NULL. */
MLK_HIDDEN const char *mlk_field(const char *line, size_t len, const char *key);
/* The number after the first "key:" line of a status-like buffer; -ENOENT
 * without one. */
MLK_HIDDEN int mlk_field_u64(const char *buf, size_t len, const char *key, int base,
			     uint64_t *v);
/* A "key: N kB" line into the uint64_t at offset @off of @obj, for the
 * first of @keys it starts with: that key's index, -EBADMSG for a bad
 * value, -ENOENT for none of them. */
struct mlk_kb_key {
	const char *key;
	size_t off;
};
MLK_HIDDEN int mlk_kb_field(const char *line, size_t len, const struct mlk_kb_key *keys,
			    size_t n, void *obj);
/* Field @field (numbered as proc(5) does, from 3) of a /proc/PID/stat buffer. */
MLK_HIDDEN int mlk_stat_u64(const char *buf, size_t len, int field, uint64_t *v);
MLK_HIDDEN int mlk_parse_u64(const char **s, const char *end, int base, uint64_t *v);
MLK_HIDDEN int mlk_parse_kb(const char *s, const char *end, uint64_t *bytes);
MLK_HIDDEN uint64_t mlk_mul_sat(uint64_t a, uint64_t b);

/* proc-status.c: ROOT/proc/PID/status parsed into @st, and its PPid into
 * *@ppid (0 without one) unless @ppid is NULL; 0 or -errno. */
MLK_HIDDEN int mlk_read_status(const char *root, pid_t pid, struct memlock_status *st,
			       pid_t *ppid);

/* select-match.c: memlock_selector_match() of a process whose status (and
 * PPid) the caller has read already, so that it is read once (metrics/) */
struct memlock_selector;
MLK_HIDDEN int mlk_selector_match_status(const struct memlock_selector *s, const char *root,
					 const struct memlock_status *st, pid_t ppid);

/* Buffer parsers behind the public readers (fuzzed in tests/fuzz). */
MLK_HIDDEN int mlk_parse_status(const char *buf, size_t len, struct memlock_status *st);
MLK_HIDDEN int mlk_parse_limits(const char *buf, size_t len, struct memlock_limits *lim);
MLK_HIDDEN int mlk_parse_meminfo(const char *buf, size_t len, struct memlock_meminfo *mi);
MLK_HIDDEN int mlk_parse_vmstat(const char *buf, size_t len, struct memlock_vmstat *vs);
/* A swaps reader over @buf (/proc/swaps' @len bytes in a buffer of @len + 1,
 * which it takes and frees); NULL with errno EBADMSG (no header), ENOMEM. */
MLK_HIDDEN struct memlock_proc_swaps *mlk_swaps_from_buf(char *buf, size_t len);

/* maps-lines.c: the one reader of /proc/PID/maps, smaps and smaps_rollup
 * (@file), behind memlock_proc_maps_*() and the library's own walks. A
 * process whose leader has exited is read through a live thread. _next():
 * 0 with a mapping, 1 at the end, -errno (errno untouched). */
MLK_HIDDEN struct memlock_proc_maps *mlk_maps_open(const char *root, pid_t pid,
						   const char *file);
MLK_HIDDEN int mlk_maps_next(struct memlock_proc_maps *it, struct memlock_mapping *m);
MLK_HIDDEN void mlk_maps_close(struct memlock_proc_maps *it);
/* @fn on each mapping of @file in turn, until it returns non-zero: that
 * value (> 0: done early, < 0: an error), 0 at the end, or the reader's
 * -errno. */
MLK_HIDDEN int mlk_maps_walk(const char *root, pid_t pid, const char *file,
			     int (*fn)(const struct memlock_mapping *m, void *arg), void *arg);
MLK_HIDDEN struct memlock_proc_maps *mlk_maps_from_file(FILE *f);
MLK_HIDDEN unsigned int mlk_parse_vmflags(const char *s, const char *end);

/* tasks.c: the one walk of /proc/PID/task (and of /proc's PIDs) */
struct mlk_tasks {
	DIR *dir;
};
/* 0 or -errno; _next(): 0 with a task ID, 1 at the end, -errno. */
MLK_HIDDEN int mlk_tasks_open(struct mlk_tasks *it, const char *root, pid_t pid);
MLK_HIDDEN int mlk_tasks_next(struct mlk_tasks *it, pid_t *tid);
MLK_HIDDEN void mlk_tasks_close(struct mlk_tasks *it);
/* The numbered entries of an open /proc directory: as mlk_tasks_next(). */
MLK_HIDDEN int mlk_ids_next(DIR *dir, pid_t *id);
/* Task @tid's @file (as mlk_read_proc()); is @tid a task of process @pid? */
MLK_HIDDEN int mlk_read_task(const char *root, pid_t pid, pid_t tid, const char *file,
			     char **buf, size_t *len);
MLK_HIDDEN bool mlk_task_is_of(const char *root, pid_t pid, pid_t tid);
/* The highest Seccomp mode of @pid's threads (SECCOMP_MODE_FILTER: a
 * filter); -errno when no thread's status could be read (unknown, never
 * "none"). */
MLK_HIDDEN int mlk_seccomp_mode(pid_t pid);

/* cgroup-path.c: the components of a cgroup path, one by one (empty ones
 * skipped): true with [*@comp, *@comp + *@n), false at @end */
MLK_HIDDEN bool mlk_path_component(const char **p, const char *end, const char **comp, size_t *n);
/* Does component [@c, @c + @n) name a systemd unit (.service, .scope, .socket,
 * .mount, .swap, .slice; only .service with @service_only)? */
MLK_HIDDEN bool mlk_unit_name(const char *c, size_t n, bool service_only);
/* The deepest component of cgroup path [@path, @path + @len) that names a
 * unit (a service other than a user@ manager with @service_only), copied
 * to @unit (of @sz bytes); false when there is none that fits. */
MLK_HIDDEN bool mlk_cgroup_path_unit(const char *path, size_t len, bool service_only, char *unit,
				     size_t sz);

/* context.c: where a process runs */
struct mlk_context {
	enum memlock_context kind;
	bool user_unit;		/* a systemd --user service */
	char unit[128];
};
MLK_HIDDEN void mlk_parse_cgroup(const char *buf, size_t len, struct mlk_context *ctx);
MLK_HIDDEN int mlk_userns_is_init(const char *root, pid_t pid);
/* memcg.c: the memory cgroup limit of process @pid (0: the caller), and the
 * room it leaves (the tightest level); MEMLOCK_UNLIMITED when none, -ENOENT
 * when there is no memory controller. */
MLK_HIDDEN int mlk_read_memcg(pid_t pid, uint64_t *limit, uint64_t *room);
/* mapcount.c: vm.max_map_count, and the mappings of a process */
MLK_HIDDEN int mlk_read_max_map_count(const char *root, uint64_t *max);
MLK_HIDDEN int mlk_count_maps(const char *root, pid_t pid, uint64_t *n);

#endif /* MLK_PROCFS_H */
