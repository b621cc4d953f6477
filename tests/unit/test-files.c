// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/files against the kernel, in a temporary directory: residency of a
 * file written just now (all cached) and after POSIX_FADV_DONTNEED (none),
 * a sparse file's data extents, a holder's budget, ids, removal and the
 * sized-struct rules, its iterator, files added many at a time (helper
 * processes in batches, one that dies); a walk's hard links and filters.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "files/files.h"

static char dir[] = "/tmp/memlock-test-files.XXXXXX";
static long page;

static int mkfile(const char *name, size_t len, char fill)
{
	char path[256], buf[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	memset(buf, fill, sizeof(buf));
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);

		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		done += n;
	}
	return fd;
}

static int setup(void **state)
{
	(void)state;
	page = sysconf(_SC_PAGESIZE);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_residency(void **state)
{
	struct memlock_residency r = { .sz = sizeof(r) };
	int fd = mkfile("res", 64 * (size_t)page, 'a');

	(void)state;
	assert_int_equal(memlock_file_residency(fd, 0, &r), 0);
	assert_int_equal(r.size, 64 * (uint64_t)page);
	assert_int_equal(r.pages, 64);
	assert_int_not_equal(r.source, MEMLOCK_RES_UNKNOWN);	/* we own it */
	assert_int_equal(r.cached, 64);				/* written just now */
	fsync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	assert_int_equal(memlock_file_residency(fd, MEMLOCK_F_MINCORE, &r), 0);
	assert_int_equal(r.source, MEMLOCK_RES_MINCORE);
	assert_true(r.cached < 64);
	/* the rules: sz too small, unknown flags, not a regular file */
	r.sz = 8;
	assert_int_equal(memlock_file_residency(fd, 0, &r), -EINVAL);
	r.sz = sizeof(r);
	assert_int_equal(memlock_file_residency(fd, MEMLOCK_F_SPREAD, &r), -EINVAL);
	close(fd);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(memlock_file_residency(fd, 0, &r), -EISDIR);
	close(fd);
}

static void test_extents(void **state)
{
	struct mlk_extent *e;
	struct stat st;
	size_t n;
	int fd = mkfile("sparse", (size_t)page, 'b');

	(void)state;
	/* data at 0 and at 64 pages, a hole between, the size 128 pages */
	assert_int_equal(pwrite(fd, "x", 1, 64 * page), 1);
	assert_int_equal(ftruncate(fd, 128 * page), 0);
	fsync(fd);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(mlk_data_extents(fd, &st, (uint64_t)page, &e, &n), 0);
	if (n == 1) {	/* a file system without holes (reports all as data) */
		assert_int_equal(e[0].len, 128 * (uint64_t)page);
	} else {
		assert_int_equal(n, 2);
		assert_int_equal(e[0].off, 0);
		assert_true(e[0].len >= (uint64_t)page && e[0].len < 64 * (uint64_t)page);
		assert_true(e[1].off <= 64 * (uint64_t)page);
		assert_true(e[1].off + e[1].len > 64 * (uint64_t)page);
	}
	assert_int_equal(lseek(fd, 0, SEEK_CUR), (off_t)page);	/* the offset kept */
	free(e);
	close(fd);
}

static void test_holder(void **state)
{
	struct memlock_holder_opts o = { .sz = sizeof(o), .budget = 8 * (uint64_t)page };
	struct memlock_hold_result r = { .sz = sizeof(r) };
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	struct memlock_holder *h = memlock_holder_open(&o);
	int a = mkfile("a", 5 * (size_t)page, 'a'), b = mkfile("b", 5 * (size_t)page, 'b');
	uint64_t id;

	(void)state;
	assert_non_null(h);
	assert_int_equal(memlock_holder_add_fd(h, a, &r), 0);
	assert_int_equal(r.state, MEMLOCK_HOLD_LOCKED);
	assert_int_equal(r.locked, 5 * (uint64_t)page);
	assert_int_not_equal(r.id, 0);
	id = r.id;
	/* 3 pages of budget left: b in part */
	assert_int_equal(memlock_holder_add_fd(h, b, &r), 0);
	assert_int_equal(r.state, MEMLOCK_HOLD_PARTIAL);
	assert_int_equal(r.why, MEMLOCK_HOLD_WHY_BUDGET);
	assert_int_equal(r.locked, 3 * (uint64_t)page);
	assert_int_equal(memlock_holder_totals(h, &t), 0);
	assert_int_equal(t.files, 2);
	assert_int_equal(t.locked, 8 * (uint64_t)page);
	/* a removal gives its bytes back */
	assert_int_equal(memlock_holder_remove(h, id), 0);
	assert_int_equal(memlock_holder_remove(h, id), -ENOENT);
	assert_int_equal(memlock_holder_get(h, id, &r), -ENOENT);
	assert_int_equal(memlock_holder_totals(h, &t), 0);
	assert_int_equal(t.locked, 3 * (uint64_t)page);
	assert_int_equal(t.files, 1);
	assert_int_equal(memlock_holder_add_fd(h, a, &r), 0);
	assert_int_equal(r.state, MEMLOCK_HOLD_LOCKED);
	assert_int_equal(memlock_holder_get(h, r.id, &r), 0);
	assert_int_equal(r.locked, 5 * (uint64_t)page);
	/* the rules */
	r.sz = 4;
	assert_int_equal(memlock_holder_add_fd(h, a, &r), -EINVAL);
	t.sz = 0;
	assert_int_equal(memlock_holder_totals(h, &t), -EINVAL);
	memlock_holder_close(h);
	o.flags = MEMLOCK_F_MINCORE;
	assert_null(memlock_holder_open(&o));
	assert_int_equal(errno, EINVAL);
	close(a);
	close(b);
}

/* The iterator: every file held, once, in the order of ids, whatever is
 * added and removed between calls. */
static void test_holder_next(void **state)
{
	struct memlock_holder_opts o = { .sz = sizeof(o), .budget = MEMLOCK_UNLIMITED };
	struct memlock_hold_result r = { .sz = sizeof(r) };
	struct memlock_holder *h = memlock_holder_open(&o);
	int fd = mkfile("n", (size_t)page, 'n');
	uint64_t ids[4], cursor = 0;

	(void)state;
	assert_non_null(h);
	assert_int_equal(memlock_holder_next(h, &cursor, &r), 1);	/* nothing held */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(memlock_holder_add_fd(h, fd, &r), 0);
		ids[i] = r.id;
	}
	assert_int_equal(memlock_holder_next(h, &cursor, &r), 0);
	assert_int_equal(r.id, ids[0]);
	assert_int_equal(r.locked, (uint64_t)page);
	/* the one after the cursor goes, the one before too; one comes */
	assert_int_equal(memlock_holder_remove(h, ids[1]), 0);
	assert_int_equal(memlock_holder_remove(h, ids[0]), 0);
	assert_int_equal(memlock_holder_add_fd(h, fd, &r), 0);
	uint64_t added = r.id;
	assert_int_equal(memlock_holder_next(h, &cursor, &r), 0);
	assert_int_equal(r.id, ids[2]);
	assert_int_equal(memlock_holder_next(h, &cursor, &r), 0);
	assert_int_equal(r.id, ids[3]);
	assert_int_equal(memlock_holder_next(h, &cursor, &r), 0);
	assert_int_equal(r.id, added);
	assert_int_equal(memlock_holder_next(h, &cursor, &r), 1);
	assert_int_equal(memlock_holder_next(h, &cursor, &r), 1);
	/* the rules */
	assert_int_equal(memlock_holder_next(h, NULL, &r), -EINVAL);
	r.sz = 4;
	assert_int_equal(memlock_holder_next(h, &cursor, &r), -EINVAL);
	assert_int_equal(memlock_holder_next(NULL, &cursor, &r), -EINVAL);
	memlock_holder_close(h);
	close(fd);
}

