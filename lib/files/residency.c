// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * How much of a file is in the page cache: cachestat(2) where the kernel
 * has it, mincore(2) where its answer is true, "unknown" otherwise.
 *
 * Since Linux 5.2 (commit 134fca9063ad) mincore(2) on a file mapping says
 * every page is resident unless the caller could write to the file: it owns
 * it, holds CAP_FOWNER or has write permission (can_do_mincore() in
 * mm/mincore.c). cachestat(2) makes the same test and answers EPERM. So an
 * EPERM from cachestat, or a failed test before mincore, is reported as
 * unknown: fincore 2.38 and vmtouch 1.3.1 print 100% there.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "files/files.h"

/* mincore(2) a window at a time: 128 MiB of file, a 32 KiB vector (heap) */
#define MINCORE_WINDOW_PAGES 32768u

struct mlk_cachestat_range {
	uint64_t off, len;
};

struct mlk_cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

const char *memlock_residency_source_name(enum memlock_residency_source s)
{
	static const char *const names[] = {
		[MEMLOCK_RES_UNKNOWN] = "unknown", [MEMLOCK_RES_CACHESTAT] = "cachestat",
		[MEMLOCK_RES_MINCORE] = "mincore",
	};

	return MLK_NAME_OF(names, s, "unknown");
}

static int by_cachestat(int fd, struct memlock_residency *r)
{
	struct mlk_cachestat_range range = { 0, 0 };	/* len 0: to the end */
	struct mlk_cachestat cs;

	memset(&cs, 0, sizeof(cs));
	if (syscall(__NR_cachestat, fd, &range, &cs, 0) < 0)
		return -errno;
	r->source = MEMLOCK_RES_CACHESTAT;
	r->cached = cs.nr_cache;
	r->dirty = cs.nr_dirty;
	r->writeback = cs.nr_writeback;
	r->evicted = cs.nr_evicted;
	r->recently_evicted = cs.nr_recently_evicted;
	return 0;
}

/* Linux before 5.2 answered mincore(2) truthfully for everyone. */
static bool kernel_before_5_2(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major < 5 || (major == 5 && minor < 2);
}

static bool has_cap_fowner(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[CAP_FOWNER / 32].effective & (1u << (CAP_FOWNER % 32));
}

/* can_do_mincore() of mm/mincore.c, from user space: owner, CAP_FOWNER
 * (in the file's user namespace: approximated by our own), or write
 * permission to the very file @fd (through its /proc/self/fd link, which
 * works on kernels without faccessat2's AT_EMPTY_PATH). */
static bool mincore_tells_truth(int fd, const struct stat *st)
{
	char link[64];

	if (kernel_before_5_2() || geteuid() == st->st_uid || has_cap_fowner())
		return true;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	return faccessat(AT_FDCWD, link, W_OK, AT_EACCESS) == 0;
}

static int by_mincore(int fd, struct memlock_residency *r)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *vec;
	uint64_t done = 0, cached = 0;
	int rc = 0;

	vec = malloc(MINCORE_WINDOW_PAGES);
	if (vec == NULL)
		return -ENOMEM;
	while (done < r->pages) {
		uint64_t n = r->pages - done;
		size_t len;
		void *p;

		if (n > MINCORE_WINDOW_PAGES)
			n = MINCORE_WINDOW_PAGES;
		len = (size_t)n * ps;
		p = mmap(NULL, len, PROT_NONE, MAP_SHARED, fd, (off_t)(done * ps));
		if (p == MAP_FAILED) {
			rc = -errno;
			break;
		}
		if (mincore(p, len, vec) < 0)
			rc = -errno;
		munmap(p, len);
		if (rc < 0)
			break;
		for (uint64_t i = 0; i < n; i++)
			cached += vec[i] & 1;
		done += n;
	}
	free(vec);
	if (rc < 0)
		return rc;
	r->source = MEMLOCK_RES_MINCORE;
	r->cached = cached;
	return 0;
}

/* The residency of regular file @fd of @size bytes; @st is its stat when
 * the caller has it, else it is read only where mincore(2) needs it. */
static int residency_sized(int fd, uint64_t size, const struct stat *st, unsigned int flags,
			   struct memlock_residency *r)
{
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);
	struct stat own;
	int rc = -ENOSYS;

	r->size = size;
	r->pages = (r->size + ps - 1) / ps;

	if (!(flags & MEMLOCK_F_MINCORE))
		rc = by_cachestat(fd, r);
	if (rc == -ENOSYS || rc == -EOPNOTSUPP) {
		if (st == NULL && fstat(fd, &own) < 0)
			return -errno;
		if (mincore_tells_truth(fd, st ? st : &own))
			rc = by_mincore(fd, r);
		else
			rc = -EPERM;
	}
	if (rc == -EPERM) {
		r->source = MEMLOCK_RES_UNKNOWN;
		r->unknown_err = EPERM;
		return 0;
	}
	if (rc < 0)
		return rc;
	/* the file grew between fstat and the count */
	if (r->cached > r->pages)
		r->pages = r->cached;
	return 0;
}

static int residency(int fd, unsigned int flags, struct memlock_residency *r)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	return residency_sized(fd, (uint64_t)st.st_size, &st, flags, r);
}

int memlock_file_residency(int fd, unsigned int flags, struct memlock_residency *out)
{
	struct memlock_residency r = { .sz = sizeof(r) };
	int rc;

	if (mlk_out_check(out, MLK_SZ_RESIDENCY) < 0 || (flags & ~MEMLOCK_F_MINCORE))
		return mlk_err(-EINVAL);
	rc = residency(fd, flags, &r);
	if (rc == 0)
		mlk_out_copy(out, &r, sizeof(r));
	return mlk_err(rc);
}

int memlock_file_residency_walked(const struct memlock_file *f, unsigned int flags,
				  struct memlock_residency *out)
{
	struct memlock_residency r = { .sz = sizeof(r) };
	int rc;

	if (f == NULL || mlk_out_check(out, MLK_SZ_RESIDENCY) < 0 || (flags & ~MEMLOCK_F_MINCORE) ||
	    f->sz < MLK_SZ_FILE || f->kind != MEMLOCK_FILE_REGULAR || f->fd < 0)
		return mlk_err(-EINVAL);
	rc = residency_sized(f->fd, f->size, NULL, flags, &r);
	if (rc == 0)
		mlk_out_copy(out, &r, sizeof(r));
	return mlk_err(rc);
}
