// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The /proc readers on fixture trees (tests/fixtures/proc/README says where
 * each one comes from). locked, mlockall, kthread and swapped are real
 * captures from kernel 6.18; every expected value below was read off the
 * fixture file, so a parser that reads a different field or unit fails here.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "procfs/procfs.h"

#define FX "tests/fixtures/proc/"
#define LOCKED FX "locked"
#define MLOCKALL FX "mlockall"
#define KTHREAD FX "kthread"
#define SWAPPED FX "swapped"
#define TRUNC FX "truncated"
#define EMPTY FX "empty"
#define GARBLED FX "garbled"
#define BIGNUM FX "huge"
#define MANYSWAPS FX "many-swaps"
#define LONGSWAP FX "long-swap"
#define KB(x) ((uint64_t)(x) * 1024)
#define ROOT_CAPS 0x1fffeffffffull	/* root without CAP_SYS_RESOURCE (24) */
#define HAS MEMLOCK_VMA_HAS_FLAGS

/* rc must be -err, and errno must say the same (memlock.h conventions) */
#define assert_fails(call, err)				\
	do {						\
		errno = 0;				\
		assert_int_equal((call), -(err));	\
		assert_int_equal(errno, (err));		\
	} while (0)

/* ---------------------------------------------------------------- status */

struct status_case {
	const char *desc, *root;
	pid_t pid;
	int rc;
	struct memlock_status want;
};

#define HELPER(p, size, lck, rss, swap)						\
	{ .pid = p, .name = "helper", .state = 'S', .threads = 1, .has_mm = true,	\
	  .vm_size = KB(size), .vm_lck = KB(lck), .vm_rss = KB(rss),		\
	  .vm_swap = KB(swap), .cap_eff = ROOT_CAPS }

static struct status_case status_cases[] = {
	{ "status: mlock()ed process, every field", LOCKED, 9914, 0,
	  HELPER(9914, 4764, 208, 1656, 0) },
	{ "status: pid 0 reads proc/self", LOCKED, 0, 0, HELPER(9914, 4764, 208, 1656, 0) },
	{ "status: mlockall process", MLOCKALL, 9916, 0, HELPER(9916, 2732, 2700, 2708, 0) },
	{ "status: VmSwap of a swapped process", SWAPPED, 10144, 0,
	  HELPER(10144, 51884, 256, 16872, 33948) },
	{ "status: kernel thread has no mm", KTHREAD, 2, 0,
	  { .pid = 2, .name = "kthreadd", .state = 'S', .threads = 1,
	    .cap_eff = 0x1ffffffffffull } },
	/* cut after "VmLck: 208 kB\nVmPi": what was read is kept */
	{ "status: cut mid-line keeps what was read", TRUNC, 100, 0,
	  { .pid = 9914, .name = "helper", .state = 'S', .has_mm = true,
	    .vm_size = KB(4764), .vm_lck = KB(208) } },
	{ "status: cut before Pid is EBADMSG", TRUNC, 101, -EBADMSG, { .pid = 0 } },
	{ "status: empty file is EBADMSG", EMPTY, 1, -EBADMSG, { .pid = 0 } },
	{ "status: binary junk is EBADMSG", GARBLED, 200, -EBADMSG, { .pid = 0 } },
	{ "status: missing pid is ENOENT", LOCKED, 12345, -ENOENT, { .pid = 0 } },
	{ "status: negative pid is EINVAL", LOCKED, -1, -EINVAL, { .pid = 0 } },
	/* ESC in Name kept (the CLI escapes it), 5000-byte Name cut, TracerPid -1, VmLck
	 * "lots", Threads 2^32: each bad field is dropped, the rest is read */
	{ "status: garbled fields dropped one by one", GARBLED, 201, 0,
	  { .pid = 201, .name = "sh\x1b[31mred" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    .state = 'Z', .ruid = 1000, .euid = 1001, .cap_eff = 1ull << 14 } },
	/* comm may hold any byte but NUL, control characters too, and the
	 * result must not depend on the signedness of char. */
	{ "status: Name bytes are kept, control characters too", GARBLED, 202, 0,
	  { .pid = 202, .name = "caf\xc3\xa9\tx\x7f" } },
	{ "status: 2^54 kB saturates", BIGNUM, 300, 0,
	  { .pid = 300, .name = "huge", .has_mm = true, .vm_size = UINT64_MAX,
	    .vm_lck = UINT64_MAX, .vm_rss = UINT64_MAX - 1023 /* (2^54 - 1) kB */,
	    .vm_swap = UINT64_MAX /* no unit: bytes */, .threads = UINT32_MAX,
	    .cap_eff = UINT64_MAX } },
};

