// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/PID/smaps and smaps_rollup, one mapping at a time: the public face of maps-lines.c. */
#include <stdlib.h>
#include <string.h>

#include "procfs/procfs.h"

struct memlock_proc_maps *memlock_proc_maps_open(const char *root, pid_t pid)
{
	if (pid < 0) {
		errno = EINVAL;
		return NULL;
	}
	return mlk_maps_open(root, pid, "smaps");
}

int memlock_proc_maps_next(struct memlock_proc_maps *it, struct memlock_mapping *out)
{
	struct memlock_mapping m = { .sz = sizeof(m) };
	int rc;

	if (it == NULL || mlk_out_check(out, MLK_SZ_MAPPING) < 0)
		return mlk_err(-EINVAL);
	rc = mlk_maps_next(it, &m);
	if (rc == 0)
		mlk_out_copy(out, &m, sizeof(m));
	return mlk_err(rc);
}

void memlock_proc_maps_close(struct memlock_proc_maps *it)
{
	mlk_maps_close(it);
}

int memlock_proc_read_rollup(const char *root, pid_t pid, struct memlock_mapping *total)
{
	struct memlock_mapping m = { .sz = sizeof(m) };
	struct memlock_proc_maps *it;
	int rc;

	if (mlk_out_check(total, MLK_SZ_MAPPING) < 0 || pid < 0)
		return mlk_err(-EINVAL);
	it = mlk_maps_open(root, pid, "smaps_rollup");
	if (it == NULL)
		return mlk_err(-errno);
	rc = mlk_maps_next(it, &m);
	if (rc == 1)
		rc = -EBADMSG;	/* empty: a kernel thread, or not a rollup */
	if (rc == 0) {
		m.path = NULL;	/* it pointed into the reader */
		mlk_out_copy(total, &m, sizeof(m));
	}
	mlk_maps_close(it);
	return mlk_err(rc);
}
