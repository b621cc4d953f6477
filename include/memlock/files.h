/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/files.h - file pages: how much of a file is in the page cache, and walks of file trees. Include <memlock.h>. */
#ifndef MEMLOCK_FILES_H
#define MEMLOCK_FILES_H

#include <memlock/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where a residency figure came from. */
enum memlock_residency_source {
	MEMLOCK_RES_UNKNOWN = 0,	/* the kernel would not tell: see @unknown_err */
	MEMLOCK_RES_CACHESTAT,		/* cachestat(2), Linux 6.5+: exact, no mapping */
	MEMLOCK_RES_MINCORE,		/* mincore(2) on a PROT_NONE mapping of the file */
};

/**
 * struct memlock_residency - how much of a file is in the page cache.
 * @sz: sizeof(struct memlock_residency), set by the caller.
 * @size: the file's size in bytes (st_size when it was read).
 * @pages: pages the file spans, size rounded up to whole pages.
 * @cached: of those, pages in the page cache. Meaningless when @source is
 *          MEMLOCK_RES_UNKNOWN (0 then, never a guess).
 * @dirty, @writeback, @evicted, @recently_evicted: pages, as cachestat(2)
 *          counts them; 0 unless @source is MEMLOCK_RES_CACHESTAT.
 * @source: where @cached came from.
 * @unknown_err: why it is unknown: EPERM when the caller may not write to the
 *          file and is not its owner, where Linux 5.2+ makes mincore(2)
 *          report every page resident and cachestat(2) refuse; 0 otherwise.
 */
struct memlock_residency {
	size_t sz;
	uint64_t size, pages, cached;
	uint64_t dirty, writeback, evicted, recently_evicted;
	enum memlock_residency_source source;
	int unknown_err;
};

/**
 * memlock_file_residency() - page-cache residency of the open file @fd.
 * @fd: a regular file, open for reading.
 * @flags: 0 or MEMLOCK_F_MINCORE.
 * @r: filled; @r->sz must be set.
 *
 * Asks cachestat(2) first. Where the kernel lacks it (ENOSYS) mincore(2) is
 * used, but only where its answer is true: Linux 5.2 and later report every
 * page of a file mapping as resident unless the caller owns the file, may
 * write to it or holds CAP_FOWNER (the same test cachestat(2) makes), and
 * the residency is then reported as unknown, never as 100%. No page of the
 * file is read: the mapping is PROT_NONE and never touched.
 * Return: 0 (also when the residency is unknown), -EINVAL for a bad @r or
 * @flags, -EISDIR or -EINVAL for a file that is not regular, -errno of
 * fstat(2), mmap(2) or mincore(2).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_file_residency(int fd, unsigned int flags,
							  struct memlock_residency *r);

/**
 * memlock_file_locked() - pages of the open file @fd that are locked in
 * memory (mlock(2), MAP_LOCKED, SHM_LOCK...) by any process: the kernel's
 * PG_mlocked flag of each resident page, read from /proc/kpageflags.
 * @locked: set to the count of pages.
 *
 * Needs CAP_SYS_ADMIN (page frame numbers and kpageflags are hidden from
 * everyone else). The resident pages are mapped, never read from disk, and
 * nothing is locked.
 * Return: 0; -EPERM without the right to read the frames, -EINVAL for a file
 * that is not regular, -errno of fstat(2), mmap(2), mincore(2), -EIO.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_file_locked(int fd, uint64_t *locked);

/**
 * memlock_residency_source_name() - "cachestat", "mincore" or "unknown".
 * Return: a static string.
 */
MEMLOCK_API const char *memlock_residency_source_name(enum memlock_residency_source s);

/* What a walk found at a path. */
enum memlock_file_kind {
	MEMLOCK_FILE_REGULAR = 0,	/* a regular file, open: @fd */
	MEMLOCK_FILE_DIRECTORY,		/* a directory, about to be walked (with
					 * MEMLOCK_WALK_RECURSIVE) or not */
	MEMLOCK_FILE_SKIPPED,		/* not read: @skip says why */
	MEMLOCK_FILE_ERROR,		/* could not be read: @err */
};