/* The youngest child of @parent. */
static pid_t last_child(pid_t parent)
{
	char path[64], buf[4096] = "";
	pid_t pid = 0;
	char *p, *save;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	f = fopen(path, "re");
	assert_non_null(f);
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	for (p = strtok_r(buf, " \n", &save); p; p = strtok_r(NULL, " \n", &save))
		pid = (pid_t)atoi(p);
	return pid;
}

/* The holder's helper process that came last: a child of its spawner (our
 * child, named memlock-spawner), which the holder made when it opened. */
static pid_t last_helper(void)
{
	pid_t spawner = last_child(getpid());
	char path[64], name[32] = "";
	FILE *f;

	assert_true(spawner > 0);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)spawner);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_non_null(fgets(name, sizeof(name), f));
	fclose(f);
	assert_string_equal(name, "memlock-spawner\n");
	return last_child(spawner);
}

/* Whether process @pid sleeps in recvfrom(2): /proc/PID/syscall, or where
 * that is hidden (Yama, without root) its state: it sleeps nowhere else. */
static bool in_recv(pid_t pid)
{
	char path[64], buf[512];
	bool yes = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return strtol(buf, NULL, 10) == SYS_recvfrom;
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f) && strrchr(buf, ')'))
		yes = strrchr(buf, ')')[2] == 'S';
	if (f)
		fclose(f);
	return yes;
}

