/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memlock files --with-libs / --from-pid: the paths a program needs in RAM. */
#ifndef MEMLOCK_CLI_FILES_NEEDS_H
#define MEMLOCK_CLI_FILES_NEEDS_H

#include <sys/types.h>

/*
 * The paths to lock for @program (itself, its interpreter, its shared
 * libraries) or, with @program NULL, for the process @pid (each regular
 * file it maps). A missing library and a file the process maps that was
 * deleted or replaced are warned about ("memlock: <what>: <reason>") and
 * left out. *@paths (*@n of them) is the caller's to free with
 * files_needs_free(). Returns 0, or -errno after an error message.
 */
int files_needs_paths(const char *program, pid_t pid, char ***paths, size_t *n);
void files_needs_free(char **paths, size_t n);

#endif /* MEMLOCK_CLI_FILES_NEEDS_H */
