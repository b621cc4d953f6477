/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/proc.h - readers of /proc: a process's lock state, mappings, the system's. Include <memlock.h>. */
#ifndef MEMLOCK_PROC_H
#define MEMLOCK_PROC_H

#include <memlock/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct memlock_status - the lock-related lines of /proc/PID/status.
 * @sz: sizeof(struct memlock_status), set by the caller (see common.h).
 * Byte values; @has_mm is false for kernel threads (no Vm* lines).
 * @name: the command name's bytes as the process set them (any but NUL:
 *        control characters, invalid UTF-8), the kernel's \n and \\ undone.
 */
struct memlock_status {
	size_t sz;
	pid_t pid;
	char name[64];
	char state;
	uid_t ruid, euid;
	pid_t tracer_pid;
	unsigned int threads;
	bool has_mm;
	uint64_t vm_size, vm_lck, vm_pin, vm_rss, vm_swap;
	uint64_t cap_eff;
	uint64_t cap_prm;	/* CapPrm: what another process must hold to read it */
};

/**
 * memlock_proc_read_status() - parse /proc/PID/status.
 * @pid: the process, 0 for "self".
 * @st: filled; @st->sz set by the caller.
 * Return: 0, -EINVAL (@st NULL or @st->sz too small), -ENOENT/-ESRCH (no
 * such process), -EACCES, -EBADMSG (no Pid or Name line: not a status file).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_status(const char *root, pid_t pid, struct memlock_status *st);

/* RLIMIT_MEMLOCK of a process; MEMLOCK_UNLIMITED for "unlimited". @sz:
 * sizeof(struct memlock_limits), set by the caller (read or given). */
struct memlock_limits {
	size_t sz;
	uint64_t soft, hard;
};

/**
 * memlock_proc_read_limits() - the "Max locked memory" line of /proc/PID/limits.
 * @lim: filled; @lim->sz set by the caller.
 * Return: 0, -EINVAL (@lim->sz), -ENOENT, -EACCES, -EBADMSG (line missing
 * or garbled).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_limits(const char *root, pid_t pid, struct memlock_limits *lim);

/* VmFlags bits of a mapping (smaps), the ones locking and secrets care
 * about (MEMLOCK_VMA_SECRETMEM comes from the path, in maps files too). */
#define MEMLOCK_VMA_LOCKED	(1u << 0)	/* lo: VM_LOCKED */
#define MEMLOCK_VMA_ONFAULT	(1u << 1)	/* lf: VM_LOCKONFAULT */
#define MEMLOCK_VMA_IO		(1u << 2)	/* io: VM_IO, never locked */
#define MEMLOCK_VMA_PFNMAP	(1u << 3)	/* pf: VM_PFNMAP, never locked */
#define MEMLOCK_VMA_DONTEXPAND	(1u << 4)	/* de: never locked */
#define MEMLOCK_VMA_MIXEDMAP	(1u << 5)	/* mm: never locked */
#define MEMLOCK_VMA_HUGETLB	(1u << 6)	/* ht: hugetlb, never locked */
#define MEMLOCK_VMA_DROPPABLE	(1u << 7)	/* dp: MAP_DROPPABLE, never locked */
#define MEMLOCK_VMA_DONTDUMP	(1u << 8)	/* dd: MADV_DONTDUMP, not in core dumps */
#define MEMLOCK_VMA_WIPEONFORK	(1u << 9)	/* wf: MADV_WIPEONFORK, zero in fork children */
#define MEMLOCK_VMA_SECRETMEM	(1u << 10)	/* a memfd_secret(2) area: its path is
						 * "/secretmem (deleted)" */
#define MEMLOCK_VMA_HAS_FLAGS	(1u << 31)	/* a VmFlags line was seen */

/**
 * struct memlock_mapping - one mapping of /proc/PID/smaps (or the totals of
 * smaps_rollup, where @start/@end span all mappings and @path is NULL).
 * @sz: sizeof(struct memlock_mapping), set by the caller.
 * @path: "" for anonymous memory; a file's path as bytes (the kernel's \012
 *        for a newline undone); points into the reader, valid until the
 *        next memlock_proc_maps_next() or memlock_proc_maps_close().
 * @size ... @anonymous: the smaps fields, in bytes.
 */
struct memlock_mapping {
	size_t sz;
	uint64_t start, end, offset, inode;
	char perms[5];
	const char *path;
	uint64_t size, rss, pss, locked, swap, anonymous;
	unsigned int vmflags;
};

struct memlock_proc_maps;

/**
 * memlock_proc_maps_open() - start reading /proc/PID/smaps.
 * Return: a reader, or NULL with errno ENOENT/ESRCH/EACCES/ENOMEM.
 */
MEMLOCK_API struct memlock_proc_maps *memlock_proc_maps_open(const char *root, pid_t pid);

