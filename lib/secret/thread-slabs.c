// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The secret heap's small objects. A thread allocates from slabs of its
 * own (struct mlk_tcache): an allocation, and the free of an object of one
 * of its slabs, take no lock, make no syscall and write only cache lines
 * that no other thread writes (the slab's free bitmap, and its bitmap of
 * objects handed out, whose atomic bit catches a double free from any
 * thread). A free from another thread sets a bit in the slab's remote
 * bitmap, which the owner drains when it runs out of free objects. When a
 * thread ends, its slabs go to their class's pool (under the heap's lock),
 * where other threads adopt them; a free into a slab without an owner goes
 * through the lock. A slab whose objects are all free is unmapped, but for
 * one mlock(2)ed slab of each class that a thread keeps for its next
 * allocations, and one more of each class in the pool, for the threads
 * that start next. A thread's first slab of a class is a page, its next
 * ones MLK_SLAB_BYTES.
 */
#include <string.h>
#include <unistd.h>

#include "secret/secret.h"

/* initial-exec: no __tls_get_addr() call on the hot path (the cost: a
 * dlopen() of the library takes 8 bytes of the static TLS reserve) */
static __thread struct mlk_tcache *tc __attribute__((tls_model("initial-exec")));
static pthread_key_t tc_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void key_setup(void)
{
	pthread_key_create(&tc_key, mlk_tcache_release);
}

static struct mlk_tcache *my_cache(void)
{
	struct mlk_tcache *t;

	pthread_once(&key_once, key_setup);
	t = aligned_alloc(MLK_LINE, sizeof(*t));	/* no line shared with another's */
	if (t == NULL)
		return NULL;
	memset(t, 0, sizeof(*t));
	tc = t;
	pthread_setspecific(tc_key, t);
	return t;
}

/* ------------------------------------------------------------ a slab's bits */

/* The owner: the lowest free object (inlined: the hot path). */
static inline __attribute__((always_inline)) void *take(struct mlk_slab *s)
{
	unsigned int w = s->hint;
	uint64_t m;

	if ((m = s->free[w]) == 0) {
		do
			m = s->free[++w];
		while (m == 0);
		s->hint = w;
	}
	s->free[w] = m & (m - 1);
	s->nfree--;
	m &= -m;
	atomic_fetch_or_explicit(&s->used[w], m, memory_order_relaxed);
	return (void *)(s->base + ((size_t)w * 64 + (size_t)__builtin_ctzll(m)) * s->obj_size);
}

static void put(struct mlk_slab *s, unsigned int w, uint64_t bit)
{
	s->free[w] |= bit;
	if (w < s->hint)
		s->hint = w;
	s->nfree++;
}

/* The owner (or the lock): the other threads' frees into @free. The loads
 * are sequentially consistent: a thread that ends stores NULL in @owner
 * and then drains, a remote free sets its bit and then reads @owner, so
 * that one of the two sees the other. */
static void drain(struct mlk_slab *s)
{
	int n = 0;

	for (unsigned int w = 0; w < MLK_BITMAP_WORDS; w++) {
		uint64_t m;

		if (atomic_load(&s->remote[w]) == 0)
			continue;
		/* acquire: the freeing thread wiped the object before */
		m = atomic_exchange_explicit(&s->remote[w], 0, memory_order_acquire);
		s->free[w] |= m;
		if (m != 0 && w < s->hint)
			s->hint = w;
		n += __builtin_popcountll(m);
	}
	s->nfree += (unsigned int)n;
	atomic_fetch_sub_explicit(&s->nremote, n, memory_order_relaxed);
}

/* ------------------------------------------------------------ lists */

static void own(struct mlk_tcache *t, struct mlk_slab *s)
{
	int c = s->cls;

	s->oprev = NULL;
	s->onext = t->owned[c];
	if (s->onext != NULL)
		s->onext->oprev = s;
	t->owned[c] = s;
}

static void disown(struct mlk_tcache *t, struct mlk_slab *s)
{
	int c = s->cls;

	if (s->oprev != NULL)
		s->oprev->onext = s->onext;
	else
		t->owned[c] = s->onext;
	if (s->onext != NULL)
		s->onext->oprev = s->oprev;
	s->onext = s->oprev = NULL;
	if (t->cur[c] == s)
		t->cur[c] = NULL;
	if (t->empty[c] == s)
		t->empty[c] = NULL;
}