static void status_case(void **state)
{
	const struct status_case *c = *state;
	const struct memlock_status *w = &c->want;
	struct memlock_status st;

	memset(&st, 0xa5, sizeof(st));
	st.sz = sizeof(st);
	errno = 0;
	assert_int_equal(memlock_proc_read_status(c->root, c->pid, &st), c->rc);
	if (c->rc < 0) {
		assert_int_equal(errno, -c->rc);
		return;
	}
	assert_int_equal(st.pid, w->pid);
	assert_string_equal(st.name, w->name);
	assert_int_equal(st.state, w->state);
	assert_int_equal(st.ruid, w->ruid);
	assert_int_equal(st.euid, w->euid);
	assert_int_equal(st.tracer_pid, w->tracer_pid);
	assert_int_equal(st.threads, w->threads);
	assert_int_equal(st.has_mm, w->has_mm);
	assert_int_equal(st.vm_size, w->vm_size);
	assert_int_equal(st.vm_lck, w->vm_lck);
	assert_int_equal(st.vm_pin, w->vm_pin);
	assert_int_equal(st.vm_rss, w->vm_rss);
	assert_int_equal(st.vm_swap, w->vm_swap);
	assert_int_equal(st.cap_eff, w->cap_eff);
}

static void status_null(void **state)
{
	(void)state;
	assert_fails(memlock_proc_read_status(LOCKED, 9914, NULL), EINVAL);
}

static void status_overflow(void **state)
{
	struct memlock_status st = { .sz = sizeof(st) };
	int rc;

	(void)state;
	/* VmSize and VmLck of 10^23 kB: saturate as 2^54 kB does, or reject
	 * the file; never report an unlocked kernel thread. */
	rc = memlock_proc_read_status(BIGNUM, 301, &st);
	if (rc == -EBADMSG)
		return;
	assert_int_equal(rc, 0);
	assert_true(st.has_mm);
	assert_int_equal(st.vm_size, UINT64_MAX);
	assert_int_equal(st.vm_lck, UINT64_MAX);
}

/* ---------------------------------------------------------------- limits */

struct limits_case {
	const char *desc, *root;
	pid_t pid;
	int rc;
	uint64_t soft, hard;
};

static struct limits_case limits_cases[] = {
	{ "limits: Max locked memory in bytes", LOCKED, 9914, 0, 8388608, 8388608 },
	{ "limits: unlimited is MEMLOCK_UNLIMITED", GARBLED, 206, 0, MEMLOCK_UNLIMITED,
	  MEMLOCK_UNLIMITED },
	{ "limits: numeric soft, unlimited hard", GARBLED, 205, 0, 65536, MEMLOCK_UNLIMITED },
	{ "limits: no Max locked memory line", GARBLED, 203, -EBADMSG, 0, 0 },
	{ "limits: non-numeric value", GARBLED, 204, -EBADMSG, 0, 0 },
	{ "limits: cut after the soft limit", TRUNC, 105, -EBADMSG, 0, 0 },
	{ "limits: 10^23 bytes", BIGNUM, 304, -EBADMSG, 0, 0 },
	{ "limits: empty file", EMPTY, 1, -EBADMSG, 0, 0 },
	{ "limits: missing pid is ENOENT", LOCKED, 12345, -ENOENT, 0, 0 },
};

static void limits_case(void **state)
{
	const struct limits_case *c = *state;
	struct memlock_limits lim = { .sz = sizeof(lim) };

	errno = 0;
	assert_int_equal(memlock_proc_read_limits(c->root, c->pid, &lim), c->rc);
	if (c->rc < 0) {
		assert_int_equal(errno, -c->rc);
		return;
	}
	assert_int_equal(lim.soft, c->soft);
	assert_int_equal(lim.hard, c->hard);
}

/* ----------------------------------------------------------------- smaps */

static struct memlock_proc_maps *open_maps(const char *root, pid_t pid)
{
	struct memlock_proc_maps *it = memlock_proc_maps_open(root, pid);

	assert_non_null(it);
	return it;
}

static void assert_mapping(const struct memlock_mapping *m, const struct memlock_mapping *w)
{
	assert_int_equal(m->start, w->start);
	assert_int_equal(m->end, w->end);
	assert_int_equal(m->offset, w->offset);
	assert_int_equal(m->inode, w->inode);
	assert_string_equal(m->perms, w->perms);
	if (w->path == NULL)
		assert_null(m->path);
	else
		assert_string_equal(m->path, w->path);
	assert_int_equal(m->size, w->size);
	assert_int_equal(m->rss, w->rss);
	assert_int_equal(m->pss, w->pss);
	assert_int_equal(m->locked, w->locked);
	assert_int_equal(m->swap, w->swap);
	assert_int_equal(m->anonymous, w->anonymous);
	assert_int_equal(m->vmflags, w->vmflags);
}