enum memlock_file_skip {
	MEMLOCK_SKIP_NONE = 0,
	MEMLOCK_SKIP_NOT_REGULAR,	/* a FIFO, socket or device: never opened */
	MEMLOCK_SKIP_SYMLINK,		/* a symbolic link met inside a walk (not followed) */
	MEMLOCK_SKIP_HARDLINK,		/* a file already given under another name */
	MEMLOCK_SKIP_OTHER_FS,		/* on another file system (MEMLOCK_WALK_ONE_FS) */
	MEMLOCK_SKIP_LOOP,		/* a directory that contains itself (bind mount) */
	MEMLOCK_SKIP_DIRECTORY,		/* a directory given without MEMLOCK_WALK_RECURSIVE */
};

/* struct memlock_walk_opts::flags */
#define MEMLOCK_WALK_RECURSIVE	(1u << 0)	/* walk directories (symlinks inside are not followed) */
#define MEMLOCK_WALK_ONE_FS	(1u << 1)	/* stay on each operand's file system */
#define MEMLOCK_WALK_KEEP_FD	(1u << 2)	/* a regular file's fd is the caller's to close (1.1) */

/**
 * struct memlock_walk_opts - how to walk.
 * @sz: sizeof(struct memlock_walk_opts).
 * @flags: MEMLOCK_WALK_*.
 * @include: NULL or a NULL-terminated list of fnmatch(3) patterns: a
 *           regular file is given only when its name matches one.
 * @exclude: NULL or a NULL-terminated list of patterns: a file or directory
 *           whose name matches one is left out, silently.
 * @max_size: regular files bigger than this are left out (0: no limit).
 *
 * The filters apply to what the walk finds; the paths given are always
 * given back. The patterns must stay valid until memlock_files_close().
 */
struct memlock_walk_opts {
	size_t sz;
	unsigned int flags;
	const char *const *include;
	const char *const *exclude;
	uint64_t max_size;
};

/**
 * struct memlock_file - what memlock_files_next() found.
 * @sz: sizeof(struct memlock_file), set by the caller.
 * @path: the path as given plus the names walked, bytes as the file system
 *        has them (not always UTF-8); valid until the next call.
 * @kind: what it is; @fd is open (read-only, close-on-exec) for
 *        MEMLOCK_FILE_REGULAR and closed by the next call (with
 *        MEMLOCK_WALK_KEEP_FD: by the caller, when it likes), -1 otherwise.
 * @skip: why it was skipped; @err: the errno for MEMLOCK_FILE_ERROR.
 * @dev, @ino, @size, @mode, @nlink: its stat(2) fields.
 * @operand: it is one of the paths given, not a file found by the walk.
 * @blocks: its st_blocks (512-byte units) (1.1; a caller built against 1.0
 *          has a smaller @sz and does not get it).
 */
struct memlock_file {
	size_t sz;
	const char *path;
	enum memlock_file_kind kind;
	int fd;
	enum memlock_file_skip skip;
	int err;
	uint64_t dev, ino, size;
	uint32_t mode, nlink;
	bool operand;
	uint64_t blocks;
};

struct memlock_files;

/**
 * memlock_files_open() - start a walk of @paths (physical: symbolic links
 * are followed for operands only, as find -H does).
 * @paths: @n paths. @opts: NULL for the defaults.
 *
 * Memory stays bounded whatever the tree: one open directory per level,
 * and of the files with several hard links only those whose other names
 * have not all been seen yet are remembered (by device and inode). Loops
 * are told by device and inode of the directories above, never by inode
 * alone, so the roots of nested file systems are walked.
 * Return: a walk, or NULL with errno EINVAL/ENOMEM.
 */
MEMLOCK_API struct memlock_files *memlock_files_open(const char *const *paths, size_t n,
						     const struct memlock_walk_opts *opts);

/**
 * memlock_files_next() - the next file.
 * Return: 0 with @f filled, 1 at the end, -EINVAL for a bad @f, -ENOMEM.
 * A path that cannot be read is not an error of the walk: it comes as
 * MEMLOCK_FILE_ERROR with its errno.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_files_next(struct memlock_files *w,
						      struct memlock_file *f);

/** memlock_files_close() - end a walk (NULL is allowed). */
MEMLOCK_API void memlock_files_close(struct memlock_files *w);

