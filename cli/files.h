/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memlock files: the parts of cmd-files.c in files of their own. */
#ifndef MEMLOCK_CLI_FILES_H
#define MEMLOCK_CLI_FILES_H

#include "memlock.h"

struct files_lock_opts {
	uint64_t budget;	/* 0: the default (RLIMIT_MEMLOCK, or none with CAP_IPC_LOCK) */
	uint64_t rate;		/* bytes per second, 0: no limit */
	bool strict;		/* a file not locked in full: hold nothing, fail */
	bool verbose;		/* say every file not locked in full, and every skip */
};

/* files-lock.c: lock @paths and hold them until SIGINT/SIGTERM; the exit status */
int files_lock(char **paths, int n, const struct memlock_walk_opts *wo,
	       const struct files_lock_opts *o);

#endif /* MEMLOCK_CLI_FILES_H */
