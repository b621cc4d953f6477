// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * How much of a file's page cache is locked, by whoever locked it: the
 * kernel's own flag (KPF_MLOCKED in /proc/kpageflags) of each resident page.
 * The pages are found through a mapping of our own: mincore(2) says which
 * are resident, MADV_POPULATE_READ maps just those (no read: they are in
 * memory), /proc/self/pagemap gives their frame numbers. Frame numbers and
 * kpageflags need CAP_SYS_ADMIN: without it the answer is -EPERM, never a
 * guess. Nothing is locked, and nothing but what is resident is touched.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files/files.h"

#define WINDOW_PAGES 32768u		/* 128 MiB of file at a time */
#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)
#define KPF_MLOCKED 33

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

struct probe {
	int pagemap, kflags;
	unsigned char *vec;
	uint64_t *pm;
	size_t page;
};

/* Map what is resident in [p, p + n pages) into our page table. */
static void populate_resident(const struct probe *pr, char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;

		if (!(pr->vec[i] & 1)) {
			i++;
			continue;
		}
		while (j < n && (pr->vec[j] & 1))
			j++;
		(void)madvise(p + i * pr->page, (j - i) * pr->page, MADV_POPULATE_READ);
		i = j;
	}
}

static int count_window(const struct probe *pr, char *p, size_t n, uint64_t *locked)
{
	size_t len = n * sizeof(uint64_t);
	off_t at = (off_t)((uintptr_t)p / pr->page * sizeof(uint64_t));

	if (mincore(p, n * pr->page, pr->vec) < 0)
		return -errno;
	populate_resident(pr, p, n);
	if (pread(pr->pagemap, pr->pm, len, at) != (ssize_t)len)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		uint64_t pfn = pr->pm[i] & PM_PFN_MASK, flags;

		if (!(pr->pm[i] & PM_PRESENT))
			continue;	/* not resident */
		if (pfn == 0)
			return -EPERM;	/* pagemap hides the frames from us */
		if (pread(pr->kflags, &flags, sizeof(flags), (off_t)(pfn * sizeof(flags))) !=
		    sizeof(flags))
			return -EIO;
		*locked += (flags >> KPF_MLOCKED) & 1;
	}
	return 0;
}

int memlock_file_locked(int fd, uint64_t *locked)
{
	struct probe pr = { .page = (size_t)sysconf(_SC_PAGESIZE) };
	uint64_t pages, done = 0;
	struct stat st;
	int rc = 0;

	if (locked == NULL)
		return mlk_err(-EINVAL);
	*locked = 0;
	if (fstat(fd, &st) < 0)
		return mlk_err(-errno);
	if (!S_ISREG(st.st_mode))
		return mlk_err(-EINVAL);
	pr.kflags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (pr.kflags < 0)
		return mlk_err(errno == EACCES ? -EPERM : -errno);
	pr.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	pr.vec = malloc(WINDOW_PAGES);
	pr.pm = malloc(WINDOW_PAGES * sizeof(uint64_t));
	if (pr.pagemap < 0 || pr.vec == NULL || pr.pm == NULL)
		rc = pr.pagemap < 0 ? -errno : -ENOMEM;
	pages = ((uint64_t)st.st_size + pr.page - 1) / pr.page;
	while (rc == 0 && done < pages) {
		size_t n = pages - done < WINDOW_PAGES ? (size_t)(pages - done) : WINDOW_PAGES;
		char *p = mmap(NULL, n * pr.page, PROT_READ, MAP_SHARED, fd,
			       (off_t)(done * pr.page));

		if (p == MAP_FAILED) {
			rc = -errno;
			break;
		}
		rc = count_window(&pr, p, n, locked);
		munmap(p, n * pr.page);
		done += n;
	}
	free(pr.vec);
	free(pr.pm);
	if (pr.pagemap >= 0)
		close(pr.pagemap);
	close(pr.kflags);
	return mlk_err(rc);
}
