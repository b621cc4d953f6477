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

/* files-follow.c: what a holder does while it holds */
struct follow;
struct follow *follow_new(struct memlock_holder *h);
/* Remember @path, held as @r says (r->id 0: not held), and watch its directory. */
void follow_track(struct follow *fw, const char *path, const struct memlock_hold_result *r);
/* Walk @paths again: keep what is unchanged, lock what changed, release what is gone. */
void follow_reload(struct follow *fw, char **paths, int n, const struct memlock_walk_opts *wo);
/* Hold until SIGINT/SIGTERM, following the files; SIGHUP reloads. */
void follow_hold(struct follow *fw, char **paths, int n, const struct memlock_walk_opts *wo);
void follow_free(struct follow *fw);

#endif /* MEMLOCK_CLI_FILES_H */
