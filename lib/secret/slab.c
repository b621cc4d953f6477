// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The secret heap's slabs: one mapping each, between two PROT_NONE guard
 * pages, its data aligned to 64 KiB so that the slab of any pointer is
 * found in a table indexed by address (lock-free for readers). The data is
 * anonymous memory, mlock(2)ed, MADV_DONTDUMP and MADV_WIPEONFORK; or
 * memfd_secret(2) memory, which the kernel locks (and charges in full
 * against RLIMIT_MEMLOCK) at mmap time, takes out of its direct map, and
 * shares with fork children: there MADV_DONTFORK keeps it from them (the
 * kernel refuses MADV_WIPEONFORK on a shared mapping).
 */
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/sys.h"
#include "secret/secret.h"

#ifndef SYS_memfd_secret
#if defined(__x86_64__) || defined(__aarch64__)
#define SYS_memfd_secret 447
#endif
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* The address table: slab of each 64 KiB of the 47-bit address space
 * (mmap hands out no higher address unless asked), two levels, the leaves
 * allocated on demand and never freed. */
#define TOP_BITS 15
#define LEAF_BITS (47 - MLK_SLAB_SHIFT - TOP_BITS)
typedef _Atomic(struct mlk_slab *) slot_t;
static _Atomic(slot_t *) table[1u << TOP_BITS];

struct mlk_slab *mlk_slab_of(const void *p)
{
	uintptr_t key = (uintptr_t)p >> MLK_SLAB_SHIFT;
	slot_t *leaf;

	if (key >> (LEAF_BITS + TOP_BITS))
		return NULL;
	leaf = atomic_load_explicit(&table[key >> LEAF_BITS], memory_order_acquire);
	if (leaf == NULL)
		return NULL;
	return atomic_load_explicit(&leaf[key & ((1u << LEAF_BITS) - 1)], memory_order_acquire);
}

/* Point the table at @s (or NULL) for its data; -ENOMEM without a leaf. */
static int table_set(struct mlk_slab *s, struct mlk_slab *to)
{
	for (uintptr_t a = s->base; a < s->base + s->len; a += MLK_SLAB_BYTES) {
		uintptr_t key = a >> MLK_SLAB_SHIFT;
		slot_t *leaf = atomic_load_explicit(&table[key >> LEAF_BITS], memory_order_relaxed);

		if (key >> (LEAF_BITS + TOP_BITS))
			return -ENOMEM;
		if (leaf == NULL) {
			if (to == NULL)
				continue;
			leaf = calloc(1u << LEAF_BITS, sizeof(*leaf));
			if (leaf == NULL)
				return -ENOMEM;
			atomic_store_explicit(&table[key >> LEAF_BITS], leaf, memory_order_release);
		}
		atomic_store_explicit(&leaf[key & ((1u << LEAF_BITS) - 1)], to,
				      memory_order_release);
	}
	return 0;
}

void mlk_secret_event(enum memlock_secret_event ev, const void *p, size_t bytes, int err)
{
	memlock_secret_event_fn fn = mlk_heap.on_event;
	int saved = errno;

	if (fn != NULL)
		fn(ev, p, bytes, err, mlk_heap.userdata);
	errno = saved;
}

/* A refusal to lock @len bytes: the predictor's verdict in mlk_heap.why,
 * or, when it expected success, the kernel's errno @rc with a sentence. */
static int refused(int rc, size_t len, const struct memlock_verdict *v)
{
	struct memlock_verdict *why = &mlk_heap.why;

	if (v != NULL && !v->ok) {
		*why = *v;
	} else {
		mlk_verdict_clear(why);
		mlk_refuse(why, -rc, MEMLOCK_CAUSE_NONE, MEMLOCK_FIX_NONE,
			   "locking %s more failed with %s, which the process's limits did "
			   "not predict", MLK_SZ(len),
			   strerrorname_np(-rc) ? strerrorname_np(-rc) : "an error");
	}
	mlk_heap.have_why = true;
	return v != NULL && !v->ok ? -v->err : rc;
}

/* ENOMEM from mmap: the map count, when that is what ran out. */
static int no_mapping(size_t len)
{
	uint64_t n = 0, max = 0;

	if (mlk_count_maps(NULL, 0, &n) < 0 || mlk_read_max_map_count(NULL, &max) < 0 ||
	    n + 3 < max)
		return refused(-ENOMEM, len, NULL);
	mlk_verdict_clear(&mlk_heap.why);
	mlk_refuse(&mlk_heap.why, ENOMEM, MEMLOCK_CAUSE_NONE, MEMLOCK_FIX_NONE,
		   "the process has %llu mappings of the %llu vm.max_map_count allows, and "
		   "a slab takes 3", (unsigned long long)n, (unsigned long long)max);
	mlk_heap.have_why = true;
	return -ENOMEM;
}

