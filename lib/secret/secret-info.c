// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the secret heap says of itself: a secret's properties, the
 * counters, why a lock failed; the wipe, and debug mode's canaries.
 */
#include <string.h>

#include "secret/secret.h"

void memlock_secret_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

/* The canary byte at address @a: the key's bytes, turned by the address,
 * so that a copy of one canary over another does not pass. */
static unsigned char canary_at(uintptr_t a)
{
	uint64_t k = mlk_heap.canary_key ^ (a >> 4) * 0x9e3779b97f4a7c15ull;

	return (unsigned char)(k >> ((a & 7) * 8));
}

/* A debug object: MLK_CANARY bytes before it, and the bytes from its end
 * to the guard page (fewer than its alignment). */
static void canary_ranges(const struct mlk_slab *s, uintptr_t r[2][2])
{
	r[0][0] = s->obj - MLK_CANARY;
	r[0][1] = s->obj;
	r[1][0] = s->obj + s->size;
	r[1][1] = s->base + s->len;
}

void mlk_canary_set(const struct mlk_slab *s)
{
	uintptr_t r[2][2];

	canary_ranges(s, r);
	for (int i = 0; i < 2; i++)
		for (uintptr_t a = r[i][0]; a < r[i][1]; a++)
			*(unsigned char *)a = canary_at(a);
}

bool mlk_canary_ok(const struct mlk_slab *s)
{
	uintptr_t r[2][2];

	canary_ranges(s, r);
	for (int i = 0; i < 2; i++)
		for (uintptr_t a = r[i][0]; a < r[i][1]; a++)
			if (*(const unsigned char *)a != canary_at(a))
				return false;
	return true;
}

int memlock_secret_info(const void *p, struct memlock_secret_info *info)
{
	struct memlock_secret_info in = { .sz = sizeof(in) };
	struct mlk_slab *s;
	int rc;
	long i;

	rc = mlk_out_check(info, mlk_offsetofend(struct memlock_secret_info, start));
	if (rc < 0)
		return mlk_err(rc);
	/* under the lock: no slab is unmapped meanwhile (@p may be dead) */
	pthread_mutex_lock(&mlk_heap.lock);
	s = mlk_slab_of(p);
	if (s == NULL) {
		rc = -ENOENT;
	} else if (s->cls == MLK_LARGE) {
		if ((uintptr_t)p < s->obj || (uintptr_t)p >= s->obj + s->size ||
		    !atomic_load_explicit(&s->used[0], memory_order_relaxed))
			rc = -ENOENT;
		in.start = (void *)s->obj;
		in.size = s->size;
	} else {
		i = mlk_obj_index(s, (uintptr_t)p, true);
		if (i < 0 || !(atomic_load_explicit(&s->used[i / 64], memory_order_relaxed) &
			       (1ull << (i % 64))))
			rc = -ENOENT;
		in.start = (void *)(s->base + (size_t)(i < 0 ? 0 : i) * s->obj_size);
		in.size = s->obj_size;
	}
	if (rc < 0) {
		pthread_mutex_unlock(&mlk_heap.lock);
		return mlk_err(rc);
	}
	in.backend = s->locked || s->backend != MEMLOCK_SECRET_MLOCK ? s->backend :
								       MEMLOCK_SECRET_UNLOCKED;
	in.locked = s->locked;
	in.dump_excluded = s->dontdump;
	in.wipe_on_fork = s->wipeonfork;
	in.not_in_child = s->dontfork;
	in.guarded = s->guarded;
	pthread_mutex_unlock(&mlk_heap.lock);
	mlk_out_copy(info, &in, sizeof(in));
	return 0;
}

static void count_live(struct mlk_slab *s, struct memlock_secret_stats *st)
{
	for (; s != NULL; s = s->next) {
		if (s->cls == MLK_LARGE) {
			bool live = atomic_load_explicit(&s->used[0], memory_order_relaxed);

			st->live += live;
			st->live_bytes += live ? s->size : 0;
			continue;
		}
		for (unsigned int w = 0; w < MLK_BITMAP_WORDS; w++) {
			uint64_t n = (uint64_t)__builtin_popcountll(
				atomic_load_explicit(&s->used[w], memory_order_relaxed));

			st->live += n;
			st->live_bytes += n * s->obj_size;
		}
	}
}

int memlock_secret_stats(struct memlock_secret_stats *st)
{
	struct memlock_secret_stats o = { .sz = sizeof(o) };
	int rc;

	rc = mlk_out_check(st, mlk_offsetofend(struct memlock_secret_stats, fallbacks));
	if (rc < 0)
		return mlk_err(rc);
	pthread_mutex_lock(&mlk_heap.lock);
	o.backend = mlk_heap.backend;
	o.bytes_locked = mlk_heap.bytes_locked;
	o.bytes_unlocked = mlk_heap.bytes_unlocked;
	o.slabs = mlk_heap.slabs;
	o.fallbacks = mlk_heap.fallbacks;
	o.failures = atomic_load_explicit(&mlk_heap.failures, memory_order_relaxed);
	for (int c = 0; c < MLK_N_CLASS; c++)
		count_live(mlk_heap.cls[c].all, &o);
	count_live(mlk_heap.large, &o);
	pthread_mutex_unlock(&mlk_heap.lock);
	mlk_out_copy(st, &o, sizeof(o));
	return 0;
}

int memlock_secret_why(struct memlock_verdict *v)
{
	int rc = -ENOENT;

	if (v == NULL)
		return mlk_err(-EINVAL);
	pthread_mutex_lock(&mlk_heap.lock);
	if (mlk_heap.have_why) {
		*v = mlk_heap.why;
		rc = 0;
	}
	pthread_mutex_unlock(&mlk_heap.lock);
	return mlk_err(rc);
}

const char *memlock_secret_backend_name(enum memlock_secret_backend b)
{
	static const char *const names[] = {
		[MEMLOCK_SECRET_NONE] = "none",
		[MEMLOCK_SECRET_MLOCK] = "mlock",
		[MEMLOCK_SECRET_MEMFD] = "memfd_secret",
		[MEMLOCK_SECRET_UNLOCKED] = "unlocked",
	};

	return MLK_NAME_OF(names, b, "unknown");
}
