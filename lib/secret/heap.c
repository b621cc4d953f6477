// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The secret heap's allocator. Each thread keeps up to 32 free objects per
 * size class: an allocation or a free that its cache serves takes no lock
 * and makes no syscall (an atomic bit per object says it is handed out, so
 * that a double free is caught). The cache is filled from, and emptied
 * into, the slabs' pools under one lock, 16 objects at a time; a slab
 * whose objects are all back is unmapped when the class has another with
 * room. Large objects (and every object in debug mode) are page runs of
 * their own.
 */
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "secret/secret.h"

struct mlk_heap mlk_heap = { .lock = PTHREAD_MUTEX_INITIALIZER };

const unsigned int mlk_class_size[MLK_N_CLASS] = {
	16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
};

#define BATCH (MLK_CACHE_MAX / 2)

struct tcache {
	unsigned int n[MLK_N_CLASS];
	void *obj[MLK_N_CLASS][MLK_CACHE_MAX];
};

/* initial-exec: no __tls_get_addr() call on the hot path (the cost: a
 * dlopen() of the library takes 8 bytes of the static TLS reserve) */
static __thread struct tcache *tc __attribute__((tls_model("initial-exec")));
static unsigned char class_by16[MLK_SMALL_MAX / 16 + 1];	/* (size + 15) / 16 */
static pthread_key_t tc_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool env_debug;		/* MEMLOCK_SECRET_DEBUG=1 */

static void put_back(struct mlk_slab *s, uintptr_t p);

/* A thread ends: its cache goes back to the pools. */
static void tc_release(void *arg)
{
	struct tcache *t = arg;

	pthread_mutex_lock(&mlk_heap.lock);
	for (int c = 0; c < MLK_N_CLASS; c++) {
		for (unsigned int i = 0; i < t->n[c]; i++) {
			struct mlk_slab *s = mlk_slab_of(t->obj[c][i]);

			if (s != NULL)
				put_back(s, (uintptr_t)t->obj[c][i]);
		}
	}
	pthread_mutex_unlock(&mlk_heap.lock);
	free(t);
}

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
	if (tc != NULL)
		memset(tc->n, 0, sizeof(tc->n));
	pthread_mutex_unlock(&mlk_heap.lock);
}

