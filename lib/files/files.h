/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/files: file pages - residency, walks of file trees. */
#ifndef MLK_FILES_H
#define MLK_FILES_H

#include "core/core.h"

/* cachestat(2), Linux 6.5: the same number on every architecture (the
 * generic syscall table), absent from Debian 12's 6.1 headers */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

#endif /* MLK_FILES_H */