/**
 * memlock_file_residency_walked() - page-cache residency of a regular file
 * a walk gave (memlock_files_next()), from the size the walk read.
 * @f: a MEMLOCK_FILE_REGULAR entry whose @fd is still open.
 * @flags: 0 or MEMLOCK_F_MINCORE.
 * @r: filled; @r->sz must be set.
 *
 * As memlock_file_residency(), without a second fstat(2) of the file: a
 * walk of many small files makes one system call fewer per file. @r->size
 * is @f->size. @f may come from another thread than the walk's, as long as
 * its @fd is open (MEMLOCK_WALK_KEEP_FD).
 * Return: 0 (also when the residency is unknown), -EINVAL for a bad @f, @r
 * or @flags, -errno of fstat(2), mmap(2) or mincore(2). Since 1.1.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_file_residency_walked(const struct memlock_file *f,
								 unsigned int flags,
								 struct memlock_residency *r);

/**
 * memlock_file_skip_name() - a short phrase for a skip reason, such as
 * "not a regular file".
 * Return: a static string.
 */
MEMLOCK_API const char *memlock_file_skip_name(enum memlock_file_skip skip);

/* What became of a file given to a holder. */
enum memlock_hold_state {
	MEMLOCK_HOLD_LOCKED = 0,	/* every data page locked */
	MEMLOCK_HOLD_PARTIAL,		/* some: @why says why not the rest */
	MEMLOCK_HOLD_NOT_LOCKED,	/* none: @why */
};

enum memlock_hold_why {
	MEMLOCK_HOLD_WHY_NONE = 0,
	MEMLOCK_HOLD_WHY_BUDGET,	/* the holder's budget is spent */
	MEMLOCK_HOLD_WHY_LIMIT,		/* RLIMIT_MEMLOCK, without CAP_IPC_LOCK (the
					 * kernel's ENOMEM or EPERM) */
	MEMLOCK_HOLD_WHY_MAP_COUNT,	/* the holder's mappings would pass its
					 * share of vm.max_map_count */
	MEMLOCK_HOLD_WHY_MEMORY,	/* the kernel could not lock the pages (ENOMEM,
					 * EAGAIN under the limit: memory, a memory cgroup) */
	MEMLOCK_HOLD_WHY_ERROR,		/* mmap(2) or mlock(2) failed: @err */
	MEMLOCK_HOLD_WHY_CHANGED,	/* the file shrank while it was loading (@size
					 * is its new size) */
	MEMLOCK_HOLD_WHY_CGROUP,	/* the holder's memory cgroup has no room left:
					 * locking more would have the kernel OOM-kill it */
};

/**
 * struct memlock_hold_result - what memlock_holder_add_fd() did with a file.
 * @sz: sizeof(struct memlock_hold_result), set by the caller.
 * @size: the file's size; @data: bytes of its data extents, whole pages
 *        (holes are never read nor locked); @locked: bytes now locked.
 * @maps: mappings the file takes in the holder (one per data extent; one
 *        of 4 GiB or more with 4 KiB pages, 1 TiB with 64 KiB ones, in
 *        several).
 * @state, @why: the outcome; @err: the errno behind MEMLOCK_HOLD_WHY_ERROR,
 *        _LIMIT and _MEMORY.
 * @id: the holder's name for what it holds of the file, for
 *        memlock_holder_remove() and memlock_holder_get(); 0 when nothing
 *        is held (nothing locked).
 * @dev, @ino: the file's.
 */
struct memlock_hold_result {
	size_t sz;
	uint64_t size, data, locked;
	unsigned int maps;
	enum memlock_hold_state state;
	enum memlock_hold_why why;
	int err;
	uint64_t id;
	uint64_t dev, ino;
};