/* Kill @victim once process @waiter sleeps in recvfrom(2): the helper dies
 * with a batch it was sent, before it could answer (it is stopped). */
static pid_t kill_when_waiting(pid_t waiter, pid_t victim)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		bool waiting = false;

		for (int i = 0; i < 20000 && !waiting; i++) {
			waiting = in_recv(waiter);
			if (!waiting)
				usleep(500);
		}
		kill(victim, SIGKILL);
		_exit(waiting ? 0 : 1);
	}
	return pid;
}

/* Many files at once: each result its own, in order, past the map count
 * (helper processes, in batches), with the budget spent in the order given;
 * a helper that dies with a batch fails that batch's files, and the next
 * batch goes to a new helper. */
static void test_holder_batch(void **state)
{
	enum { N = 600 };
	struct memlock_holder_opts o = { .sz = sizeof(o), .budget = (N - 2) * (uint64_t)page,
					 .max_maps = 100, .flags = MEMLOCK_F_SPREAD };
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	struct memlock_hold_result *r = calloc(N, sizeof(*r));
	struct memlock_holder *h = memlock_holder_open(&o);
	int fds[N], dir_fd = open(dir, O_RDONLY | O_CLOEXEC), status;
	uint64_t cursor = 0, seen = 0;
	pid_t helper, killer;

	(void)state;
	assert_non_null(h);
	assert_non_null(r);
	for (int i = 0; i < N; i++)
		fds[i] = i == 7 ? dir_fd : mkfile("m", (size_t)page, 'm');
	r[0].sz = sizeof(r[0]);
	assert_int_equal(memlock_holder_add_fds(h, fds, N, r), 0);
	for (int i = 0; i < N; i++) {
		if (i == 7) {	/* a directory: its own failure, nobody else's */
			assert_int_equal(r[i].why, MEMLOCK_HOLD_WHY_ERROR);
			assert_int_equal(r[i].err, EINVAL);
			continue;
		}
		assert_int_equal(r[i].sz, sizeof(r[i]));
		/* N - 1 files of a page, a budget of N - 2: the last one is out */
		assert_int_equal(r[i].state, i < N - 1 ? MEMLOCK_HOLD_LOCKED : MEMLOCK_HOLD_NOT_LOCKED);
		assert_int_equal(r[i].why, i < N - 1 ? MEMLOCK_HOLD_WHY_NONE : MEMLOCK_HOLD_WHY_BUDGET);
	}
	assert_int_equal(memlock_holder_totals(h, &t), 0);
	assert_int_equal(t.files, N - 2);
	assert_int_equal(t.maps, 100);
	assert_int_equal(t.helpers, 5);	/* 498 files, 100 each */
	assert_int_equal(t.helper_maps, N - 2 - 100);
	while (memlock_holder_next(h, &cursor, &r[0]) == 0)
		seen++;
	assert_int_equal(seen, N - 2);
	/* the last helper (98 files) dies with the next batch */
	o.budget = MEMLOCK_UNLIMITED;
	memlock_holder_close(h);
	h = memlock_holder_open(&o);
	assert_non_null(h);
	assert_int_equal(memlock_holder_add_fds(h, fds + 8, 150, r), 0);	/* 100 here, 50 there */
	helper = last_helper();
	assert_int_equal(kill(helper, SIGSTOP), 0);
	killer = kill_when_waiting(getpid(), helper);
	assert_int_equal(memlock_holder_add_fds(h, fds + 200, 10, r), 0);
	assert_int_equal(waitpid(killer, &status, 0), killer);
	assert_int_equal(status, 0);	/* it was killed while we waited */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(r[i].why, MEMLOCK_HOLD_WHY_ERROR);
		assert_int_equal(r[i].err, ECHILD);
	}
	assert_int_equal(memlock_holder_add_fds(h, fds + 200, 10, r), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(r[i].state, MEMLOCK_HOLD_LOCKED);	/* by a new helper */
	assert_int_equal(memlock_holder_totals(h, &t), 0);
	assert_int_equal(t.helpers, 2);
	assert_int_equal(memlock_holder_add_fds(h, NULL, 1, r), -EINVAL);
	assert_int_equal(memlock_holder_add_fds(h, fds, 0, NULL), 0);
	memlock_holder_close(h);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	free(r);
}