struct map_case {
	const char *desc, *root;
	pid_t pid;
	struct memlock_mapping want;	/* found by its start */
};

static struct map_case map_cases[] = {
	{ "smaps: file mapping header fields", LOCKED, 9914,
	  { .start = 0x563096f74000, .end = 0x563096f75000, .inode = 10953170,
	    .perms = "r--p", .path = "/tmp/mlkfix/helper", .size = KB(4), .rss = KB(4),
	    .pss = KB(2), .vmflags = HAS } },
	{ "smaps: file offset and inode", LOCKED, 9914,
	  { .start = 0x7f43a26dd000, .end = 0x7f43a2833000, .offset = 0x26000,
	    .inode = 332835, .perms = "r-xp", .path = "/usr/lib/x86_64-linux-gnu/libc.so.6",
	    .size = KB(1368), .rss = KB(972), .pss = KB(102), .vmflags = HAS } },
	{ "smaps: mlock range is lo", LOCKED, 9914,
	  { .start = 0x7f43a26a4000, .end = 0x7f43a26b4000, .perms = "rw-p", .path = "",
	    .size = KB(64), .rss = KB(64), .pss = KB(64), .locked = KB(64),
	    .anonymous = KB(64), .vmflags = MEMLOCK_VMA_LOCKED | HAS } },
	/* mlock2(MLOCK_ONFAULT) of 128 kB, two pages touched */
	{ "smaps: mlock2 ONFAULT is lo lf", LOCKED, 9914,
	  { .start = 0x7f43a2684000, .end = 0x7f43a26a4000, .perms = "rw-p", .path = "",
	    .size = KB(128), .rss = KB(8), .pss = KB(8), .locked = KB(8), .anonymous = KB(8),
	    .vmflags = MEMLOCK_VMA_LOCKED | MEMLOCK_VMA_ONFAULT | HAS } },
	{ "smaps: path with spaces and (deleted)", LOCKED, 9914,
	  { .start = 0x7f43a28a0000, .end = 0x7f43a28a4000, .inode = 10953194,
	    .perms = "r--s", .path = "/tmp/memlock fixture data.bin (deleted)",
	    .size = KB(16), .rss = KB(16), .pss = KB(16), .locked = KB(16),
	    .vmflags = MEMLOCK_VMA_LOCKED | HAS } },
	/* mlock() succeeded on it, but hugetlb VMAs never get VM_LOCKED */
	{ "smaps: hugetlb is ht, never lo", LOCKED, 9914,
	  { .start = 0x7f43a2400000, .end = 0x7f43a2600000, .inode = 26101, .perms = "rw-p",
	    .path = "/anon_hugepage (deleted)", .size = KB(2048),
	    .vmflags = MEMLOCK_VMA_HUGETLB | MEMLOCK_VMA_DONTEXPAND | HAS } },
	{ "smaps: vvar is pf io, not lo under mlockall", MLOCKALL, 9916,
	  { .start = 0x7f00e51ef000, .end = 0x7f00e51f3000, .perms = "r--p",
	    .path = "[vvar]", .size = KB(16),
	    .vmflags = MEMLOCK_VMA_PFNMAP | MEMLOCK_VMA_IO | MEMLOCK_VMA_DONTEXPAND |
		       MEMLOCK_VMA_DONTDUMP | HAS } },
	{ "smaps: vsyscall, the last mapping", MLOCKALL, 9916,
	  { .start = 0xffffffffff600000, .end = 0xffffffffff601000, .perms = "--xp",
	    .path = "[vsyscall]", .size = KB(4), .vmflags = HAS } },
	{ "smaps: Swap of a swapped mapping", SWAPPED, 10144,
	  { .start = 0x7f72fd800000, .end = 0x7f7300800000, .perms = "rw-p", .path = "",
	    .size = KB(49152), .rss = KB(15216), .pss = KB(15216), .swap = KB(33936),
	    .anonymous = KB(15216), .vmflags = HAS } },
	{ "smaps: locked mapping keeps no Swap", SWAPPED, 10144,
	  { .start = 0x7f73008ca000, .end = 0x7f730090a000, .perms = "rw-p", .path = "",
	    .size = KB(256), .rss = KB(256), .pss = KB(256), .locked = KB(256),
	    .anonymous = KB(256), .vmflags = MEMLOCK_VMA_LOCKED | HAS } },
};

static void map_case(void **state)
{
	const struct map_case *c = *state;
	struct memlock_proc_maps *it = open_maps(c->root, c->pid);
	struct memlock_mapping m = { .sz = sizeof(m) };
	int rc;

	for (;;) {
		rc = memlock_proc_maps_next(it, &m);
		if (rc != 0 || m.start == c->want.start)
			break;
	}
	assert_int_equal(rc, 0);
	assert_mapping(&m, &c->want);
	memlock_proc_maps_close(it);
}