/**
 * memlock_proc_maps_next() - the next mapping.
 * @m: filled; @m->sz set by the caller.
 * Return: 0 with @m filled, 1 at the end, -EINVAL (@m->sz), -EBADMSG for a
 * line that is neither a mapping header nor a field, -errno on read errors.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_proc_maps_next(struct memlock_proc_maps *it,
						     struct memlock_mapping *m);

/** memlock_proc_maps_close() - free a reader (NULL is allowed). */
MEMLOCK_API void memlock_proc_maps_close(struct memlock_proc_maps *it);

/**
 * memlock_proc_read_rollup() - parse /proc/PID/smaps_rollup.
 * @total: filled; @total->sz set by the caller.
 * Return: 0, -EINVAL (@total->sz), -ENOENT, -EACCES, -EBADMSG.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_rollup(const char *root, pid_t pid, struct memlock_mapping *total);

/* The lock and swap lines of /proc/meminfo, in bytes. @sz:
 * sizeof(struct memlock_meminfo), set by the caller. */
struct memlock_meminfo {
	size_t sz;
	uint64_t mem_total, mem_available;
	uint64_t mlocked, unevictable;
	uint64_t swap_total, swap_free;
};

/**
 * memlock_proc_read_meminfo() - parse /proc/meminfo.
 * Return: 0, -EINVAL (@mi->sz), -ENOENT, -EBADMSG (MemTotal or Mlocked
 * missing).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_meminfo(const char *root, struct memlock_meminfo *mi);

/* The unevictable_pgs_* event counters of /proc/vmstat, in pages. @sz:
 * sizeof(struct memlock_vmstat), set by the caller. */
struct memlock_vmstat {
	size_t sz;
	uint64_t culled, scanned, rescued, mlocked, munlocked, cleared, stranded;
};

/**
 * memlock_proc_read_vmstat() - parse the unevictable_pgs_* lines of /proc/vmstat.
 * Return: 0, -EINVAL (@vs->sz), -ENOENT, -EBADMSG (no
 * unevictable_pgs_mlocked line).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int
memlock_proc_read_vmstat(const char *root, struct memlock_vmstat *vs);

/**
 * struct memlock_swap - one swap area of /proc/swaps.
 * @sz: sizeof(struct memlock_swap), set by the caller.
 * @path: the file or device as bytes, whatever its length, with the
 *        kernel's octal escapes undone (\040 space, \011 tab, \012
 *        newline, \134 backslash); points into the reader, valid until the
 *        next memlock_proc_swaps_next() or memlock_proc_swaps_close().
 * @type: "file" or "partition", valid as long as @path.
 * @size, @used: in bytes.
 * @prio: the area's priority.
 */
struct memlock_swap {
	size_t sz;
	const char *path;
	const char *type;
	uint64_t size, used;
	int prio;
};

struct memlock_proc_swaps;

/**
 * memlock_proc_swaps_open() - start reading ROOT/proc/swaps (read whole,
 * at once: the areas of one moment).
 * Return: a reader, or NULL with errno ENOENT, EACCES, ENOMEM, EBADMSG (not
 * a swaps file: no header line).
 */
MEMLOCK_API struct memlock_proc_swaps *memlock_proc_swaps_open(const char *root);

/**
 * memlock_proc_swaps_next() - the next swap area.
 * @sw: filled; @sw->sz set by the caller.
 * Return: 0 with @sw filled, 1 at the end, -EINVAL (@sw->sz), -EBADMSG (a
 * garbled line).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_proc_swaps_next(struct memlock_proc_swaps *it,
							   struct memlock_swap *sw);

/** memlock_proc_swaps_close() - free a reader (NULL is allowed). */
MEMLOCK_API void memlock_proc_swaps_close(struct memlock_proc_swaps *it);

struct memlock_proc_pids;

/**
 * memlock_proc_pids_open() - iterate the processes under ROOT/proc.
 * Return: an iterator, or NULL with errno.
 */
MEMLOCK_API struct memlock_proc_pids *memlock_proc_pids_open(const char *root);

/**
 * memlock_proc_pids_next() - the next PID, in the directory's order.
 * Return: 0 with @pid set, 1 at the end, -errno on error.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_proc_pids_next(struct memlock_proc_pids *it, pid_t *pid);

/** memlock_proc_pids_close() - free an iterator (NULL is allowed). */
MEMLOCK_API void memlock_proc_pids_close(struct memlock_proc_pids *it);

/**
 * memlock_proc_has_cap_ipc_lock() - whether CAP_IPC_LOCK of @st counts for
 * the kernel's mlock checks: effective, and in the initial user namespace.
 * @in_child_userns: if not NULL, set when the process is in a child user
 * namespace (where its capabilities do not count for mlock).
 * When the namespace cannot be determined, it is taken to be the initial one.
 * Return: true or false.
 */
MEMLOCK_API bool memlock_proc_has_cap_ipc_lock(const char *root,
					       const struct memlock_status *st,
					       bool *in_child_userns);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_PROC_H */