/* A mapping in 8 bytes: the highest page and the longest length the
 * encoding allows, and one past each. */
static void test_hmap_edges(void **state)
{
	struct memlock_holder *h = memlock_holder_open(NULL);
	uint64_t top, max;
	struct hmap m = { 0 };

	(void)state;
	assert_non_null(h);
	assert_int_equal(h->addr_bits + h->page_shift, MLK_VA_BITS);
	assert_int_equal(1ull << h->page_shift, (uint64_t)page);
	top = ((1ull << h->addr_bits) - 1) << h->page_shift;	/* 2^56 less a page */
	max = mlk_hmap_max(h);
	assert_int_equal(max, ((1ull << (64 - MLK_VA_BITS + h->page_shift)) - 1) << h->page_shift);
	assert_true(max >= (4ull << 30) - (uint64_t)page);	/* 4 GiB less a page at least */
	assert_true(mlk_hmap_make(h, (void *)(uintptr_t)top, max, &m));
	assert_int_equal((uintptr_t)mlk_hmap_addr(h, m), top);
	assert_int_equal(mlk_hmap_len(h, m), max);
	assert_true(mlk_hmap_make(h, (void *)(uintptr_t)((1ull << 52) - page), (uint64_t)page, &m));
	assert_int_equal((uintptr_t)mlk_hmap_addr(h, m), (1ull << 52) - page);	/* aarch64's top */
	assert_int_equal(mlk_hmap_len(h, m), (uint64_t)page);
	assert_false(mlk_hmap_make(h, (void *)(uintptr_t)(top + page), (uint64_t)page, &m));
	assert_false(mlk_hmap_make(h, (void *)(uintptr_t)page, max + page, &m));
	assert_false(mlk_hmap_make(h, (void *)(uintptr_t)page, 0, &m));
	assert_false(mlk_hmap_make(h, (void *)(uintptr_t)page, (uint64_t)page + 1, &m));
	assert_false(mlk_hmap_make(h, (void *)(uintptr_t)(page + 512), (uint64_t)page, &m));
	memlock_holder_close(h);
}

/* The lines of /proc/self/maps that map inode @ino. */
static int maps_of(ino_t ino)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long long i;
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %llu", &i) == 1 && i == (unsigned long long)ino)
			n++;
	fclose(f);
	return n;
}