struct maps_sum {
	size_t n;
	uint64_t locked_vma_size, locked, swap;
	bool sorted;
};

static void sum_maps(const char *root, pid_t pid, struct maps_sum *s)
{
	struct memlock_proc_maps *it = open_maps(root, pid);
	struct memlock_mapping m = { .sz = sizeof(m) };
	uint64_t prev = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	s->sorted = true;
	for (;;) {
		rc = memlock_proc_maps_next(it, &m);
		if (rc != 0)
			break;
		s->sorted &= s->n == 0 || m.start > prev;
		prev = m.start;
		s->n++;
		if (m.vmflags & MEMLOCK_VMA_LOCKED)
			s->locked_vma_size += m.size;
		s->locked += m.locked;
		s->swap += m.swap;
	}
	assert_int_equal(rc, 1);
	assert_int_equal(memlock_proc_maps_next(it, &m), 1);	/* the end is sticky */
	memlock_proc_maps_close(it);
}

static void maps_totals(void **state)
{
	struct maps_sum s;

	(void)state;
	/* VmLck is the size of the VM_LOCKED VMAs (64 + 128 + 16 kB here);
	 * Locked: only counts resident pages */
	sum_maps(LOCKED, 9914, &s);
	assert_int_equal(s.n, 29);
	assert_true(s.sorted);
	assert_int_equal(s.locked_vma_size, KB(208));
	assert_int_equal(s.locked, KB(88));
	sum_maps(MLOCKALL, 9916, &s);
	assert_int_equal(s.n, 24);
	assert_int_equal(s.locked_vma_size, KB(2700));
	sum_maps(SWAPPED, 10144, &s);
	assert_int_equal(s.n, 26);
	assert_int_equal(s.locked_vma_size, KB(256));
	assert_int_equal(s.swap, KB(33948));	/* = VmSwap */
}

static void maps_empty_and_missing(void **state)
{
	struct memlock_proc_maps *it = open_maps(KTHREAD, 2);	/* empty smaps */
	struct memlock_mapping m = { .sz = sizeof(m) };

	(void)state;
	assert_int_equal(memlock_proc_maps_next(it, &m), 1);
	memlock_proc_maps_close(it);
	errno = 0;
	assert_null(memlock_proc_maps_open(LOCKED, 12345));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(memlock_proc_maps_open(LOCKED, -1));
	assert_int_equal(errno, EINVAL);
	assert_fails(memlock_proc_maps_next(NULL, &m), EINVAL);
	memlock_proc_maps_close(NULL);
}

/* ROOT/proc/PID/smaps: the mapping at @first, then @rc2 (and errno). */
static void two_steps(const char *root, pid_t pid, uint64_t first, int rc2)
{
	struct memlock_proc_maps *it = open_maps(root, pid);
	struct memlock_mapping m = { .sz = sizeof(m) };

	assert_int_equal(memlock_proc_maps_next(it, &m), 0);
	assert_int_equal(m.start, first);
	if (rc2 < 0)
		assert_fails(memlock_proc_maps_next(it, &m), -rc2);
	else
		assert_int_equal(memlock_proc_maps_next(it, &m), rc2);
	memlock_proc_maps_close(it);
}

static void maps_bad_lines(void **state)
{
	struct memlock_proc_maps *it;
	struct memlock_mapping m = { .sz = sizeof(m) };

	(void)state;
	two_steps(TRUNC, 104, 0x7f43a26a4000, -EBADMSG);	/* "7f43a2684000-" */
	two_steps(GARBLED, 207, 0x7f43a26a4000, -EBADMSG);	/* binary line */
	/* "7f43a2684" after a whole mapping: the reader meets it while it
	 * still collects that mapping's fields, so the first call fails */
	it = open_maps(TRUNC, 103);
	assert_fails(memlock_proc_maps_next(it, &m), EBADMSG);
	memlock_proc_maps_close(it);
	it = open_maps(GARBLED, 209);	/* junk before the first header */
	assert_fails(memlock_proc_maps_next(it, &m), EBADMSG);
	memlock_proc_maps_close(it);
	it = open_maps(BIGNUM, 303);	/* a start address above 2^64 */
	assert_fails(memlock_proc_maps_next(it, &m), EBADMSG);
	memlock_proc_maps_close(it);
}

