// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The secret heap: its options, fork children, page runs (large objects,
 * and every object in debug mode) and the API. Small objects come from
 * the threads' own slabs (thread-slabs.c).
 */
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "secret/secret.h"

struct mlk_heap mlk_heap = { .lock = PTHREAD_MUTEX_INITIALIZER };

const unsigned int mlk_class_size[MLK_N_CLASS] = {
	16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
};

static unsigned char class_by16[MLK_SMALL_MAX / 16 + 1];	/* (size + 15) / 16 */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool env_debug;		/* MEMLOCK_SECRET_DEBUG=1 */

static void fork_prepare(void)
{
	pthread_mutex_lock(&mlk_heap.lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&mlk_heap.lock);
}

/* The child's secrets read zeros, or are not mapped, and nothing is
 * locked: the slabs are retired (freed objects are dropped, new ones come
 * from new slabs, locked again), and the forking thread's cache with them. */
static void fork_child(void)
{
	mlk_slabs_retire();
	mlk_tcache_forget();
	pthread_mutex_unlock(&mlk_heap.lock);
}

static void setup(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* Under the lock: the defaults, once. */
static void heap_ready(void)
{
	const char *dbg;

	if (atomic_load_explicit(&mlk_heap.ready, memory_order_relaxed))
		return;
	if (getrandom(&mlk_heap.canary_key, sizeof(mlk_heap.canary_key), GRND_NONBLOCK) !=
	    sizeof(mlk_heap.canary_key))
		mlk_heap.canary_key = mlk_now_ns() * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	dbg = secure_getenv("MEMLOCK_SECRET_DEBUG");
	env_debug = dbg != NULL && strcmp(dbg, "1") == 0;
	for (unsigned int k = 0, c = 0; k <= MLK_SMALL_MAX / 16; k++) {
		while (mlk_class_size[c] < k * 16)
			c++;
		class_by16[k] = (unsigned char)c;
	}
	mlk_heap.flags = env_debug ? MEMLOCK_SECRET_F_DEBUG : 0;
	atomic_store_explicit(&mlk_heap.ready, true, memory_order_release);
}

static bool heap_empty(void)
{
	if (mlk_heap.large != NULL)
		return false;
	for (int c = 0; c < MLK_N_CLASS; c++)
		if (mlk_heap.cls[c].all != NULL)
			return false;
	return true;
}

int memlock_secret_init(const struct memlock_secret_opts *opts)
{
	struct memlock_secret_opts o = { .sz = sizeof(o) };
	const unsigned int fixed = MEMLOCK_SECRET_F_MEMFD | MEMLOCK_SECRET_F_DEBUG;
	int rc = 0;

	if (opts != NULL) {
		rc = mlk_opts_get(&o, sizeof(o), opts,
				  mlk_offsetofend(struct memlock_secret_opts, userdata));
		if (rc < 0)
			return mlk_err(rc);
		if (o.flags & ~fixed || (unsigned int)o.policy > MEMLOCK_SECRET_BEST_EFFORT)
			return mlk_err(-EINVAL);
	}
	pthread_once(&once, setup);
	pthread_mutex_lock(&mlk_heap.lock);
	heap_ready();
	if (env_debug)
		o.flags |= MEMLOCK_SECRET_F_DEBUG;
	if ((o.flags & fixed) != (mlk_heap.flags & fixed) && !heap_empty()) {
		rc = -EBUSY;
	} else {
		mlk_heap.policy = o.policy;
		mlk_heap.flags = o.flags;
		mlk_heap.on_event = o.on_event;
		mlk_heap.userdata = o.userdata;
		mlk_heap.memfd_missing = false;
	}
	pthread_mutex_unlock(&mlk_heap.lock);
	return mlk_err(rc);
}

_Noreturn void mlk_bad_free(enum memlock_secret_event ev, const void *p, size_t bytes)
{
	mlk_secret_event(ev, p, bytes, 0);
	abort();
}

static int class_of(size_t size, size_t align)
{
	if (align == MLK_MIN_OBJ)
		return size <= MLK_SMALL_MAX ? class_by16[(size + 15) / 16] : MLK_LARGE;
	for (int c = 0; c < MLK_N_CLASS; c++)
		if (mlk_class_size[c] >= size && mlk_class_size[c] % align == 0)
			return c;
	return MLK_LARGE;
}

/* ------------------------------------------------------------ large objects */

static void *large_alloc(size_t size, size_t align)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	bool debug = mlk_heap.flags & MEMLOCK_SECRET_F_DEBUG;
	size_t a = align < MLK_MIN_OBJ ? MLK_MIN_OBJ : align;
	size_t body = (size + a - 1) & ~(a - 1), unit = a > pg ? a : pg;
	struct mlk_slab *s = mlk_slab_new();
	int rc;

	if (s == NULL)
		return NULL;
	s->cls = MLK_LARGE;
	s->size = size;
	s->nobj = 1;
	s->len = (body + (debug ? MLK_CANARY : 0) + unit - 1) & ~(unit - 1);
	rc = mlk_slab_map(s);
	if (rc < 0) {
		mlk_slab_drop(s);
		atomic_fetch_add_explicit(&mlk_heap.failures, 1, memory_order_relaxed);
		errno = -rc;
		return NULL;
	}
	/* debug: the end of the object against the guard page */
	s->obj = debug ? s->base + s->len - body : s->base;
	if (debug)
		mlk_canary_set(s);
	atomic_store_explicit(&s->used[0], 1, memory_order_relaxed);
	s->next = mlk_heap.large;
	mlk_heap.large = s;
	return (void *)s->obj;
}