static void setup(void)
{
	pthread_key_create(&tc_key, tc_release);
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

/* ------------------------------------------------------------ small objects */

/* Under the lock: object @p of @s back in its pool. */
static void put_back(struct mlk_slab *s, uintptr_t p)
{
	long i = mlk_obj_index(s, p, false);
	struct mlk_class *k;

	if (i < 0 || s->retired)
		return;
	s->avail[i / 64] |= 1ull << (i % 64);
	s->navail++;
	k = &mlk_heap.cls[s->cls];
	if (!s->in_partial) {
		s->pnext = k->partial;
		k->partial = s;
		s->in_partial = true;
	}
	/* all back: unmapped when another slab has room; at once when it is
	 * memfd_secret (while one is mapped, the machine cannot hibernate) or
	 * unlocked (the next one may be locked) */
	if (s->navail < s->nobj ||
	    (s->backend == MEMLOCK_SECRET_MLOCK && k->partial->pnext == NULL))
		return;
	for (struct mlk_slab **pp = &k->partial; *pp; pp = &(*pp)->pnext)
		if (*pp == s) {
			*pp = s->pnext;
			break;
		}
	for (struct mlk_slab **pp = &k->all; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	mlk_slab_unmap(s);
	free(s);
}

static struct mlk_slab *grow(int c)
{
	struct mlk_slab *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return NULL;
	s->cls = c;
	s->obj_size = mlk_class_size[c];
	s->nobj = (unsigned int)(MLK_SLAB_BYTES / s->obj_size);
	s->inv = (uint32_t)((1ull << 32) / s->obj_size + 1);
	s->len = MLK_SLAB_BYTES;
	rc = mlk_slab_map(s);
	if (rc < 0) {
		free(s);
		errno = -rc;
		return NULL;
	}
	for (unsigned int i = 0; i < s->nobj; i++)
		s->avail[i / 64] |= 1ull << (i % 64);
	s->navail = s->nobj;
	s->next = mlk_heap.cls[c].all;
	mlk_heap.cls[c].all = s;
	s->pnext = mlk_heap.cls[c].partial;
	mlk_heap.cls[c].partial = s;
	s->in_partial = true;
	return s;
}

/* Fill the cache of class @c with up to BATCH objects. */
static int refill(struct tcache *t, int c)
{
	struct mlk_class *k = &mlk_heap.cls[c];
	int rc = 0;

	pthread_mutex_lock(&mlk_heap.lock);
	while (t->n[c] < BATCH) {
		struct mlk_slab *s = k->partial;

		if (s == NULL && (s = grow(c)) == NULL) {
			rc = -errno;
			break;
		}
		for (unsigned int w = 0; w < MLK_BITMAP_WORDS && t->n[c] < BATCH; w++) {
			while (s->avail[w] && t->n[c] < BATCH) {
				int b = __builtin_ctzll(s->avail[w]);

				s->avail[w] &= s->avail[w] - 1;
				s->navail--;
				t->obj[c][t->n[c]++] =
					(void *)(s->base + ((size_t)w * 64 + (size_t)b) * s->obj_size);
			}
		}
		if (s->navail == 0) {
			k->partial = s->pnext;
			s->in_partial = false;
		}
	}
	pthread_mutex_unlock(&mlk_heap.lock);
	return t->n[c] > 0 ? 0 : rc;
}

static struct tcache *my_cache(void)
{
	if (tc != NULL)
		return tc;
	pthread_once(&once, setup);
	tc = calloc(1, sizeof(*tc));
	if (tc != NULL)
		pthread_setspecific(tc_key, tc);
	return tc;
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

static void *small_alloc(int c)
{
	struct tcache *t = my_cache();
	struct mlk_slab *s;
	void *p;
	long i;

	if (t == NULL || (t->n[c] == 0 && refill(t, c) < 0)) {
		atomic_fetch_add_explicit(&mlk_heap.failures, 1, memory_order_relaxed);
		return NULL;
	}
	p = t->obj[c][--t->n[c]];
	s = mlk_slab_of(p);
	i = mlk_obj_index(s, (uintptr_t)p, false);
	atomic_fetch_or_explicit(&s->used[i / 64], 1ull << (i % 64), memory_order_relaxed);
	return p;
}

static _Noreturn void bad_free(enum memlock_secret_event ev, const void *p, size_t bytes)
{
	mlk_secret_event(ev, p, bytes, 0);
	abort();
}

static void small_free(struct mlk_slab *s, void *p)
{
	long i = mlk_obj_index(s, (uintptr_t)p, false);
	uint64_t bit, old;
	struct tcache *t;
	int c = s->cls;

	if (i < 0)	/* not the start of an object */
		bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, 0);
	bit = 1ull << (i % 64);
	old = atomic_fetch_and_explicit(&s->used[i / 64], ~bit, memory_order_relaxed);
	if (!(old & bit))
		bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, s->obj_size);
	if (s->retired)		/* a fork child's: zeros or unmapped, never reused */
		return;
	memlock_secret_wipe(p, s->obj_size);
	t = my_cache();
	if (t == NULL || t->n[c] == MLK_CACHE_MAX) {
		unsigned int from = t != NULL ? MLK_CACHE_MAX - BATCH : 0;

		pthread_mutex_lock(&mlk_heap.lock);
		put_back(s, (uintptr_t)p);
		for (unsigned int k = from; t != NULL && k < MLK_CACHE_MAX; k++)
			put_back(mlk_slab_of(t->obj[c][k]), (uintptr_t)t->obj[c][k]);
		pthread_mutex_unlock(&mlk_heap.lock);
		if (t != NULL)
			t->n[c] = from;
		return;
	}
	t->obj[c][t->n[c]++] = p;
}

/* ------------------------------------------------------------ large objects */

static void *large_alloc(size_t size, size_t align)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	bool debug = mlk_heap.flags & MEMLOCK_SECRET_F_DEBUG;
	size_t a = align < MLK_MIN_OBJ ? MLK_MIN_OBJ : align;
	size_t body = (size + a - 1) & ~(a - 1), unit = a > pg ? a : pg;
	struct mlk_slab *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return NULL;
	s->cls = MLK_LARGE;
	s->size = size;
	s->nobj = 1;
	s->len = (body + (debug ? MLK_CANARY : 0) + unit - 1) & ~(unit - 1);
	rc = mlk_slab_map(s);
	if (rc < 0) {
		free(s);
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
		bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, 0);
	old = atomic_exchange_explicit(&s->used[0], 0, memory_order_relaxed);
	if (old == 0)
		bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, s->size);
	if (s->guarded && !s->gone && !mlk_canary_ok(s))
		bad_free(MEMLOCK_SECRET_EV_OVERWRITE, p, s->size);
	if (!s->gone)
		memlock_secret_wipe((void *)s->base, s->len);
	pthread_mutex_lock(&mlk_heap.lock);
	for (struct mlk_slab **pp = &mlk_heap.large; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	mlk_slab_unmap(s);
	pthread_mutex_unlock(&mlk_heap.lock);
	free(s);
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
		return small_alloc(c);
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
		bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, 0);
	if (s->cls == MLK_LARGE)
		large_free(s, p);
	else
		small_free(s, p);
}