static void maps_cut_mid_mapping(void **state)
{
	struct memlock_proc_maps *it = open_maps(TRUNC, 102);
	struct memlock_mapping m = { .sz = sizeof(m) };

	(void)state;
	/* the second mapping ends in "Locked:" with no value and no VmFlags */
	assert_int_equal(memlock_proc_maps_next(it, &m), 0);
	assert_int_equal(m.locked, KB(64));
	assert_int_equal(memlock_proc_maps_next(it, &m), 0);
	assert_int_equal(m.start, 0x7f43a2684000);
	assert_int_equal(m.rss, KB(8));
	assert_int_equal(m.locked, 0);
	assert_int_equal(m.vmflags, 0);
	assert_int_equal(memlock_proc_maps_next(it, &m), 1);
	memlock_proc_maps_close(it);
}

static void maps_long_path(void **state)
{
	struct memlock_proc_maps *it = open_maps(GARBLED, 208);
	struct memlock_mapping m = { .sz = sizeof(m) };
	size_t n;

	(void)state;
	/* a field line before the first header, a blank line inside */
	assert_int_equal(memlock_proc_maps_next(it, &m), 0);
	n = strlen(m.path);
	assert_int_equal(n, 21 + 5000 + 10);
	assert_memory_equal(m.path, "/tmp/dir with spaces/xxx", 24);
	assert_string_equal(m.path + n - 11, "x (deleted)");
	assert_string_equal(m.perms, "rw-s");
	assert_int_equal(m.offset, 0x1000);
	assert_int_equal(m.inode, 4242);
	assert_int_equal(m.locked, KB(16));
	assert_int_equal(m.vmflags, MEMLOCK_VMA_LOCKED | MEMLOCK_VMA_ONFAULT | HAS);
	/* end below start, no path, no trailing space, empty VmFlags */
	assert_int_equal(memlock_proc_maps_next(it, &m), 0);
	assert_int_equal(m.start, 0x7f0000004000);
	assert_int_equal(m.size, 0);
	assert_string_equal(m.path, "");
	assert_string_equal(m.perms, "---p");
	assert_int_equal(m.vmflags, HAS);
	assert_int_equal(memlock_proc_maps_next(it, &m), 1);
	memlock_proc_maps_close(it);
}

/* dd, wf and a memfd_secret(2) area, as 6.18 shows them */
static void maps_secret_flags(void **state)
{
	static const char smaps[] =
		"7ffb48029000-7ffb48039000 rw-s 00000000 00:0e 4232653                    /secretmem (deleted)\n"
		"Rss:                   4 kB\n"
		"VmFlags: rd wr sh mr mw ms lo dd \n"
		"7ffb48226000-7ffb48227000 rw-p 00000000 00:00 0 \n"
		"VmFlags: rd wr mr mw me ac dd \n"
		"7ffb48227000-7ffb48228000 rw-p 00000000 00:00 0 \n"
		"VmFlags: rd wr mr mw me ac wf \n"
		"7ffb48228000-7ffb48229000 rw-s 00000000 00:0e 4232654                    /secretmem\n"
		"VmFlags: rd wr sh mr mw me \n";
	FILE *f = fmemopen((void *)smaps, sizeof(smaps) - 1, "r");
	struct memlock_proc_maps *it = f ? mlk_maps_from_file(f) : NULL;
	struct memlock_mapping m = { .sz = sizeof(m) };

	(void)state;
	assert_non_null(it);
	assert_int_equal(memlock_proc_maps_next(it, &m), 0);
	assert_int_equal(m.vmflags, MEMLOCK_VMA_SECRETMEM | MEMLOCK_VMA_LOCKED |
					    MEMLOCK_VMA_DONTDUMP | HAS);
	assert_int_equal(m.rss, KB(4));
	assert_int_equal(memlock_proc_maps_next(it, &m), 0);
	assert_int_equal(m.vmflags, MEMLOCK_VMA_DONTDUMP | HAS);
	assert_int_equal(memlock_proc_maps_next(it, &m), 0);
	assert_int_equal(m.vmflags, MEMLOCK_VMA_WIPEONFORK | HAS);
	/* a file that is only named so, still linked: not secretmem */
	assert_int_equal(memlock_proc_maps_next(it, &m), 0);
	assert_int_equal(m.vmflags, HAS);
	assert_int_equal(memlock_proc_maps_next(it, &m), 1);
	memlock_proc_maps_close(it);	/* (closes f) */
}

static void maps_overflow(void **state)
{
	struct memlock_proc_maps *it = open_maps(BIGNUM, 302);
	struct memlock_mapping m = { .sz = sizeof(m) };
	int rc;

	(void)state;
	/* "Locked: 10^23 kB": saturate like "Rss: 2^54 kB", or reject it */
	rc = memlock_proc_maps_next(it, &m);
	memlock_proc_maps_close(it);
	if (rc == -EBADMSG)
		return;
	assert_int_equal(rc, 0);
	assert_int_equal(m.rss, UINT64_MAX);
	assert_int_equal(m.locked, UINT64_MAX);
}

