// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/PID/status and /proc/PID/limits. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int parse_tab_u64(const char *s, const char *end, uint64_t *v)
{
	return mlk_parse_u64(&s, end, 10, v);
}

int mlk_parse_status(const char *buf, size_t len, struct memlock_status *st)
{
	const char *p = buf, *end = buf + len, *line, *v, *le;
	bool have_pid = false, have_name = false;
	uint64_t n;
	size_t ll;

	memset(st, 0, sizeof(*st));
	while (mlk_next_line(&p, end, &line, &ll)) {
		le = line + ll;
		if ((v = mlk_field(line, ll, "Name")) != NULL) {
			size_t i = 0;

			while (v < le && (*v == '\t' || *v == ' '))
				v++;
			for (; v < le && i < sizeof(st->name) - 1; v++, i++)
				st->name[i] = (*v < 0x20 || *v == 0x7f) ? '?' : *v;
			st->name[i] = '\0';
			have_name = true;
		} else if ((v = mlk_field(line, ll, "State")) != NULL) {
			while (v < le && (*v == '\t' || *v == ' '))
				v++;
			st->state = v < le ? *v : '?';
		} else if ((v = mlk_field(line, ll, "Pid")) != NULL) {
			if (parse_tab_u64(v, le, &n) == 0 && n <= INT32_MAX) {
				st->pid = (pid_t)n;
				have_pid = true;
			}
		} else if ((v = mlk_field(line, ll, "Uid")) != NULL) {
			/* real, effective, saved, fs */
			if (mlk_parse_u64(&v, le, 10, &n) == 0 && n <= UINT32_MAX) {
				st->ruid = (uid_t)n;
				if (mlk_parse_u64(&v, le, 10, &n) == 0 && n <= UINT32_MAX)
					st->euid = (uid_t)n;
			}
		} else if ((v = mlk_field(line, ll, "TracerPid")) != NULL) {
			if (parse_tab_u64(v, le, &n) == 0 && n <= INT32_MAX)
				st->tracer_pid = (pid_t)n;
		} else if ((v = mlk_field(line, ll, "Threads")) != NULL) {
			if (parse_tab_u64(v, le, &n) == 0 && n <= UINT32_MAX)
				st->threads = (unsigned int)n;
		} else if ((v = mlk_field(line, ll, "VmSize")) != NULL) {
			/* kernel threads have no Vm* lines at all */
			if (mlk_parse_kb(v, le, &st->vm_size) == 0)
				st->has_mm = true;
		} else if ((v = mlk_field(line, ll, "VmLck")) != NULL) {
			(void)mlk_parse_kb(v, le, &st->vm_lck);
		} else if ((v = mlk_field(line, ll, "VmPin")) != NULL) {
			(void)mlk_parse_kb(v, le, &st->vm_pin);
		} else if ((v = mlk_field(line, ll, "VmRSS")) != NULL) {
			(void)mlk_parse_kb(v, le, &st->vm_rss);
		} else if ((v = mlk_field(line, ll, "VmSwap")) != NULL) {
			(void)mlk_parse_kb(v, le, &st->vm_swap);
		} else if ((v = mlk_field(line, ll, "CapEff")) != NULL) {
			(void)mlk_parse_u64(&v, le, 16, &st->cap_eff);
		}
	}
	if (!have_pid || !have_name)
		return -EBADMSG;
	return 0;
}

int memlock_proc_read_status(const char *root, pid_t pid, struct memlock_status *st)
{
	size_t len;
	char *buf;
	int rc;

	if (st == NULL || pid < 0)
		return mlk_err(-EINVAL);
	rc = mlk_read_proc(root, pid, "status", &buf, &len);
	if (rc < 0)
		return mlk_err(rc);
	rc = mlk_parse_status(buf, len, st);
	free(buf);
	return mlk_err(rc);
}

static int parse_limit_value(const char **s, const char *end, uint64_t *v)
{
	const char *p = *s;

	while (p < end && *p == ' ')
		p++;
	if (end - p >= 9 && memcmp(p, "unlimited", 9) == 0) {
		*v = MEMLOCK_UNLIMITED;
		*s = p + 9;
		return 0;
	}
	*s = p;
	return mlk_parse_u64(s, end, 10, v);
}

int mlk_parse_limits(const char *buf, size_t len, struct memlock_limits *lim)
{
	static const char key[] = "Max locked memory";
	const char *p = buf, *end = buf + len, *line, *v, *le;
	size_t ll;

	while (mlk_next_line(&p, end, &line, &ll)) {
		if (ll < sizeof(key) - 1 || memcmp(line, key, sizeof(key) - 1) != 0)
			continue;
		v = line + sizeof(key) - 1;
		le = line + ll;
		if (parse_limit_value(&v, le, &lim->soft) < 0 ||
		    parse_limit_value(&v, le, &lim->hard) < 0)
			return -EBADMSG;
		return 0;
	}
	return -EBADMSG;
}

int memlock_proc_read_limits(const char *root, pid_t pid, struct memlock_limits *lim)
{
	size_t len;
	char *buf;
	int rc;

	if (lim == NULL || pid < 0)
		return mlk_err(-EINVAL);
	rc = mlk_read_proc(root, pid, "limits", &buf, &len);
	if (rc < 0)
		return mlk_err(rc);
	rc = mlk_parse_limits(buf, len, lim);
	free(buf);
	return mlk_err(rc);
}

#define CAP_IPC_LOCK_BIT 14

bool memlock_proc_has_cap_ipc_lock(const char *root, const struct memlock_status *st,
				   bool *in_child_userns)
{
	int init;

	if (in_child_userns != NULL)
		*in_child_userns = false;
	if (st == NULL)
		return false;
	/* capable() in mlock checks the initial user namespace: a capability
	 * held only inside a child namespace does not lift the limit. */
	init = mlk_userns_is_init(root, st->pid);
	if (init == 0 && in_child_userns != NULL)
		*in_child_userns = true;
	if (!(st->cap_eff & (1ull << CAP_IPC_LOCK_BIT)))
		return false;
	return init != 0;
}