/**
 * struct memlock_holder_opts - a holder's budget and pace.
 * @sz: sizeof(struct memlock_holder_opts).
 * @budget: bytes it may lock in all; 0 for the default: unlimited with
 *          CAP_IPC_LOCK, else the soft RLIMIT_MEMLOCK less what the process
 *          has locked already, and in either case no more than the room
 *          its memory cgroup leaves (less 8 MiB for the holder itself: locked
 *          page cache is charged to the cgroup, and a full cgroup has the
 *          kernel OOM-kill the holder and drop every lock);
 *          MEMLOCK_UNLIMITED for no budget.
 * @rate: bytes per second to load at most (0: as fast as the disk goes).
 * @max_maps: mappings it may make (0: vm.max_map_count less the process's
 *          mappings and a reserve of 1024 for the rest of the program), and
 *          each of its helper processes (MEMLOCK_F_SPREAD) when it is set.
 * @flags: 0 or MEMLOCK_F_SPREAD: when the holder's mappings reach
 *          @max_maps, it forks a helper process that holds the next files
 *          (each process has a map count of its own), and another when
 *          that one is full: no file-count ceiling. The helpers end with
 *          memlock_holder_close(), or with the caller (PR_SET_PDEATHSIG);
 *          they ignore SIGHUP and SIGINT. They are forked by a process
 *          memlock_holder_open() forks (named memlock-spawner, holding
 *          nothing), so that they start with little of the caller's
 *          memory; their parent is that process. fork(2) from the calling
 *          thread: a program with other threads must not hold locks a
 *          helper could need (glibc's malloc is safe).
 */
struct memlock_holder_opts {
	size_t sz;
	uint64_t budget;
	uint64_t rate;
	uint64_t max_maps;
	unsigned int flags;
};

/**
 * struct memlock_holder_totals - what a holder holds.
 * @sz: sizeof(struct memlock_holder_totals).
 * @files: files with at least one page locked; @locked: bytes locked;
 * @budget: the budget (MEMLOCK_UNLIMITED when there is none);
 * @maps, @max_maps: mappings made, and the most it may make, in the
 *          calling process; @helpers: helper processes (MEMLOCK_F_SPREAD),
 *          @helper_maps: their mappings.
 * @cgroup_limit, @cgroup_room: the memory cgroup's limit and the room it left
 *          when the holder was opened (MEMLOCK_UNLIMITED: none).
 */
struct memlock_holder_totals {
	size_t sz;
	uint64_t files, locked, budget, maps, max_maps, helpers, helper_maps;
	uint64_t cgroup_limit, cgroup_room;
};

struct memlock_holder;

/**
 * memlock_holder_open() - a holder: it keeps file pages locked in the
 * calling process until memlock_holder_close().
 * Return: a holder, or NULL with errno EINVAL, ENOMEM, or the errno of
 * reading /proc/sys/vm/max_map_count or /proc/self/{status,limits,maps}.
 */
MEMLOCK_API struct memlock_holder *memlock_holder_open(const struct memlock_holder_opts *opts);