static void rollup(void **state)
{
	static const struct memlock_mapping locked = {
		.start = 0x563096f74000, .end = 0x7ffeb8741000, .perms = "---p", .path = NULL,
		.size = 0x7ffeb8741000 - 0x563096f74000, .rss = KB(1656), .pss = KB(365),
		.locked = KB(88), .anonymous = KB(176),
	};
	struct memlock_mapping t = { .sz = sizeof(t) };

	(void)state;
	assert_int_equal(memlock_proc_read_rollup(LOCKED, 9914, &t), 0);
	assert_mapping(&t, &locked);
	assert_int_equal(memlock_proc_read_rollup(SWAPPED, 10144, &t), 0);
	assert_int_equal(t.swap, KB(33948));
	assert_int_equal(t.locked, KB(256));
	/* cut after "Pss:": the header and Rss were read */
	assert_int_equal(memlock_proc_read_rollup(TRUNC, 106, &t), 0);
	assert_int_equal(t.rss, KB(1656));
	assert_int_equal(t.pss, 0);
	assert_fails(memlock_proc_read_rollup(KTHREAD, 2, &t), EBADMSG);
	assert_fails(memlock_proc_read_rollup(EMPTY, 1, &t), EBADMSG);
	assert_fails(memlock_proc_read_rollup(LOCKED, 12345, &t), ENOENT);
	assert_fails(memlock_proc_read_rollup(LOCKED, 9914, NULL), EINVAL);
}

static void vmflags_tokens(void **state)
{
	static const struct {
		const char *s;
		unsigned int want;
	} cases[] = {
		{ " rd wr mr mw me lo lf ac ", MEMLOCK_VMA_LOCKED | MEMLOCK_VMA_ONFAULT },
		{ "lo", MEMLOCK_VMA_LOCKED },
		{ "lolf flo l o", 0 },
		{ "", 0 },
		{ "rd mr pf io de dd", MEMLOCK_VMA_PFNMAP | MEMLOCK_VMA_IO | MEMLOCK_VMA_DONTEXPAND |
					   MEMLOCK_VMA_DONTDUMP },
		{ "mm dp ht", MEMLOCK_VMA_MIXEDMAP | MEMLOCK_VMA_DROPPABLE | MEMLOCK_VMA_HUGETLB },
		{ "rd wr wf dd", MEMLOCK_VMA_WIPEONFORK | MEMLOCK_VMA_DONTDUMP },
		{ "ddwf d dwf", 0 },
	};
	size_t i, n;
	char *buf;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		n = strlen(cases[i].s);
		buf = malloc(n + 1);	/* exact size: no terminator is read */
		assert_non_null(buf);
		memcpy(buf, cases[i].s, n);
		assert_int_equal(mlk_parse_vmflags(buf, buf + n), cases[i].want | HAS);
		free(buf);
	}
}

/* ------------------------------------------------- meminfo, vmstat, swaps */

static void meminfo_vmstat(void **state)
{
	/* sz and uint64_t: no padding, compared whole */
	static const struct memlock_meminfo locked = {
		.sz = sizeof(locked), .mem_total = KB(24683656), .mem_available = KB(24358756),
		.mlocked = KB(14756), .unevictable = KB(15576),
	}, swapped = {
		.sz = sizeof(swapped), .mem_total = KB(24683656), .mem_available = KB(24357184), .mlocked = KB(12232),
		.unevictable = KB(13044), .swap_total = KB(65532), .swap_free = KB(31580),
	};
	static const struct memlock_vmstat vs_swapped = {
		.sz = sizeof(vs_swapped), .culled = 179844, .rescued = 176569, .mlocked = 179893, .munlocked = 176834,
	};
	struct memlock_meminfo mi = { .sz = sizeof(mi) };
	struct memlock_vmstat vs = { .sz = sizeof(vs) };

	(void)state;
	assert_int_equal(memlock_proc_read_meminfo(LOCKED, &mi), 0);
	assert_memory_equal(&mi, &locked, sizeof(mi));
	assert_int_equal(memlock_proc_read_meminfo(SWAPPED, &mi), 0);
	assert_memory_equal(&mi, &swapped, sizeof(mi));
	assert_int_equal(memlock_proc_read_vmstat(SWAPPED, &vs), 0);
	assert_memory_equal(&vs, &vs_swapped, sizeof(vs));
}

/* Every area of ROOT/proc/swaps into @sw (up to @max, each path copied
 * into @paths): the count, or the first error (-errno, errno set too). */
