/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/secret.h - a heap for secrets: locked, out of core dumps, wiped in fork children. Include <memlock.h>. */
#ifndef MEMLOCK_SECRET_H
#define MEMLOCK_SECRET_H

#include <memlock/predict.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What an allocation does when its memory cannot be locked. */
enum memlock_secret_policy {
	MEMLOCK_SECRET_STRICT = 0,	/* it fails (NULL, errno; memlock_secret_why()) */
	MEMLOCK_SECRET_BEST_EFFORT,	/* it succeeds unlocked: counted, and the
					 * callback is told (MEMLOCK_SECRET_EV_UNLOCKED) */
};

/* Where the heap's memory comes from. Values are stable. */
enum memlock_secret_backend {
	MEMLOCK_SECRET_NONE = 0,	/* no memory yet */
	MEMLOCK_SECRET_MLOCK,		/* anonymous memory, mlock(2)ed */
	MEMLOCK_SECRET_MEMFD,		/* memfd_secret(2): out of the kernel's direct map */
	MEMLOCK_SECRET_UNLOCKED,	/* anonymous memory left unlocked (best effort) */
};

/* What the event callback is told. Values are stable. */
enum memlock_secret_event {
	MEMLOCK_SECRET_EV_UNLOCKED = 1,	/* best effort: @bytes more run unlocked */
	MEMLOCK_SECRET_EV_NO_MEMFD,	/* memfd_secret(2) was asked for and is not
					 * available (@err): the mlock backend is used */
	MEMLOCK_SECRET_EV_OVERWRITE,	/* a canary of the secret at @ptr (@bytes) was
					 * overwritten: abort(3) follows */
	MEMLOCK_SECRET_EV_BAD_FREE,	/* @ptr was not a live secret (double free,
					 * foreign pointer): abort(3) follows */
};

typedef void (*memlock_secret_event_fn)(enum memlock_secret_event ev, const void *ptr,
					size_t bytes, int err, void *userdata);

#define MEMLOCK_SECRET_F_MEMFD	(1u << 0)	/* memfd_secret(2) where the kernel offers it */
#define MEMLOCK_SECRET_F_DEBUG	(1u << 1)	/* a guard page after each object, canaries
						 * checked on free */

/**
 * struct memlock_secret_opts - how the secret heap works.
 * @sz: sizeof(struct memlock_secret_opts) (MEMLOCK_OPTS()).
 * @policy: strict (the default) or best effort.
 * @flags: 0 or MEMLOCK_SECRET_F_MEMFD, MEMLOCK_SECRET_F_DEBUG. memfd_secret
 *         slabs are charged in full against RLIMIT_MEMLOCK when mapped, and
 *         block hibernation of the whole machine while mapped (empty slabs
 *         are unmapped); fork children do not map them (MADV_DONTFORK).
 * @on_event: called (from the allocating or freeing thread) on the events
 *            above, or NULL.
 * @userdata: passed back to @on_event.
 */
struct memlock_secret_opts {
	size_t sz;
	enum memlock_secret_policy policy;
	unsigned int flags;
	memlock_secret_event_fn on_event;
	void *userdata;
};

/**
 * struct memlock_secret_info - what is true of one secret.
 * @sz: set by the caller to sizeof(struct memlock_secret_info).
 * @backend: where its memory comes from.
 * @locked: its pages are locked in RAM (never swapped).
 * @dump_excluded: its pages are left out of core dumps (MADV_DONTDUMP).
 * @wipe_on_fork: a fork child reads zeros there (MADV_WIPEONFORK).
 * @not_in_child: a fork child has no mapping there (MADV_DONTFORK).
 * @guarded: a guard page follows the object itself (debug mode); else the
 *           slab it lies in is between guard pages.
 * @size: the bytes usable from @start.
 * @start: the start of the secret that holds the pointer asked about.
 */
struct memlock_secret_info {
	size_t sz;
	enum memlock_secret_backend backend;
	bool locked, dump_excluded, wipe_on_fork, not_in_child, guarded;
	size_t size;
	void *start;
};

