/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/needs.h - what a program needs in RAM: an ELF program's shared-library closure, the files a process maps. Include <memlock.h>. */
#ifndef MEMLOCK_NEEDS_H
#define MEMLOCK_NEEDS_H

#include <memlock/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a file is to the program. */
enum memlock_need_kind {
	MEMLOCK_NEED_PROGRAM = 0,	/* the program itself (/proc/PID/exe) */
	MEMLOCK_NEED_INTERPRETER,	/* its dynamic loader (PT_INTERP) */
	MEMLOCK_NEED_LIBRARY,		/* a shared library; from a process: any
					 * other regular file it maps */
	MEMLOCK_NEED_MISSING,		/* a DT_NEEDED library that was not found:
					 * @path is NULL, @err says why */
	MEMLOCK_NEED_STALE,		/* a file the process maps that was deleted
					 * or replaced since: its pages are not the
					 * ones at @path (@err) */
};

/**
 * struct memlock_need - one file a program needs.
 * @sz: sizeof(struct memlock_need), set by the caller.
 * @path: the file as the loader (or /proc/PID/maps) names it, inside the
 *        root given to the open call (prefix the root to open it); bytes,
 *        not always UTF-8; NULL for MEMLOCK_NEED_MISSING. Valid until the
 *        next memlock_needs_next() or memlock_needs_close().
 * @name: the DT_NEEDED string that named a library (MISSING included);
 *        NULL for the program, the interpreter and a process's files.
 * @from: the path of the object whose DT_NEEDED named it; NULL otherwise.
 * @kind: what it is.
 * @depth: 0 for the program, 1 for the interpreter and the program's own
 *        DT_NEEDED, one more for each level below; 0 for a process's files.
 * @err: MISSING: ENOENT when no candidate was found, ENOEXEC when only
 *        files of another class or machine (or not ELF) were; STALE: ENOENT
 *        for a deleted file, ESTALE for one replaced by another inode;
 *        0 otherwise.
 */
struct memlock_need {
	size_t sz;
	const char *path;
	const char *name;
	const char *from;
	enum memlock_need_kind kind;
	int depth;
	int err;
};

struct memlock_needs;

/**
 * memlock_needs_open() - the shared-library closure of the ELF program
 * @path, as glibc's dynamic loader would resolve it, found without running
 * anything (neither the program nor ldd(1)).
 * @root: the directory the paths are resolved under (symbolic links
 *        included: openat2(2)'s RESOLVE_IN_ROOT where the kernel has it),
 *        NULL for "/". Its etc/ld.so.cache is the cache read.
 * @path: the program, inside @root.
 * @flags: 0.
 *
 * The program comes first, then its interpreter (PT_INTERP), then the
 * libraries breadth-first, as ld.so loads them; each file once (by device
 * and inode), whatever names lead to it. A library is looked for as ld.so
 * does: a DT_NEEDED name with a slash is that path; otherwise the DT_RPATH
 * of the object that needs it and of the objects that loaded that one, up
 * to the program (only where the needing object has no DT_RUNPATH; an
 * object with both uses DT_RUNPATH alone), its DT_RUNPATH, then
 * /etc/ld.so.cache (the "glibc-ld.so.cache1.1" format; entries for the
 * program's class and machine, without hardware-capability variants), then
 * /lib/TRIPLET, /usr/lib/TRIPLET, /lib64 (or /lib32), /usr/lib64 (or
 * /usr/lib32), /lib, /usr/lib; the cache and these directories are skipped
 * for an object linked with -z nodeflib. A candidate of another class,
 * byte order or machine is passed over, as ld.so does. $ORIGIN, $LIB and
 * $PLATFORM are expanded in rpaths ($ORIGIN is the directory of the
 * program's resolved path, of a library's path as found).
 * LD_LIBRARY_PATH and LD_PRELOAD are not used: the caller's environment is
 * not the program's. glibc-hwcaps subdirectories are not searched.
 * Hostile files are safe: every offset and size is checked against the
 * file, and memory stays bounded.
 * Return: an iterator, or NULL with errno EINVAL (@flags, @path NULL),
 * ENOEXEC (not an ELF program, or a truncated or corrupt one), ENOMEM, or
 * the errno of opening @root or @path.
 */
MEMLOCK_API struct memlock_needs *memlock_needs_open(const char *root, const char *path,
						     unsigned int flags);

/**
 * memlock_needs_open_pid() - the files the running process @pid maps, each
 * once (by device and inode), read from /proc/PID/maps and /proc/PID/exe:
 * the process is neither attached to nor stopped.
 * @root: the directory that holds "proc/" and the files (NULL for "/").
 * @flags: 0.
 *
 * The program (/proc/PID/exe) comes first, then the other regular files in
 * address order, with the paths /proc/PID/maps shows. A file deleted since
 * it was mapped (" (deleted)"), or whose path now leads to another inode
 * (a package upgrade replaced it), comes as MEMLOCK_NEED_STALE. Anonymous
 * memory, special mappings ([heap], [vdso]...) and device files are left
 * out.
 * Return: an iterator, or NULL with errno EINVAL, ENOMEM, or the errno of
 * reading /proc/PID/maps (ENOENT, ESRCH, EACCES).
 */
MEMLOCK_API struct memlock_needs *memlock_needs_open_pid(const char *root, pid_t pid,
							 unsigned int flags);

/**
 * memlock_needs_next() - the next file.
 * @n: filled; @n->sz set by the caller.
 * A library that is not found is not an error: it comes as
 * MEMLOCK_NEED_MISSING (each name once).
 * Return: 0 with @n filled, 1 at the end, -EINVAL for a bad @n, -ENOMEM,
 * -E2BIG past 16384 files, -errno of reading /proc/PID/maps.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_needs_next(struct memlock_needs *it,
						      struct memlock_need *n);

/** memlock_needs_close() - free an iterator (NULL is allowed). */
MEMLOCK_API void memlock_needs_close(struct memlock_needs *it);

/**
 * memlock_need_kind_name() - "program", "interpreter", "library", "missing"
 * or "stale".
 * Return: a static string.
 */
MEMLOCK_API const char *memlock_need_kind_name(enum memlock_need_kind kind);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_NEEDS_H */