static int read_swaps(const char *root, struct memlock_swap *sw, char (*paths)[4096],
		      size_t max)
{
	struct memlock_proc_swaps *it = memlock_proc_swaps_open(root);
	struct memlock_swap one = { .sz = sizeof(one) };
	int rc, n = 0;

	if (it == NULL)
		return -errno;
	while ((rc = memlock_proc_swaps_next(it, &one)) == 0) {
		assert_true((size_t)n < max);
		assert_true(strlen(one.path) < sizeof(paths[n]));
		strcpy(paths[n], one.path);
		sw[n] = one;
		sw[n].path = paths[n];
		sw[n].type = strcmp(one.type, "file") == 0 ? "file" : "partition";
		assert_true(strcmp(one.type, sw[n].type) == 0);
		n++;
	}
	memlock_proc_swaps_close(it);
	return rc < 0 ? rc : n;
}

static void system_files_bad(void **state)
{
	static const char *const roots[] = { TRUNC, GARBLED, BIGNUM, EMPTY };
	struct memlock_meminfo mi = { .sz = sizeof(mi) };
	struct memlock_vmstat vs = { .sz = sizeof(vs) };
	struct memlock_swap sw[2];
	char paths[2][4096];
	size_t i;

	(void)state;
	/* Mlocked, unevictable_pgs_mlocked, a swap line: cut, garbled or
	 * 10^23; or the file is empty */
	for (i = 0; i < ARRAY_SIZE(roots); i++) {
		/* kB values saturate (as in status and smaps): 10^23 kB Mlocked
		 * reads as UINT64_MAX, never as 0 */
		if (strcmp(roots[i], BIGNUM) == 0) {
			assert_int_equal(memlock_proc_read_meminfo(roots[i], &mi), 0);
			assert_true(mi.mlocked == UINT64_MAX);
		} else {
			assert_fails(memlock_proc_read_meminfo(roots[i], &mi), EBADMSG);
		}
		assert_fails(memlock_proc_read_vmstat(roots[i], &vs), EBADMSG);
		errno = 0;
		assert_int_equal(read_swaps(roots[i], sw, paths, 2), -EBADMSG);
		assert_int_equal(errno, EBADMSG);
	}
	assert_fails(memlock_proc_read_meminfo(KTHREAD, &mi), ENOENT);
	assert_fails(memlock_proc_read_vmstat(KTHREAD, &vs), ENOENT);
	errno = 0;
	assert_null(memlock_proc_swaps_open(KTHREAD));
	assert_int_equal(errno, ENOENT);
}

static void swaps_escaped_path(void **state)
{
	struct memlock_swap sw[2];
	char paths[2][4096];

	(void)state;
	assert_int_equal(read_swaps(LOCKED, sw, paths, 2), 0);	/* header only */
	assert_int_equal(read_swaps(SWAPPED, sw, paths, 2), 1);
	assert_string_equal(sw[0].path, "/tmp/memlock swap file");	/* \040 */
	assert_string_equal(sw[0].type, "file");
	assert_int_equal(sw[0].size, KB(65532));
	assert_int_equal(sw[0].used, KB(33952));
	assert_int_equal(sw[0].prio, -2);
}

static void swaps_all_entries(void **state)
{
	struct memlock_swap sw[8];
	char paths[8][4096];

	(void)state;
	assert_int_equal(read_swaps(MANYSWAPS, sw, paths, 8), 4);
	assert_string_equal(sw[0].path, "/tmp/memlock swap file");
	assert_string_equal(sw[1].path, "/dev/vdb");
	assert_string_equal(sw[1].type, "partition");
	assert_int_equal(sw[1].size, KB(8388604));
	assert_int_equal(sw[1].used, 0);
	assert_int_equal(sw[1].prio, 5);
	assert_string_equal(sw[2].path, "/srv/tab\tand\\back");	/* \011 \134 */
	assert_int_equal(sw[2].size, KB(1024));
	assert_int_equal(sw[2].prio, -3);
	/* a blank line is skipped; a 305-byte path is whole */
	assert_int_equal(strlen(sw[3].path), 305);
	assert_memory_equal(sw[3].path, "/srv/yyyy", 9);
	assert_int_equal(sw[3].size, KB(4));
	assert_int_equal(sw[3].prio, -4);
}

/* A 3,000-byte path with every escape the kernel writes, next to a short
 * one: whole, unescaped, and the fields after it read right. */
static void swaps_long_escaped_path(void **state)
{
	struct memlock_swap sw[2];
	char paths[2][4096], want[4096];
	size_t i, n = 0;

	(void)state;
	want[n++] = '/';
	for (i = 0; i < 10; i++) {
		memset(want + n, 'x' + (char)(i % 3), 296);
		n += 296;
		want[n++] = i % 2 ? '\n' : ' ';		/* \012, \040 */
	}
	memcpy(want + n, "swap\tfile\\", 10);	/* \011, \134 */
	n += 10;
	want[n] = '\0';
	assert_int_equal(read_swaps(LONGSWAP, sw, paths, 2), 2);
	assert_int_equal(strlen(sw[0].path), n);
	assert_string_equal(sw[0].path, want);
	assert_string_equal(sw[0].type, "file");
	assert_int_equal(sw[0].size, KB(1048572));
	assert_int_equal(sw[0].used, KB(512));
	assert_int_equal(sw[0].prio, -2);
	assert_string_equal(sw[1].path, "/dev/zram0");
	assert_string_equal(sw[1].type, "partition");
	assert_int_equal(sw[1].prio, 100);
}