/**
 * struct memlock_secret_stats - the heap's counters.
 * @sz: set by the caller to sizeof(struct memlock_secret_stats).
 * @backend: the backend of new slabs (MEMLOCK_SECRET_NONE before any).
 * @bytes_locked: bytes of slabs locked in RAM now.
 * @bytes_unlocked: bytes of slabs that are not (best effort; fork children).
 * @live: secrets allocated and not freed; @live_bytes: their slot bytes.
 * @slabs: mappings the heap holds.
 * @failures: allocations that returned NULL.
 * @fallbacks: slabs mapped unlocked by the best-effort policy.
 */
struct memlock_secret_stats {
	size_t sz;
	enum memlock_secret_backend backend;
	uint64_t bytes_locked, bytes_unlocked;
	uint64_t live, live_bytes;
	uint64_t slabs, failures, fallbacks;
};

/**
 * memlock_secret_init() - set the heap's policy, backend and callback.
 * @opts: the options; NULL restores the defaults (strict, mlock, no debug
 *        mode unless MEMLOCK_SECRET_DEBUG=1 is in the environment).
 *
 * The policy and the callback can change at any time; the backend and the
 * debug mode only while the heap holds no slab.
 * Return: 0, -EINVAL (unknown flag or policy, @sz too small), -E2BIG,
 * -EBUSY (another backend or debug mode while slabs are held).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_secret_init(const struct memlock_secret_opts *opts);

/**
 * memlock_secret_alloc() - @size bytes for a secret, zero-filled, 16-byte
 * aligned, locked in RAM, out of core dumps, zero in fork children.
 * Return: the secret, or NULL with errno EINVAL (@size 0), ENOMEM or EPERM
 * (strict policy, the memory cannot be locked: memlock_secret_why() says
 * why), EAGAIN (memfd_secret over the limit).
 */
MEMLOCK_API void *memlock_secret_alloc(size_t size);

/**
 * memlock_secret_calloc() - memlock_secret_alloc(@n * @size).
 * Return: as memlock_secret_alloc(); NULL with errno ENOMEM when @n * @size
 * overflows.
 */
MEMLOCK_API void *memlock_secret_calloc(size_t n, size_t size);

/**
 * memlock_secret_aligned_alloc() - memlock_secret_alloc() aligned to @align.
 * @align: a power of two, at most 65536.
 * Return: as memlock_secret_alloc(); NULL with errno EINVAL for a bad @align.
 */
MEMLOCK_API void *memlock_secret_aligned_alloc(size_t align, size_t size);

/**
 * memlock_secret_free() - wipe the secret @p and give its memory back
 * (NULL is allowed). A pointer that is not a live secret is reported to the
 * callback (MEMLOCK_SECRET_EV_BAD_FREE), then abort(3) is called, as free(3)
 * does on a double free; in debug mode an overwritten canary likewise
 * (MEMLOCK_SECRET_EV_OVERWRITE).
 */
MEMLOCK_API void memlock_secret_free(void *p);

/**
 * memlock_secret_wipe() - zero @len bytes at @p in a way the compiler cannot
 * leave out (explicit_bzero(3)).
 */
MEMLOCK_API void memlock_secret_wipe(void *p, size_t len);

/**
 * memlock_secret_info() - what is true of the secret that holds @p (its
 * start or any byte of it).
 * Return: 0, -EINVAL (@info NULL or @info->sz too small), -ENOENT (@p is in
 * no live secret).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_secret_info(const void *p,
						       struct memlock_secret_info *info);

/**
 * memlock_secret_stats() - the heap's counters.
 * Return: 0, -EINVAL (@st NULL or @st->sz too small).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_secret_stats(struct memlock_secret_stats *st);

/**
 * memlock_secret_why() - why the last allocation that failed, or ran
 * unlocked, could not lock its memory: the predictor's verdict (cause,
 * reason, fixes: the limit, CAP_IPC_LOCK, VmLck, the map count).
 * @v: a verdict of memlock_verdict_new(), filled.
 * Return: 0, -EINVAL (@v NULL), -ENOENT (nothing failed yet).
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_secret_why(struct memlock_verdict *v);

/**
 * memlock_secret_backend_name() - "mlock", "memfd_secret", "unlocked" or
 * "none".
 * Return: a static string ("unknown" for a value it does not know).
 */
MEMLOCK_API const char *memlock_secret_backend_name(enum memlock_secret_backend b);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_SECRET_H */
