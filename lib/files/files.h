/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/files: file pages - residency, walks of file trees. */
#ifndef MLK_FILES_H
#define MLK_FILES_H

#include <stdlib.h>

#include "core/core.h"

/* cachestat(2), Linux 6.5: the same number on every architecture (the
 * generic syscall table), absent from Debian 12's 6.1 headers */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

/* extents.c: a file's data extents, page-aligned and merged */
struct mlk_extent {
	uint64_t off, len;
};
MLK_HIDDEN int mlk_data_extents(int fd, uint64_t size, uint64_t page, struct mlk_extent **out,
				size_t *n);

#endif /* MLK_FILES_H */
