// SPDX-License-Identifier: LGPL-2.1-or-later
/* The map count: how many mappings a process has, and vm.max_map_count,
 * the most it may have (mmap and the VMA splits of mlock fail with ENOMEM
 * past it). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "procfs/procfs.h"

int mlk_read_max_map_count(const char *root, uint64_t *max)
{
	const char *s;
	size_t len;
	char *buf;
	int rc;

	rc = mlk_read_proc(root, -1, "sys/vm/max_map_count", &buf, &len);
	if (rc < 0)
		return rc;
	s = buf;
	rc = mlk_parse_u64(&s, buf + len, 10, max);
	free(buf);
	return rc;
}

/* Lines of /proc/PID/maps, read in blocks (no line is parsed). */
int mlk_count_maps(const char *root, pid_t pid, uint64_t *n)
{
	char path[PATH_MAX], block[16384];
	ssize_t got;
	int rc, fd;

	rc = mlk_proc_pathf(path, sizeof(path), root, pid, "maps");
	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*n = 0;
	while ((got = read(fd, block, sizeof(block))) > 0)
		for (ssize_t i = 0; i < got; i++)
			*n += block[i] == '\n';
	rc = got < 0 ? -errno : 0;
	close(fd);
	return rc;
}