/* Under the lock: @s out of its class, unmapped, its record kept. */
static void unlink_slab(struct mlk_slab *s)
{
	struct mlk_class *k = &mlk_heap.cls[s->cls];

	if (k->spare == s)
		k->spare = NULL;
	if (s->in_pool) {
		for (struct mlk_slab **pp = &k->pool; *pp; pp = &(*pp)->pnext)
			if (*pp == s) {
				*pp = s->pnext;
				break;
			}
		s->in_pool = false;
	}
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		k->all = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	mlk_slab_drop(s);
}

/* Under the lock, @s without an owner: in the pool; when all its objects
 * are free, unmapped unless it is an mlock slab and the class keeps none
 * for the next thread. */
static void pool_check(struct mlk_slab *s)
{
	struct mlk_class *k = &mlk_heap.cls[s->cls];

	if (s->nfree == s->nobj && s != k->spare) {
		if (k->spare != NULL || s->backend != MEMLOCK_SECRET_MLOCK) {
			unlink_slab(s);
			return;
		}
		k->spare = s;
	}
	if (!s->in_pool) {
		s->pnext = k->pool;
		k->pool = s;
		s->in_pool = true;
	}
}

/* ------------------------------------------------------------ frees */

/* The owner's @s has all its objects free: kept as the thread's one empty
 * slab of the class (true) when it is mlock(2)ed; else unmapped, at once
 * when it is memfd_secret (while one is mapped, the machine cannot
 * hibernate) or unlocked (the next one may be locked). */
static bool emptied(struct mlk_tcache *t, struct mlk_slab *s)
{
	struct mlk_slab *e = t->empty[s->cls];

	if (s->backend == MEMLOCK_SECRET_MLOCK && (e == NULL || e == s || e->nfree < e->nobj)) {
		t->empty[s->cls] = s;
		return true;
	}
	disown(t, s);
	pthread_mutex_lock(&mlk_heap.lock);
	atomic_store(&s->owner, NULL);
	pool_check(s);		/* the class's spare, or unmapped */
	pthread_mutex_unlock(&mlk_heap.lock);
	return false;
}

/* The slab that held a remotely freed object lost its owner meanwhile:
 * its remote bits are the pool's. The record may hold another slab by
 * now (a page run, which has no owner), or none: what is done is right
 * for any small slab without an owner. */
static void collect(struct mlk_slab *s)
{
	pthread_mutex_lock(&mlk_heap.lock);
	if (s->live && !s->retired && s->cls != MLK_LARGE && atomic_load(&s->owner) == NULL) {
		drain(s);
		pool_check(s);
	}
	pthread_mutex_unlock(&mlk_heap.lock);
}

/* Object @w, @bit of @s, freed by a thread that does not own @s. */
static __attribute__((noinline)) void remote_free(struct mlk_slab *s, unsigned int w, uint64_t bit)
{
	if (atomic_load(&s->owner) == NULL) {
		pthread_mutex_lock(&mlk_heap.lock);
		if (atomic_load(&s->owner) == NULL) {
			put(s, w, bit);
			pool_check(s);
			pthread_mutex_unlock(&mlk_heap.lock);
			return;
		}
		pthread_mutex_unlock(&mlk_heap.lock);
	}
	/* counted first: until its bit is set, the object keeps @s mapped */
	atomic_fetch_add_explicit(&s->nremote, 1, memory_order_relaxed);
	atomic_fetch_or(&s->remote[w], bit);
	if (atomic_load(&s->owner) == NULL)
		collect(s);
}

void mlk_small_free(struct mlk_slab *s, void *p)
{
	long i = mlk_obj_index(s, (uintptr_t)p, false);
	struct mlk_tcache *t = tc;
	unsigned int w;
	uint64_t bit, old;

	if (i < 0)	/* not the start of an object */
		mlk_bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, 0);
	w = (unsigned int)i / 64;
	bit = 1ull << (i % 64);
	old = atomic_fetch_and_explicit(&s->used[w], ~bit, memory_order_relaxed);
	if (!(old & bit))
		mlk_bad_free(MEMLOCK_SECRET_EV_BAD_FREE, p, s->obj_size);
	if (s->retired)		/* a fork child's: zeros or unmapped, never reused */
		return;
	memlock_secret_wipe(p, s->obj_size);
	if (t == NULL || atomic_load_explicit(&s->owner, memory_order_relaxed) != t) {
		remote_free(s, w, bit);
		return;
	}
	put(s, w, bit);
	if (s->nfree == s->nobj && t->empty[s->cls] != s)
		emptied(t, s);
}

/* ------------------------------------------------------------ allocations */

/* Under the lock: a new slab of class @c, @len bytes (a page, or
 * MLK_SLAB_BYTES), or NULL with errno. */