/* An extent longer than a mapping can say is held by several mappings
 * (here, with a length field of 2 bits: 3 pages at most). */
static void test_holder_split(void **state)
{
	struct memlock_hold_result r = { .sz = sizeof(r) };
	struct memlock_holder *h = memlock_holder_open(NULL);
	int fd = mkfile("split", 8 * (size_t)page, 's');
	struct stat st;

	(void)state;
	assert_non_null(h);
	assert_int_equal(fstat(fd, &st), 0);
	h->addr_bits = 62;
	assert_int_equal(mlk_hmap_max(h), 3 * (uint64_t)page);
	assert_int_equal(memlock_holder_add_fd(h, fd, &r), 0);
	assert_int_equal(r.state, MEMLOCK_HOLD_LOCKED);
	assert_int_equal(r.locked, 8 * (uint64_t)page);
	assert_int_equal(r.maps, 3);	/* 3 + 3 + 2 pages */
	assert_int_equal(maps_of(st.st_ino), 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(mlk_hmap_len(h, h->maps[i]), (i < 2 ? 3 : 2) * (uint64_t)page);
	assert_int_equal(memlock_holder_get(h, r.id, &r), 0);
	assert_int_equal(r.maps, 3);
	assert_int_equal(r.locked, 8 * (uint64_t)page);
	assert_int_equal(memlock_holder_remove(h, r.id), 0);
	assert_int_equal(maps_of(st.st_ino), 0);
	memlock_holder_close(h);
	close(fd);
}

/* A file of 20 extents (sparse: a page of data every other page), more
 * than a record's 4-bit count: @fd, its maps in @n. */
static int sparse20(const char *name, unsigned int *n)
{
	int fd = mkfile(name, 0, 0);
	struct mlk_extent *e;
	struct stat st;
	size_t k;

	for (int i = 0; i < 20; i++)
		assert_int_equal(pwrite(fd, "x", 1, 2 * i * page), 1);
	fsync(fd);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(mlk_data_extents(fd, &st, (uint64_t)page, &e, &k), 0);
	free(e);
	*n = (unsigned int)k;	/* 1 where the file system has no holes */
	return fd;
}

/* Files with more mappings than a record's field: in a wide record, here
 * and in a helper, whose slot a removal frees for the next one. */
static void test_holder_wide(void **state)
{
	struct memlock_holder_opts o = { .sz = sizeof(o), .budget = MEMLOCK_UNLIMITED,
					 .max_maps = 30, .flags = MEMLOCK_F_SPREAD };
	struct memlock_hold_result r = { .sz = sizeof(r) }, g = { .sz = sizeof(g) };
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	struct memlock_holder *h = memlock_holder_open(&o);
	unsigned int n;
	int a = sparse20("wa", &n), b = sparse20("wb", &n), c = mkfile("wc", 1, 'c');
	uint64_t ida, idb, idc;

	(void)state;
	assert_non_null(h);
	if (n != 20) {	/* a file system without holes */
		memlock_holder_close(h);
		close(a);
		close(b);
		close(c);
		skip();
	}
	assert_int_equal(memlock_holder_add_fd(h, a, &r), 0);
	assert_int_equal(r.state, MEMLOCK_HOLD_LOCKED);
	assert_int_equal(r.maps, 20);
	ida = r.id;
	assert_int_equal(h->nwide, 1);
	assert_int_equal(memlock_holder_add_fd(h, c, &r), 0);	/* narrow */
	idc = r.id;
	assert_int_equal(h->nwide, 1);
	assert_int_equal(memlock_holder_get(h, ida, &g), 0);
	assert_int_equal(g.maps, 20);
	assert_int_equal(g.locked, 20 * (uint64_t)page);
	assert_int_equal(g.size, 38 * (uint64_t)page + 1);
	assert_int_equal(memlock_holder_remove(h, ida), 0);	/* its slot, free */
	assert_int_equal(memlock_holder_get(h, ida, &g), -ENOENT);
	assert_int_equal(h->wide_free, 1);
	/* 20 mappings, 29 left: here; then 20 in a helper */
	assert_int_equal(memlock_holder_add_fd(h, b, &r), 0);
	assert_int_equal(h->nwide, 1);	/* the slot again */
	assert_int_equal(h->wide_free, 0);
	assert_int_equal(memlock_holder_add_fd(h, a, &r), 0);
	assert_int_equal(r.maps, 20);
	idb = r.id;
	assert_int_equal(h->nwide, 2);
	assert_int_equal(memlock_holder_totals(h, &t), 0);
	assert_int_equal(t.helpers, 1);
	assert_int_equal(t.helper_maps, 20);
	assert_int_equal(memlock_holder_get(h, idb, &g), 0);
	assert_int_equal(g.maps, 20);
	assert_int_equal(g.locked, 20 * (uint64_t)page);
	assert_int_equal(memlock_holder_remove(h, idb), 0);	/* the helper unmaps */
	assert_int_equal(memlock_holder_totals(h, &t), 0);
	assert_int_equal(t.helper_maps, 0);
	assert_int_equal(memlock_holder_remove(h, idb), -ENOENT);
	assert_int_equal(memlock_holder_get(h, idc, &g), 0);
	assert_int_equal(g.size, 1);
	assert_int_equal(g.maps, 1);
	memlock_holder_close(h);
	close(a);
	close(b);
	close(c);
}

/* A narrow record's fields at their largest, and one past each: a wide
 * record. */
static void test_held_fields(void **state)
{
	struct memlock_holder *h = memlock_holder_open(NULL);
	const uint64_t mib = 1ull << 20, p = (uint64_t)page, top = (mib - 1 + p - 1) / p;
	const struct {
		uint64_t size, pages, first;
		uint32_t maps, shard;
	} c[] = {
		{ mib - 1, top, (1ull << 25) - 1, 1, 1023 },	/* narrow */
		{ mib, mib / p, 0, 1, 0 },	{ 3 * p, 2, 0, 1, 0 },	/* in part */
		{ 1, 1, 1ull << 25, 1, 0 },	{ 2 * p, 2, 0, 2, 0 },
		{ 1, 1, 0, 1, 1024 },		{ UINT64_MAX, 1ull << 40, UINT32_MAX, 1u << 31, 1u << 20 },
	};
	struct memlock_hold_result r = { .sz = sizeof(r) }, g = { .sz = sizeof(g) };
	struct hwide w;

	(void)state;
	assert_non_null(h);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		r.size = c[i].size;
		r.locked = c[i].pages * p;
		r.maps = c[i].maps;
		r.dev = 100 + i;
		r.ino = UINT64_MAX - i;
		assert_int_equal(mlk_held_add(h, c[i].first, c[i].shard, &r), 0);
		assert_int_equal(h->nwide, i);	/* the first narrow, the others wide */
		assert_int_equal(memlock_holder_get(h, r.id, &g), 0);
		assert_int_equal(g.size, c[i].size);
		assert_int_equal(g.locked, c[i].pages * p);
		assert_int_equal(g.maps, c[i].maps);
		assert_int_equal(g.dev, 100 + i);
		assert_int_equal(g.ino, UINT64_MAX - i);
		assert_true(mlk_held_numbers(h, r.id, &w));
		assert_int_equal(w.first, c[i].first);
		assert_int_equal(w.shard, c[i].shard);
		assert_int_equal(w.pages, c[i].pages);
	}
	for (uint64_t dev = 0; dev < 256; dev++) {	/* 256 devices and the 257th */
		r = (struct memlock_hold_result){ .sz = sizeof(r), .size = 1, .maps = 1,
						  .locked = p, .dev = 1000 + dev };
		assert_int_equal(mlk_held_add(h, 0, 0, &r), 0);
	}
	assert_int_equal(h->ndevs, 256 + 7);
	assert_int_equal(h->nwide, 6 + 7);	/* the devices of index 256 to 262 */
	assert_int_equal(memlock_holder_get(h, r.id, &g), 0);
	assert_int_equal(g.dev, 1000 + 255);
	assert_int_equal(memlock_holder_remove(h, 1), -ENOENT);	/* (no helper 1023) */
	assert_false(mlk_held_numbers(h, 1, &w));
	assert_false(mlk_held_numbers(h, r.id + 1, &w));
	memlock_holder_close(h);
}