static void large_free(struct mlk_slab *s, void *p)
{
	uint64_t old;

	if ((uintptr_t)p != s->obj)
		mlk_bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, 0);
	old = atomic_exchange_explicit(&s->used[0], 0, memory_order_relaxed);
	if (old == 0)
		mlk_bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, s->size);
	if (s->guarded && !s->gone && !mlk_canary_ok(s))
		mlk_bad_free(MEMLOCK_SECRET_EV_OVERWRITE, p, s->size);
	if (!s->gone)
		memlock_secret_wipe((void *)s->base, s->len);
	pthread_mutex_lock(&mlk_heap.lock);
	for (struct mlk_slab **pp = &mlk_heap.large; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	mlk_slab_drop(s);
	pthread_mutex_unlock(&mlk_heap.lock);
}

/* ------------------------------------------------------------ the API */

static void *fail(int err)	/* NULL with errno @err */
{
	errno = err;
	return NULL;
}

static void *secret_alloc(size_t size, size_t align)
{
	int c;
	void *p;

	if (size == 0)
		return fail(EINVAL);
	if (!atomic_load_explicit(&mlk_heap.ready, memory_order_acquire)) {
		pthread_once(&once, setup);
		pthread_mutex_lock(&mlk_heap.lock);
		heap_ready();
		pthread_mutex_unlock(&mlk_heap.lock);
	}
	c = class_of(size, align);
	if (c != MLK_LARGE && !(mlk_heap.flags & MEMLOCK_SECRET_F_DEBUG))
		return mlk_small_alloc(c);
	if (size > SIZE_MAX / 2)
		return fail(ENOMEM);
	pthread_mutex_lock(&mlk_heap.lock);
	p = large_alloc(size, align);
	pthread_mutex_unlock(&mlk_heap.lock);
	return p;
}

void *memlock_secret_alloc(size_t size)
{
	return secret_alloc(size, MLK_MIN_OBJ);
}

void *memlock_secret_calloc(size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return fail(ENOMEM);
	return secret_alloc(bytes, MLK_MIN_OBJ);	/* always zero-filled */
}

void *memlock_secret_aligned_alloc(size_t align, size_t size)
{
	if (align == 0 || (align & (align - 1)) || align > MLK_MAX_ALIGN)
		return fail(EINVAL);
	return secret_alloc(size, align < MLK_MIN_OBJ ? MLK_MIN_OBJ : align);
}

void memlock_secret_free(void *p)
{
	struct mlk_slab *s;

	if (p == NULL)
		return;
	s = mlk_slab_of(p);
	if (s == NULL)
		mlk_bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, 0);
	if (s->cls == MLK_LARGE)
		large_free(s, p);
	else
		mlk_small_free(s, p);
}
