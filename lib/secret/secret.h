/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/secret: the locked secret heap. Memory comes in slabs, one mapping
 * each between two guard pages: 64 KiB of objects of one size class, or a
 * page run for one large object (every object in debug mode, its end
 * against the guard page). The bookkeeping (struct mlk_slab, the thread
 * caches, the address table) lives in ordinary memory, outside the secret
 * pages, so that an overflow of a secret cannot rewrite it unnoticed.
 */
#ifndef MLK_SECRET_H
#define MLK_SECRET_H

#include <pthread.h>
#include <stdatomic.h>

#include "predict/predict.h"

#define MLK_SLAB_SHIFT 16			/* slabs start on 64 KiB boundaries */
#define MLK_SLAB_BYTES (1ul << MLK_SLAB_SHIFT)	/* the data of a small slab, at most
						 * (a thread's first of a class: a page) */
#define MLK_MAX_ALIGN MLK_SLAB_BYTES
#define MLK_N_CLASS 14
#define MLK_SMALL_MAX 2048			/* the largest size class */
#define MLK_LARGE (-1)				/* cls of a page-run slab */
#define MLK_MIN_OBJ 16
#define MLK_BITMAP_WORDS (MLK_SLAB_BYTES / MLK_MIN_OBJ / 64)
#define MLK_CANARY 16				/* canary bytes before a debug object */
#define MLK_LINE 64				/* a cache line */

struct mlk_tcache;

/*
 * A slab of small objects belongs to one thread (@owner) while that thread
 * lives: it alone hands out its objects and takes back its own frees, in
 * lines of the record no other thread writes. Another thread's free sets a
 * bit in @remote, which the owner drains. A slab without an owner (its
 * thread ended) is in its class's pool, under the heap's lock. Records are
 * never given back to malloc(3), only reused: a thread that freed into a
 * slab may still read its @owner once after the slab is gone.
 */
struct mlk_slab {
	/* read by every thread; written when mapped, retired or handed over */
	uintptr_t base;			/* the data: [base, base + len) */
	size_t len;
	int cls;			/* size class, or MLK_LARGE */
	unsigned int obj_size, nobj;	/* small slabs */
	uint32_t inv;			/* 2^32 / obj_size + 1: off * inv >> 32 divides */
	uintptr_t obj;			/* large: the object, @size bytes */
	size_t size;
	enum memlock_secret_backend backend;
	bool locked, dontdump, wipeonfork, dontfork, guarded;
	bool retired;			/* inherited by a fork child: no new objects */
	bool gone;			/* ... and its data is not readable there */
	bool live;			/* mapped (false: a record kept for reuse) */
	_Atomic(struct mlk_tcache *) owner;	/* NULL: in the pool */

	/* under the heap's lock */
	_Alignas(MLK_LINE) struct mlk_slab *next, *prev;	/* all slabs of the class */
	struct mlk_slab *pnext;		/* the pool, or the records kept for reuse */
	bool in_pool;

	/* the owner's (the pool's, under the lock, when it has none) */
	_Alignas(MLK_LINE) unsigned int nfree;	/* objects in @free */
	unsigned int hint;		/* the words of @free before it are 0 */
	struct mlk_slab *onext, *oprev;	/* the owner's slabs of the class */
	uint64_t free[MLK_BITMAP_WORDS];	/* ready to be handed out */

	/* handed out to the caller: the owner sets a bit, any thread clears it */
	_Alignas(MLK_LINE) _Atomic uint64_t used[MLK_BITMAP_WORDS];

	/* freed by other threads, not yet in @free; @nremote counts them
	 * before their bits are set (a hint: never below the bits) */
	_Alignas(MLK_LINE) _Atomic int nremote;
	_Atomic uint64_t remote[MLK_BITMAP_WORDS];
};

/* A thread's slabs, class by class: it allocates from @cur; @empty is the
 * one slab whose objects are all free that it keeps. */
struct mlk_tcache {
	_Alignas(MLK_LINE) struct mlk_slab *cur[MLK_N_CLASS];
	struct mlk_slab *owned[MLK_N_CLASS];
	struct mlk_slab *empty[MLK_N_CLASS];
};

struct mlk_class {
	struct mlk_slab *all, *pool;
	struct mlk_slab *spare;		/* in the pool: an empty mlock slab kept for the
					 * next thread (a thread's start maps none) */
};

struct mlk_heap {
	pthread_mutex_t lock;
	_Atomic bool ready;
	enum memlock_secret_policy policy;
	unsigned int flags;
	memlock_secret_event_fn on_event;
	void *userdata;
	bool memfd_missing;		/* memfd_secret(2) failed once: not asked again */
	enum memlock_secret_backend backend;
	uint64_t canary_key;
	struct mlk_class cls[MLK_N_CLASS];
	struct mlk_slab *large;		/* page runs, linked by @next */
	struct mlk_slab *spare;		/* records kept for reuse, linked by @pnext */
	uint64_t bytes_locked, bytes_unlocked, slabs, fallbacks;
	_Atomic uint64_t failures;
	bool have_why;
	struct memlock_verdict why;	/* of the last failure to lock */
	struct memlock_verdict scratch;
};

MLK_HIDDEN extern struct mlk_heap mlk_heap;
MLK_HIDDEN extern const unsigned int mlk_class_size[MLK_N_CLASS];

/* slab.c: mappings, under mlk_heap.lock */
/* Map @s->len bytes of data for @s (its cls, obj_size... set), locked by
 * the heap's backend, checked first with the predictor; by the policy,
 * a refusal fails (-errno, mlk_heap.why set) or maps unlocked. */
MLK_HIDDEN int mlk_slab_map(struct mlk_slab *s);
/* Unmap @s (nothing for a gone slab) and drop it from the address table. */
MLK_HIDDEN void mlk_slab_unmap(struct mlk_slab *s);
/* The slab whose data holds @p, or NULL: lock-free. */
MLK_HIDDEN struct mlk_slab *mlk_slab_of(const void *p);
/* The event callback, errno kept. */
MLK_HIDDEN void mlk_secret_event(enum memlock_secret_event ev, const void *p, size_t bytes,
				 int err);
/* A fork child: every slab retired, its locks gone with the fork. */
MLK_HIDDEN void mlk_slabs_retire(void);
/* Under the lock: a record for a slab, zeroed but for its atomics (which a
 * kept record has at 0 already); NULL with errno ENOMEM. */
MLK_HIDDEN struct mlk_slab *mlk_slab_new(void);
/* Under the lock: @s unmapped and its record kept for reuse. */
MLK_HIDDEN void mlk_slab_drop(struct mlk_slab *s);

/* thread-slabs.c: small objects */
MLK_HIDDEN void *mlk_small_alloc(int c);
MLK_HIDDEN void mlk_small_free(struct mlk_slab *s, void *p);
/* A thread ends (pthread key destructor): its slabs go to the pools. */
MLK_HIDDEN void mlk_tcache_release(void *arg);
/* A fork child: the calling thread owns no slab. */
MLK_HIDDEN void mlk_tcache_forget(void);
/* Report @p to the callback, then abort(3). */
MLK_HIDDEN _Noreturn void mlk_bad_free(enum memlock_secret_event ev, const void *p,
				       size_t bytes);

/* secret-info.c */
/* Debug objects: the canary bytes before and after the object of @s. */
MLK_HIDDEN void mlk_canary_set(const struct mlk_slab *s);
MLK_HIDDEN bool mlk_canary_ok(const struct mlk_slab *s);
/* Index of the object of small slab @s at @p, or -1 when @p starts none;
 * with @inside, any byte of it. Offsets are below 2^16 and sizes below
 * 2^12, so the multiplication by @inv is an exact division. */
static inline long mlk_obj_index(const struct mlk_slab *s, uintptr_t p, bool inside)
{
	uintptr_t off = p - s->base;
	uint64_t i;

	if (s->cls == MLK_LARGE || p < s->base || off >= MLK_SLAB_BYTES)
		return -1;
	i = ((uint64_t)off * s->inv) >> 32;
	if (i >= s->nobj || (!inside && off != i * s->obj_size))
		return -1;
	return (long)i;
}

#endif /* MLK_SECRET_H */