static void test_walk(void **state)
{
	struct memlock_walk_opts o = { .sz = sizeof(o), .flags = MEMLOCK_WALK_RECURSIVE,
				       .include = (const char *const[]){ "*.keep", NULL } };
	struct memlock_file f = { .sz = sizeof(f) };
	char sub[256], p1[300], p2[300];
	const char *paths[] = { sub };
	struct memlock_files *w;
	int regular = 0, links = 0, rc;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/w", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(p1, sizeof(p1), "%s/one.keep", sub);
	snprintf(p2, sizeof(p2), "%s/two.keep", sub);
	close(open(p1, O_CREAT | O_WRONLY, 0644));
	assert_int_equal(link(p1, p2), 0);
	snprintf(p2, sizeof(p2), "%s/other", sub);
	close(open(p2, O_CREAT | O_WRONLY, 0644));
	w = memlock_files_open(paths, 1, &o);
	assert_non_null(w);
	while ((rc = memlock_files_next(w, &f)) == 0) {
		regular += f.kind == MEMLOCK_FILE_REGULAR;
		links += f.kind == MEMLOCK_FILE_SKIPPED && f.skip == MEMLOCK_SKIP_HARDLINK;
		if (f.kind == MEMLOCK_FILE_REGULAR)
			assert_true(f.fd >= 0 && strstr(f.path, ".keep"));
	}
	assert_int_equal(rc, 1);
	assert_int_equal(regular, 1);	/* one.keep or two.keep, once; not "other" */
	assert_int_equal(links, 1);
	memlock_files_close(w);
	o.flags = 1u << 9;
	assert_null(memlock_files_open(paths, 1, &o));
	assert_int_equal(errno, EINVAL);
}