/* Reserve the slab's address range, guards included: its data aligned. */
static int reserve(struct mlk_slab *s)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t all = s->len + 2 * pg + MLK_MAX_ALIGN;
	uintptr_t r, base, end;
	void *m;

	m = mmap(NULL, all, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return errno == ENOMEM ? no_mapping(s->len) : -errno;
	r = (uintptr_t)m;
	base = (r + pg + MLK_MAX_ALIGN - 1) & ~(uintptr_t)(MLK_MAX_ALIGN - 1);
	end = base + s->len + pg;
	if (base - pg > r)
		munmap(m, base - pg - r);
	if (r + all > end)
		munmap((void *)end, r + all - end);
	s->base = base;
	return 0;
}

static int map_memfd(struct mlk_slab *s)
{
#ifdef SYS_memfd_secret
	int fd = (int)syscall(SYS_memfd_secret, (unsigned int)O_CLOEXEC), rc = 0;
	void *m;

	if (fd < 0) {
		rc = -errno;
		mlk_heap.memfd_missing = true;
		pr_warn("memfd_secret: %s: the secret heap uses mlock", strerror(-rc));
		mlk_secret_event(MEMLOCK_SECRET_EV_NO_MEMFD, NULL, 0, -rc);
		return 1;
	}
	if (ftruncate(fd, (off_t)s->len) < 0) {
		rc = -errno;
	} else {
		/* the fd may go: the mapping keeps the file (and hibernation
		 * blocked) until it is unmapped */
		m = mmap((void *)s->base, s->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0);
		if (m == MAP_FAILED)
			rc = -errno;
	}
	close(fd);
	if (rc < 0)
		return rc;
	s->backend = MEMLOCK_SECRET_MEMFD;
	s->locked = true;
	s->dontdump = madvise((void *)s->base, s->len, MADV_DONTDUMP) == 0;
	s->dontfork = madvise((void *)s->base, s->len, MADV_DONTFORK) == 0;
	return 0;
#else
	(void)s;
	mlk_heap.memfd_missing = true;
	mlk_secret_event(MEMLOCK_SECRET_EV_NO_MEMFD, NULL, 0, ENOSYS);
	return 1;
#endif
}

/* Anonymous data, locked unless @unlocked; -errno when the lock fails. */
static int map_anon(struct mlk_slab *s, bool unlocked)
{
	void *m = mmap((void *)s->base, s->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (m == MAP_FAILED)
		return -errno;
	s->dontdump = madvise(m, s->len, MADV_DONTDUMP) == 0;
	s->wipeonfork = madvise(m, s->len, MADV_WIPEONFORK) == 0;
	s->backend = MEMLOCK_SECRET_UNLOCKED;
	if (unlocked)
		return 0;
	if (mlk_sys_mlock(m, s->len) < 0)
		return -errno;
	s->backend = MEMLOCK_SECRET_MLOCK;
	s->locked = true;
	return 0;
}

/* Best effort: say that @s runs unlocked. */
static int fallback(struct mlk_slab *s)
{
	int rc = map_anon(s, true);

	if (rc < 0)
		return rc;
	mlk_heap.fallbacks++;
	pr_warn("the secret heap could not lock %s more: %s; running unlocked",
		MLK_SZ(s->len), mlk_heap.why.reason);
	mlk_secret_event(MEMLOCK_SECRET_EV_UNLOCKED, (void *)s->base, s->len, mlk_heap.why.err);
	return 0;
}

static int map_data(struct mlk_slab *s)
{
	struct memlock_request req = { .op = MEMLOCK_OP_MLOCK, .len = s->len };
	struct memlock_verdict *v = &mlk_heap.scratch;
	bool best = mlk_heap.policy == MEMLOCK_SECRET_BEST_EFFORT;
	int rc;

	if (memlock_predict(NULL, 0, &req, v) == 0 && !v->ok) {
		rc = refused(-v->err, s->len, v);
		return best ? fallback(s) : rc;
	}
	if ((mlk_heap.flags & MEMLOCK_SECRET_F_MEMFD) && !mlk_heap.memfd_missing) {
		rc = map_memfd(s);
		if (rc == 0)
			return 0;
		if (rc < 0) {	/* EAGAIN: past the limit, charged at mmap */
			rc = refused(rc, s->len, NULL);
			return best ? fallback(s) : rc;
		}
	}
	rc = map_anon(s, false);
	if (rc < 0 && s->backend == MEMLOCK_SECRET_UNLOCKED) {
		/* the data is mapped: the lock failed */
		if (memlock_predict(NULL, 0, &req, v) < 0 || v->ok || v->err != -rc)
			v = NULL;
		rc = refused(rc, s->len, v);
		if (best) {
			mlk_heap.fallbacks++;
			mlk_secret_event(MEMLOCK_SECRET_EV_UNLOCKED, (void *)s->base, s->len, -rc);
			return 0;
		}
	}
	return rc;
}

int mlk_slab_map(struct mlk_slab *s)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int rc;

	rc = reserve(s);
	if (rc < 0)
		return rc;
	rc = map_data(s);
	if (rc == 0)
		rc = table_set(s, s);
	if (rc < 0) {
		munmap((void *)(s->base - pg), s->len + 2 * pg);
		return rc;
	}
	s->guarded = s->cls == MLK_LARGE && (mlk_heap.flags & MEMLOCK_SECRET_F_DEBUG);
	if (s->locked)
		mlk_heap.bytes_locked += s->len;
	else
		mlk_heap.bytes_unlocked += s->len;
	mlk_heap.slabs++;
	s->live = true;
	if (mlk_heap.backend == MEMLOCK_SECRET_NONE || s->backend != MEMLOCK_SECRET_UNLOCKED)
		mlk_heap.backend = s->backend;
	return 0;
}

