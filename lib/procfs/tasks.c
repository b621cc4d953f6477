// SPDX-License-Identifier: LGPL-2.1-or-later
/* The tasks of a process (/proc/PID/task), and the numbered entries of /proc. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "procfs/procfs.h"

int mlk_ids_next(DIR *dir, pid_t *id)
{
	struct dirent *d;

	for (;;) {
		const char *s;
		uint64_t v;

		errno = 0;
		d = readdir(dir);
		if (d == NULL)
			return errno ? -errno : 1;
		s = d->d_name;
		if (mlk_parse_u64(&s, s + strlen(s), 10, &v) < 0 || *s != '\0' || v == 0 ||
		    v > INT32_MAX)
			continue;
		*id = (pid_t)v;
		return 0;
	}
}

int mlk_tasks_open(struct mlk_tasks *it, const char *root, pid_t pid)
{
	char path[PATH_MAX];
	int rc;

	it->dir = NULL;
	rc = mlk_proc_pathf(path, sizeof(path), root, pid, "task");
	if (rc < 0)
		return rc;
	it->dir = opendir(path);
	return it->dir ? 0 : -errno;
}

int mlk_tasks_next(struct mlk_tasks *it, pid_t *tid)
{
	return mlk_ids_next(it->dir, tid);
}

void mlk_tasks_close(struct mlk_tasks *it)
{
	if (it->dir != NULL)
		closedir(it->dir);
	it->dir = NULL;
}

int mlk_read_task(const char *root, pid_t pid, pid_t tid, const char *file, char **buf,
		  size_t *len)
{
	char path[PATH_MAX];
	int rc;

	rc = mlk_proc_pathf(path, sizeof(path), root, pid, "task/%d/%s", (int)tid, file);
	if (rc < 0)
		return rc;
	return mlk_read_file(path, buf, len);
}

bool mlk_task_is_of(const char *root, pid_t pid, pid_t tid)
{
	char path[PATH_MAX];

	return tid > 0 && mlk_proc_pathf(path, sizeof(path), root, pid, "task/%d", (int)tid) == 0 &&
	       access(path, F_OK) == 0;
}

int mlk_seccomp_mode(pid_t pid)
{
	int rc, mode = SECCOMP_MODE_DISABLED, seen = 0;
	struct mlk_tasks it;
	size_t len;
	uint64_t m;
	pid_t tid;
	char *buf;

	rc = mlk_tasks_open(&it, NULL, pid);
	if (rc < 0)
		return rc;
	while (mlk_tasks_next(&it, &tid) == 0) {
		if (mlk_read_task(NULL, pid, tid, "status", &buf, &len) < 0)
			continue;
		seen++;
		if (mlk_field_u64(buf, len, "Seccomp", 10, &m) == 0 && (int)m > mode)
			mode = (int)m;
		free(buf);
	}
	mlk_tasks_close(&it);
	return seen ? mode : -EACCES;
}
