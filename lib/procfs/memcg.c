// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The memory cgroup a process is in, and the room it leaves: locked page
 * cache is charged to the cgroup of the process that faults it in, and a
 * cgroup too small for what a holder locks has the kernel OOM-kill the
 * holder (vmtouch's "daemon shut down unexpectedly"). cgroup v1's memory
 * controller (memory.limit_in_bytes, memory.usage_in_bytes) where it is
 * mounted, else v2's (memory.max, memory.current); every level from the
 * process's cgroup up to the mount's root counts, the tightest wins.
 */
#include <stdlib.h>
#include <string.h>

#include "procfs/procfs.h"

/* v1 counts "no limit" as a huge page-aligned number, not as "max" */
#define V1_UNLIMITED (1ull << 62)

struct memcg_mount {
	char dir[PATH_MAX];	/* where the hierarchy is mounted */
	bool v2;
};

/* The mount point of the v1 memory controller, else of cgroup2. */
static int find_mount(struct memcg_mount *m)
{
	char *buf, *line, *save = NULL;
	size_t len;
	bool found = false;
	int rc = mlk_read_proc(NULL, 0, "mountinfo", &buf, &len);

	if (rc < 0)
		return rc;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mnt[PATH_MAX], fstype[32], opts[256];
		const char *sep = strstr(line, " - ");

		if (sep == NULL || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%31s %*s %255s", fstype, opts) != 2)
			continue;
		if (strcmp(fstype, "cgroup") == 0 && strstr(opts, "memory")) {
			snprintf(m->dir, sizeof(m->dir), "%s", mnt);
			m->v2 = false;
			found = true;
			break;	/* v1's memory controller: the one in charge */
		}
		if (strcmp(fstype, "cgroup2") == 0 && !found) {
			snprintf(m->dir, sizeof(m->dir), "%s", mnt);
			m->v2 = true;
			found = true;
		}
	}
	free(buf);
	return found ? 0 : -ENOENT;
}

/* The process's path in that hierarchy, from /proc/PID/cgroup. */
static int cgroup_path(pid_t pid, bool v2, char *out, size_t sz)
{
	char *buf, *line, *save = NULL;
	size_t len;
	int rc = mlk_read_proc(NULL, pid, "cgroup", &buf, &len);

	if (rc < 0)
		return rc;
	rc = -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;

		if (path == NULL)
			continue;
		*path++ = '\0';
		ctrl++;
		if (v2 ? strcmp(line, "0") == 0 && *ctrl == '\0'
		       : (strcmp(ctrl, "memory") == 0 || strstr(ctrl, "memory,") ||
			  strstr(ctrl, ",memory"))) {
			rc = snprintf(out, sz, "%s", path) < (int)sz ? 0 : -ENAMETOOLONG;
			break;
		}
	}
	free(buf);
	return rc;
}

static int read_value(const char *dir, const char *file, uint64_t *v)
{
	char path[PATH_MAX * 2], *buf;
	const char *s;
	size_t len;
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	rc = mlk_read_file(path, &buf, &len);
	if (rc < 0)
		return rc;
	s = buf;
	if (strncmp(buf, "max", 3) == 0)
		*v = MEMLOCK_UNLIMITED;
	else
		rc = mlk_parse_u64(&s, buf + len, 10, v);
	free(buf);
	if (rc == 0 && *v >= V1_UNLIMITED)
		*v = MEMLOCK_UNLIMITED;
	return rc;
}

int mlk_read_memcg(pid_t pid, uint64_t *limit, uint64_t *room)
{
	struct memcg_mount m;
	char rel[PATH_MAX], dir[PATH_MAX * 2];
	int rc;

	*limit = *room = MEMLOCK_UNLIMITED;
	rc = find_mount(&m);
	if (rc == 0)
		rc = cgroup_path(pid, m.v2, rel, sizeof(rel));
	if (rc < 0)
		return rc;
	/* from the process's cgroup up to the root of the mount */
	for (char *end = rel + strlen(rel);;) {
		uint64_t lim, use;

		*end = '\0';
		snprintf(dir, sizeof(dir), "%s%s", m.dir, rel);
		if (read_value(dir, m.v2 ? "memory.max" : "memory.limit_in_bytes", &lim) == 0 &&
		    lim != MEMLOCK_UNLIMITED &&
		    read_value(dir, m.v2 ? "memory.current" : "memory.usage_in_bytes", &use) == 0) {
			if (lim < *limit)
				*limit = lim;
			if ((lim > use ? lim - use : 0) < *room)
				*room = lim > use ? lim - use : 0;
		}
		end = strrchr(rel, '/');
		if (end == NULL || end == rel)
			break;
	}
	return 0;
}