/**
 * memlock_holder_add_fd() - load and lock the data pages of the regular file
 * @fd (which the caller may close afterwards).
 *
 * The data extents (SEEK_DATA/SEEK_HOLE) are mapped read-only, one mapping
 * each, and locked with mlock(2), which reads what is not in the page
 * cache; no byte of the file is touched by the process, so a file that
 * shrinks meanwhile costs an error, never a SIGBUS. What does not fit in
 * the budget is not locked: the file is locked in part, or not at all,
 * and @res says why. A failure never undoes what other files hold.
 * A child forked by the caller inherits the mappings, unlocked: it should
 * unmap them or exec.
 * Return: 0 with @res filled (whatever the outcome), -EINVAL for a bad
 * argument or a file that is not regular, -ENOMEM when the holder cannot
 * grow its own table.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_holder_add_fd(struct memlock_holder *h, int fd,
							 struct memlock_hold_result *res);

/**
 * memlock_holder_remove() - unlock and unmap what @h holds of file @id (a
 * file that was deleted, replaced or is no longer wanted); its bytes go
 * back to the budget. To follow a file that grew or shrank, remove it and
 * add it again: what is still in the page cache is locked again without
 * being read.
 * Return: 0, -EINVAL for a bad @h, -ENOENT for an @id not held, -ECHILD
 * when the helper process that held it is gone.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_holder_remove(struct memlock_holder *h, uint64_t id);

/**
 * memlock_holder_get() - what @h holds of file @id: @res's size, locked,
 * maps, dev, ino and id (the rest 0).
 * Return: 0, -EINVAL, -ENOENT for an @id not held.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_holder_get(const struct memlock_holder *h, uint64_t id,
						      struct memlock_hold_result *res);

/**
 * memlock_holder_next() - what @h holds, file by file, in the order of ids.
 * @cursor: 0 to start; each call moves it past the file it returns.
 * @res: filled as memlock_holder_get() fills it (@res->sz set by the caller).
 *
 * The cursor is an id, and a holder never gives an id twice: files added
 * or removed between calls do not disturb the walk. A file held all along
 * is returned once, a file removed before the cursor reaches it is not
 * returned, and a file added meanwhile is returned (it comes last).
 * Return: 0 with @res filled, 1 at the end (nothing more is held), -EINVAL
 * for a bad @h, @cursor or @res.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_holder_next(const struct memlock_holder *h,
						       uint64_t *cursor,
						       struct memlock_hold_result *res);

/**
 * memlock_holder_add_fds() - memlock_holder_add_fd() of @n files, in order.
 * @fds: @n regular files, open for reading (the caller closes them after).
 * @res: @n results; the caller sets @res[0].sz, which is also the size of
 *       each element of the array (sizeof(struct memlock_hold_result)).
 *
 * Each file gets its own result, the one memlock_holder_add_fd() would
 * give it one file after the other (the budget is spent in the order of
 * @fds). A file that memlock_holder_add_fd() would refuse has that result
 * alone: state MEMLOCK_HOLD_NOT_LOCKED, why MEMLOCK_HOLD_WHY_ERROR and err
 * EINVAL (not a regular file), ENOMEM (the holder's table cannot grow) or
 * ECHILD (the helper process that was to hold it died). With
 * MEMLOCK_F_SPREAD the files for helper processes go in batches: up to
 * SCM_MAX_FD (253) descriptors in a message and one reply per batch; a
 * helper that dies mid-batch fails the files of that batch with ECHILD
 * (it never leaves the caller waiting), and the next batch goes to a new
 * helper.
 * Return: 0 with every result filled, -EINVAL for a bad @h, @fds or @res
 * (nothing done).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_holder_add_fds(struct memlock_holder *h,
							  const int *fds, size_t n,
							  struct memlock_hold_result *res);

/**
 * memlock_holder_add_walked() - memlock_holder_add_fd() of a regular file a
 * walk gave (memlock_files_next()), from what the walk read of it.
 * @f: a MEMLOCK_FILE_REGULAR entry whose @fd is still open, filled by a
 *     1.1 walk (its @sz covers @blocks).
 * @res: filled as memlock_holder_add_fd() fills it; @res->sz must be set.
 *
 * The file's size, blocks, device and inode are taken from @f instead of
 * an fstat(2): a walk that locks many small files makes one system call
 * fewer per file (open, mmap with the lock, close). A file that changed
 * since the walk read it is caught as memlock_holder_add_fd() catches a
 * file that changes while it is loaded. @f->fd stays the caller's (or the
 * walk's) to close.
 * Return: as memlock_holder_add_fd(); -EINVAL also for an @f that is not
 * a regular file with an open @fd. Since 1.1.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_holder_add_walked(struct memlock_holder *h,
							     const struct memlock_file *f,
							     struct memlock_hold_result *res);

/**
 * memlock_holder_totals() - what @h holds.
 * Return: 0, or -EINVAL for a bad @t.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_holder_totals(const struct memlock_holder *h,
							 struct memlock_holder_totals *t);

/** memlock_holder_close() - unlock and unmap everything @h holds (NULL is allowed). */
MEMLOCK_API void memlock_holder_close(struct memlock_holder *h);

/**
 * memlock_hold_why_name() - a short phrase for why a file was not locked in
 * full, such as "the budget is spent".
 * Return: a static string.
 */
MEMLOCK_API const char *memlock_hold_why_name(enum memlock_hold_why why);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_FILES_H */
