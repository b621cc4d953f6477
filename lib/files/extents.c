// SPDX-License-Identifier: LGPL-2.1-or-later
/* The data extents of a file (SEEK_DATA/SEEK_HOLE), in whole pages: what a
 * holder maps and locks, so that the holes of a sparse file are never read
 * into the page cache as pages of zeros. */
#include <sys/stat.h>
#include <unistd.h>

#include "files/files.h"

static int add(struct mlk_extent **v, size_t *n, size_t *cap, uint64_t off, uint64_t end)
{
	if (*n && off <= (*v)[*n - 1].off + (*v)[*n - 1].len) {	/* touches the last */
		struct mlk_extent *last = &(*v)[*n - 1];

		if (end > last->off + last->len)
			last->len = end - last->off;
		return 0;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct mlk_extent *nv = realloc(*v, nc * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = (struct mlk_extent){ off, end - off };
	return 0;
}

int mlk_data_extents(int fd, const struct stat *st, uint64_t page, struct mlk_extent **out,
		     size_t *n)
{
	uint64_t pos = 0, size = (uint64_t)st->st_size, limit = (size + page - 1) / page * page;
	size_t cap = 0;
	off_t saved;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (size == 0)
		return 0;
	/* as many blocks as bytes: no hole, no lseek (most files) */
	if ((uint64_t)st->st_blocks * 512 >= size)
		return add(out, n, &cap, 0, limit);
	saved = lseek(fd, 0, SEEK_CUR);
	while (pos < size) {
		off_t d = lseek(fd, (off_t)pos, SEEK_DATA), h;
		uint64_t start, end;

		if (d < 0 && errno == ENXIO)	/* only a hole from here on */
			break;
		if (d < 0) {	/* no SEEK_DATA here: all of it is data */
			rc = add(out, n, &cap, 0, limit);
			break;
		}
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0 || (uint64_t)h > size)
			h = (off_t)size;
		start = (uint64_t)d / page * page;
		end = ((uint64_t)h + page - 1) / page * page;
		if (end > limit)
			end = limit;
		if (start < end) {
			rc = add(out, n, &cap, start, end);
			if (rc < 0)
				break;
		}
		if ((uint64_t)h <= pos)	/* no progress: a file system that lies */
			break;
		pos = (uint64_t)h;
	}
	if (saved >= 0)
		lseek(fd, saved, SEEK_SET);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}