static struct mlk_slab *grow(int c, size_t len)
{
	struct mlk_class *k = &mlk_heap.cls[c];
	struct mlk_slab *s = mlk_slab_new();
	int rc;

	if (s == NULL)
		return NULL;
	s->cls = c;
	s->obj_size = mlk_class_size[c];
	s->nobj = (unsigned int)(len / s->obj_size);
	s->inv = (uint32_t)((1ull << 32) / s->obj_size + 1);
	s->len = len;
	rc = mlk_slab_map(s);
	if (rc < 0) {
		mlk_slab_drop(s);
		errno = -rc;
		return NULL;
	}
	for (unsigned int i = 0; i < s->nobj; i++)
		s->free[i / 64] |= 1ull << (i % 64);
	s->nfree = s->nobj;
	s->next = k->all;
	if (k->all != NULL)
		k->all->prev = s;
	k->all = s;
	return s;
}

/* Under the lock: a pool slab with room, or a new one, made @t's. A
 * thread's first slab of a class is a page: a thread that keeps a few
 * secrets locks 4 KiB of each class, not 64. */
static struct mlk_slab *adopt(struct mlk_tcache *t, int c)
{
	size_t len = t->owned[c] != NULL ? MLK_SLAB_BYTES : (size_t)sysconf(_SC_PAGESIZE);
	struct mlk_class *k = &mlk_heap.cls[c];
	struct mlk_slab *s, **pp;

	/* a slab in use first, the spare (empty) when none has room */
	for (pp = &k->pool; (s = *pp) != NULL; pp = &s->pnext) {
		drain(s);
		if (s->nfree > 0 && s != k->spare)
			break;
	}
	if (s == NULL && k->spare != NULL)
		for (pp = &k->pool; (s = *pp) != k->spare; pp = &s->pnext)
			;
	if (s != NULL) {
		*pp = s->pnext;
		s->in_pool = false;
		if (s == k->spare)
			k->spare = NULL;
	} else if ((s = grow(c, len < MLK_SLAB_BYTES ? len : MLK_SLAB_BYTES)) == NULL) {
		return NULL;
	}
	atomic_store(&s->owner, t);
	own(t, s);
	return s;
}

/* One of @t's slabs of class @c with a free object, the others' frees
 * drained; NULL when none has one. */
static struct mlk_slab *find(struct mlk_tcache *t, int c)
{
	struct mlk_slab *s, *next;

	for (s = t->owned[c]; s != NULL; s = next) {
		next = s->onext;
		if (atomic_load_explicit(&s->nremote, memory_order_relaxed) != 0) {
			drain(s);
			if (s->nfree == s->nobj && !emptied(t, s))
				continue;
		}
		if (s->nfree > 0)
			return s;
	}
	return NULL;
}

/* out of line: the fast path of mlk_small_alloc() saves no register */
static __attribute__((noinline)) void *alloc_slow(struct mlk_tcache *t, int c)
{
	struct mlk_slab *s = NULL;
	int err = ENOMEM;

	if (t == NULL)
		t = my_cache();
	if (t != NULL && (s = find(t, c)) == NULL) {
		pthread_mutex_lock(&mlk_heap.lock);
		s = adopt(t, c);
		err = errno;
		pthread_mutex_unlock(&mlk_heap.lock);
	}
	if (s == NULL) {
		atomic_fetch_add_explicit(&mlk_heap.failures, 1, memory_order_relaxed);
		errno = err;
		return NULL;
	}
	t->cur[c] = s;
	return take(s);
}

void *mlk_small_alloc(int c)
{
	struct mlk_tcache *t = tc;
	struct mlk_slab *s;

	if (t != NULL && (s = t->cur[c]) != NULL && s->nfree > 0)
		return take(s);
	return alloc_slow(t, c);
}

/* ------------------------------------------------------------ threads */

void mlk_tcache_release(void *arg)
{
	struct mlk_tcache *t = arg;

	pthread_mutex_lock(&mlk_heap.lock);
	for (int c = 0; c < MLK_N_CLASS; c++) {
		struct mlk_slab *s, *next;

		for (s = t->owned[c]; s != NULL; s = next) {
			next = s->onext;
			s->onext = s->oprev = NULL;
			atomic_store(&s->owner, NULL);	/* then drain: see drain() */
			drain(s);
			pool_check(s);
		}
	}
	pthread_mutex_unlock(&mlk_heap.lock);
	if (tc == t)
		tc = NULL;	/* a later destructor that allocates gets a new one */
	free(t);
}

void mlk_tcache_forget(void)
{
	if (tc != NULL)
		memset(tc, 0, sizeof(*tc));
}