void mlk_slab_unmap(struct mlk_slab *s)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	table_set(s, NULL);
	munmap((void *)(s->base - pg), s->len + 2 * pg);
	if (s->locked)
		mlk_heap.bytes_locked -= s->len;
	else
		mlk_heap.bytes_unlocked -= s->len;
	mlk_heap.slabs--;
}

/* In a fork child (one thread, the heap's lock held): locks are not
 * inherited, anonymous data reads zeros (MADV_WIPEONFORK) and memfd_secret
 * data is not mapped (MADV_DONTFORK; its range is reserved again so that
 * no other mapping takes the addresses the table names). */
static void retire(struct mlk_slab *s)
{
	s->retired = true;
	s->in_pool = false;
	s->pnext = NULL;
	if (s->locked) {
		mlk_heap.bytes_locked -= s->len;
		mlk_heap.bytes_unlocked += s->len;
		s->locked = false;
	}
	if (s->dontfork) {
		void *m = mmap((void *)s->base, s->len, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
			       -1, 0);

		s->gone = true;
		if (m != (void *)s->base) {
			/* taken already: forget the range, never unmap it */
			if (m != MAP_FAILED)
				munmap(m, s->len);
			table_set(s, NULL);
		}
	}
}

void mlk_slabs_retire(void)
{
	for (int c = 0; c < MLK_N_CLASS; c++) {
		for (struct mlk_slab *s = mlk_heap.cls[c].all; s; s = s->next)
			retire(s);
		mlk_heap.cls[c].pool = NULL;
		mlk_heap.cls[c].spare = NULL;
	}
	for (struct mlk_slab *s = mlk_heap.large; s; s = s->next)
		retire(s);
}

struct mlk_slab *mlk_slab_new(void)
{
	struct mlk_slab *s = mlk_heap.spare;
	size_t head = offsetof(struct mlk_slab, owner), free_part;

	if (s == NULL) {
		s = aligned_alloc(MLK_LINE, sizeof(*s));
		if (s == NULL) {
			errno = ENOMEM;
			return NULL;
		}
		memset(s, 0, sizeof(*s));
		return s;
	}
	mlk_heap.spare = s->pnext;
	/* a thread that freed into the slab this record held may still read
	 * @owner: it is left alone (NULL), the other atomics are 0 already */
	memset(s, 0, head);
	free_part = offsetof(struct mlk_slab, used) - offsetof(struct mlk_slab, next);
	memset(&s->next, 0, free_part);
	return s;
}

void mlk_slab_drop(struct mlk_slab *s)
{
	if (s->live)
		mlk_slab_unmap(s);
	s->live = false;
	atomic_store(&s->owner, NULL);
	s->pnext = mlk_heap.spare;
	mlk_heap.spare = s;
}