/* MEMLOCK_WALK_KEEP_FD: the fds stay open past the next call, and the
 * residency from the walk's size matches memlock_file_residency(). */
/* A holder given what a walk found: the same result as from the fd alone
 * (size, data extents of a sparse file, device, inode), without an fstat;
 * a 1.0 caller's smaller memlock_file and anything not a regular file with
 * an open fd refused; the fd left open. */
static void test_holder_add_walked(void **state)
{
	struct memlock_walk_opts o = { .sz = sizeof(o), .flags = MEMLOCK_WALK_RECURSIVE };
	struct memlock_holder_opts ho = { .sz = sizeof(ho), .budget = MEMLOCK_UNLIMITED };
	struct memlock_hold_result a = { .sz = sizeof(a) }, b = { .sz = sizeof(b) };
	struct memlock_file f = { .sz = sizeof(f) }, bad;
	struct memlock_holder *h = memlock_holder_open(&ho);
	struct stat st;
	char sub[256];
	const char *paths[] = { sub };
	struct memlock_files *w;
	int n = 0, rc, fd;

	(void)state;
	assert_non_null(h);
	snprintf(sub, sizeof(sub), "%s/aw", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	close(mkfile("aw/full", 3 * (size_t)page + 1, 'w'));
	fd = mkfile("aw/sparse", (size_t)page, 's');	/* a page of data, 63 of hole */
	assert_int_equal(ftruncate(fd, 64 * page), 0);
	fsync(fd);
	close(fd);
	w = memlock_files_open(paths, 1, &o);
	assert_non_null(w);
	while ((rc = memlock_files_next(w, &f)) == 0) {
		if (f.kind != MEMLOCK_FILE_REGULAR) {
			assert_int_equal(memlock_holder_add_walked(h, &f, &a), -EINVAL);
			continue;
		}
		n++;
		assert_int_equal(fstat(f.fd, &st), 0);
		assert_int_equal(f.blocks, (uint64_t)st.st_blocks);	/* (1.1) */
		assert_int_equal(memlock_holder_add_walked(h, &f, &a), 0);
		assert_int_equal(memlock_holder_add_fd(h, f.fd, &b), 0);
		assert_int_equal(a.state, MEMLOCK_HOLD_LOCKED);
		assert_int_equal(a.size, f.size);
		assert_int_equal(a.size, b.size);
		assert_int_equal(a.data, b.data);
		assert_int_equal(a.locked, b.locked);
		assert_int_equal(a.maps, b.maps);
		assert_int_equal(a.dev, f.dev);
		assert_int_equal(a.ino, f.ino);
		assert_true(a.id != 0 && a.id != b.id);
		assert_int_not_equal(fcntl(f.fd, F_GETFD), -1);	/* still open */
		bad = f;
		bad.sz = offsetof(struct memlock_file, blocks);	/* built against 1.0 */
		assert_int_equal(memlock_holder_add_walked(h, &bad, &a), -EINVAL);
		bad = f;
		bad.fd = -1;
		assert_int_equal(memlock_holder_add_walked(h, &bad, &a), -EINVAL);
		assert_int_equal(memlock_holder_add_walked(NULL, &f, &a), -EINVAL);
		assert_int_equal(memlock_holder_add_walked(h, NULL, &a), -EINVAL);
	}
	assert_int_equal(rc, 1);
	assert_int_equal(n, 2);
	memlock_files_close(w);
	memlock_holder_close(h);
}

static void test_walk_keep_fd(void **state)
{
	struct memlock_walk_opts o = { .sz = sizeof(o),
				       .flags = MEMLOCK_WALK_RECURSIVE | MEMLOCK_WALK_KEEP_FD };
	struct memlock_residency a = { .sz = sizeof(a) }, b = { .sz = sizeof(b) };
	struct memlock_file f = { .sz = sizeof(f) }, bad;
	char sub[256];
	const char *paths[] = { sub };
	struct memlock_files *w;
	int fds[4], n = 0, rc;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/k", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	close(mkfile("k/one", 3 * (size_t)page + 1, 'k'));
	close(mkfile("k/two", 1, 'k'));
	w = memlock_files_open(paths, 1, &o);
	assert_non_null(w);
	while ((rc = memlock_files_next(w, &f)) == 0) {
		if (f.kind != MEMLOCK_FILE_REGULAR)
			continue;
		assert_true(n < 4);
		fds[n++] = f.fd;
		assert_int_equal(memlock_file_residency_walked(&f, 0, &a), 0);
		assert_int_equal(memlock_file_residency(f.fd, 0, &b), 0);
		assert_int_equal(a.size, f.size);
		assert_int_equal(a.pages, b.pages);
		assert_int_equal(a.cached, b.cached);
		assert_int_equal(a.source, b.source);
		bad = f;
		bad.kind = MEMLOCK_FILE_DIRECTORY;
		assert_int_equal(memlock_file_residency_walked(&bad, 0, &a), -EINVAL);
		assert_int_equal(memlock_file_residency_walked(&f, MEMLOCK_F_SPREAD, &a), -EINVAL);
	}
	assert_int_equal(rc, 1);
	memlock_files_close(w);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++)	/* still open: the caller's */
		assert_int_equal(close(fds[i]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_residency),
		cmocka_unit_test(test_extents),
		cmocka_unit_test(test_holder),
		cmocka_unit_test(test_holder_next),
		cmocka_unit_test(test_holder_batch),
		cmocka_unit_test(test_hmap_edges),
		cmocka_unit_test(test_holder_split),
		cmocka_unit_test(test_holder_wide),
		cmocka_unit_test(test_held_fields),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_walk_keep_fd),
		cmocka_unit_test(test_holder_add_walked),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