/* The reader's contract: sz checked, a garbled line ends it, NULL is EINVAL. */
static void swaps_reader_contract(void **state)
{
	struct memlock_proc_swaps *it = memlock_proc_swaps_open(MANYSWAPS);
	struct memlock_swap sw = { .sz = 0 };

	(void)state;
	assert_non_null(it);
	assert_fails(memlock_proc_swaps_next(it, &sw), EINVAL);
	sw.sz = sizeof(sw) - sizeof(sw.prio) - 1;	/* short of the 1.0 size */
	assert_fails(memlock_proc_swaps_next(it, &sw), EINVAL);
	assert_fails(memlock_proc_swaps_next(it, NULL), EINVAL);
	assert_fails(memlock_proc_swaps_next(NULL, &sw), EINVAL);
	sw.sz = sizeof(sw);
	assert_int_equal(memlock_proc_swaps_next(it, &sw), 0);	/* not consumed above */
	assert_string_equal(sw.path, "/tmp/memlock swap file");
	memlock_proc_swaps_close(it);
	memlock_proc_swaps_close(NULL);
}

static void pids_iterate(void **state)
{
	struct memlock_proc_pids *it = memlock_proc_pids_open(LOCKED);
	pid_t pid;

	(void)state;
	/* "self", "meminfo", ... are not pids */
	assert_non_null(it);
	assert_int_equal(memlock_proc_pids_next(it, &pid), 0);
	assert_int_equal(pid, 9914);
	assert_int_equal(memlock_proc_pids_next(it, &pid), 1);
	assert_int_equal(memlock_proc_pids_next(it, &pid), 1);
	assert_fails(memlock_proc_pids_next(it, NULL), EINVAL);
	memlock_proc_pids_close(it);
	errno = 0;
	assert_null(memlock_proc_pids_open(FX "no-such-root"));
	assert_int_equal(errno, ENOENT);
}

#define T(fn, desc) { .name = desc, .test_func = fn }

static const struct CMUnitTest other_tests[] = {
	T(status_null, "status: NULL result is EINVAL"),
	T(status_overflow, "status: 10^23 kB is not read as 0"),
	T(maps_totals, "smaps: locked VMAs add up to VmLck, Swap to VmSwap"),
	T(maps_empty_and_missing, "smaps: kernel thread, ENOENT, EINVAL"),
	T(maps_bad_lines, "smaps: bad, cut or overflowing lines are EBADMSG"),
	T(maps_cut_mid_mapping, "smaps: cut mid-mapping"),
	T(maps_long_path, "smaps: 5000-byte path, odd layout"),
	T(maps_secret_flags, "smaps: dd, wf and memfd_secret areas"),
	T(maps_overflow, "smaps: 10^23 kB Locked is not read as 0"),
	T(rollup, "smaps_rollup: totals, cut, empty, missing"),
	T(vmflags_tokens, "vmflags: two-letter tokens only"),
	T(meminfo_vmstat, "meminfo and vmstat: captured values"),
	T(system_files_bad, "meminfo/vmstat/swaps: cut, garbled, huge, empty"),
	T(swaps_escaped_path, "swaps: octal-escaped path"),
	T(swaps_all_entries, "swaps: every entry, escapes, long path"),
	T(swaps_long_escaped_path, "swaps: 3000-byte path, every escape, whole"),
	T(swaps_reader_contract, "swaps: sz, NULL, reader not consumed by a refusal"),
	T(pids_iterate, "pids: only numeric entries, then 1"),
};

#define ADD_CASES(cases, fn)							\
	for (i = 0; i < ARRAY_SIZE(cases); i++)					\
		tests[n++] = (struct CMUnitTest){ .name = cases[i].desc,	\
						  .test_func = fn,		\
						  .initial_state = &cases[i] }

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(status_cases) + ARRAY_SIZE(limits_cases) +
				ARRAY_SIZE(map_cases) + ARRAY_SIZE(other_tests)];
	size_t i, n = 0;

	ADD_CASES(status_cases, status_case);
	ADD_CASES(limits_cases, limits_case);
	ADD_CASES(map_cases, map_case);
	for (i = 0; i < ARRAY_SIZE(other_tests); i++)
		tests[n++] = other_tests[i];
	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
