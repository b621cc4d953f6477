// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/PID/status and /proc/PID/limits. */
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "procfs/procfs.h"

enum status_key {
	K_NAME, K_STATE, K_PID, K_UID, K_TRACER, K_THREADS, K_VMSIZE, K_VMLCK, K_VMPIN,
	K_VMRSS, K_VMSWAP, K_CAPEFF, K_CAPPRM, K_OTHER,
};

/* status has ~60 lines and `memlock status` reads it for every process: find
 * the key once, then compare it only with keys of the same length. */
static enum status_key status_key(const char *k, size_t kl)
{
#define KEY(s, k) { s, sizeof(s) - 1, k }
	static const struct {
		const char *name;
		size_t len;
		enum status_key key;
	} keys[] = {
		KEY("Name", K_NAME),	   KEY("State", K_STATE),	KEY("Pid", K_PID),
		KEY("Uid", K_UID),	   KEY("TracerPid", K_TRACER), KEY("Threads", K_THREADS),
		KEY("VmSize", K_VMSIZE),  KEY("VmLck", K_VMLCK),	KEY("VmPin", K_VMPIN),
		KEY("VmRSS", K_VMRSS),	   KEY("VmSwap", K_VMSWAP),	KEY("CapEff", K_CAPEFF),
		KEY("CapPrm", K_CAPPRM),
	};
#undef KEY
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].len == kl && memcmp(keys[i].name, k, kl) == 0)
			return keys[i].key;
	return K_OTHER;
}

int mlk_parse_status(const char *buf, size_t len, struct memlock_status *st)
{
	const char *p = buf, *end = buf + len, *line, *v, *le, *colon;
	bool have_pid = false, have_name = false;
	uint64_t n;
	size_t ll, i;

	memset(st, 0, sizeof(*st));
	st->sz = sizeof(*st);
	while (mlk_next_line(&p, end, &line, &ll)) {
		le = line + ll;
		colon = memchr(line, ':', ll < 16 ? ll : 16);
		if (colon == NULL)
			continue;
		v = colon + 1;
		switch (status_key(line, (size_t)(colon - line))) {
		case K_NAME:
			if (v < le && *v == '\t')	/* (a name may start with blanks) */
				v++;
			/* the kernel writes a newline in the name as \n and a
			 * backslash as \\ (proc_task_name()), every other byte
			 * as it is: undo that, so @name holds the name's bytes */
			for (i = 0; v < le && i < sizeof(st->name) - 1; v++, i++) {
				if (*v == '\\' && v + 1 < le && (v[1] == 'n' || v[1] == '\\'))
					st->name[i] = *++v == 'n' ? '\n' : '\\';
				else
					st->name[i] = *v;
			}
			st->name[i] = '\0';
			have_name = true;
			break;
		case K_STATE:
			while (v < le && (*v == '\t' || *v == ' '))
				v++;
			st->state = v < le ? *v : '?';
			break;
		case K_PID:
			if (mlk_parse_u64(&v, le, 10, &n) == 0 && n <= INT32_MAX) {
				st->pid = (pid_t)n;
				have_pid = true;
			}
			break;
		case K_UID:
			/* real, effective, saved, fs */
			if (mlk_parse_u64(&v, le, 10, &n) == 0 && n <= UINT32_MAX) {
				st->ruid = (uid_t)n;
				if (mlk_parse_u64(&v, le, 10, &n) == 0 && n <= UINT32_MAX)
					st->euid = (uid_t)n;
			}
			break;
		case K_TRACER:
			if (mlk_parse_u64(&v, le, 10, &n) == 0 && n <= INT32_MAX)
				st->tracer_pid = (pid_t)n;
			break;
		case K_THREADS:
			if (mlk_parse_u64(&v, le, 10, &n) == 0 && n <= UINT32_MAX)
				st->threads = (unsigned int)n;
			break;
		case K_VMSIZE:
			/* kernel threads have no Vm* lines at all */
			if (mlk_parse_kb(v, le, &st->vm_size) == 0)
				st->has_mm = true;
			break;
		case K_VMLCK:
			(void)mlk_parse_kb(v, le, &st->vm_lck);
			break;
		case K_VMPIN:
			(void)mlk_parse_kb(v, le, &st->vm_pin);
			break;
		case K_VMRSS:
			(void)mlk_parse_kb(v, le, &st->vm_rss);
			break;
		case K_VMSWAP:
			(void)mlk_parse_kb(v, le, &st->vm_swap);
			break;
		case K_CAPEFF:
			(void)mlk_parse_u64(&v, le, 16, &st->cap_eff);
			break;
		case K_CAPPRM:
			(void)mlk_parse_u64(&v, le, 16, &st->cap_prm);
			break;
		case K_OTHER:
			break;
		}
	}
	if (!have_pid || !have_name)
		return -EBADMSG;
	return 0;
}

/*
 * A leader that called pthread_exit() is a zombie while its other threads
 * run on, and its /proc files have lost the memory (no Vm* lines, empty
 * maps): those of a live thread stand for the process. @leader: the
 * leader's own status. Returns that thread (its status in @t), or 0.
 */
static pid_t live_thread(const char *root, const struct memlock_status *leader,
			 struct memlock_status *t)
{
	struct mlk_tasks it;
	pid_t tid = 0, cand;
	size_t len;
	char *buf;

	if (leader->state != 'Z' || leader->threads < 2 ||
	    mlk_tasks_open(&it, root, leader->pid) < 0)
		return 0;
	while (tid == 0 && mlk_tasks_next(&it, &cand) == 0) {
		if (cand == leader->pid ||
		    mlk_read_task(root, leader->pid, cand, "status", &buf, &len) < 0)
			continue;
		if (mlk_parse_status(buf, len, t) == 0 && t->state != 'Z' && t->state != 'X' &&
		    t->has_mm)
			tid = cand;
		free(buf);
	}
	mlk_tasks_close(&it);
	return tid;
}

int mlk_read_status(const char *root, pid_t pid, struct memlock_status *st, pid_t *ppid)
{
	uint64_t v = 0;
	size_t len;
	char *buf;
	int rc;

	rc = mlk_read_proc(root, pid, "status", &buf, &len);
	if (rc < 0)
		return rc;
	rc = mlk_parse_status(buf, len, st);
	if (rc == 0 && ppid != NULL)
		*ppid = mlk_field_u64(buf, len, "PPid", 10, &v) == 0 && v <= INT32_MAX ? (pid_t)v : 0;
	free(buf);
	return rc;
}

pid_t mlk_live_tid(const char *root, pid_t pid)
{
	struct memlock_status st, t;
	pid_t tid;

	if (pid <= 0 || mlk_read_status(root, pid, &st, NULL) < 0)
		return pid;
	tid = live_thread(root, &st, &t);
	return tid ? tid : pid;
}

int memlock_proc_read_status(const char *root, pid_t pid, struct memlock_status *out)
{
	struct memlock_status st, t;
	int rc;

	rc = mlk_out_check(out, MLK_SZ_STATUS);
	if (rc < 0 || pid < 0)
		return mlk_err(-EINVAL);
	rc = mlk_read_status(root, pid, &st, NULL);
	if (rc < 0)
		return mlk_err(rc);
	if (live_thread(root, &st, &t)) {
		st.state = t.state;
		st.has_mm = true;
		st.vm_size = t.vm_size;
		st.vm_lck = t.vm_lck;
		st.vm_pin = t.vm_pin;
		st.vm_rss = t.vm_rss;
		st.vm_swap = t.vm_swap;
	}
	mlk_out_copy(out, &st, sizeof(st));
	return 0;
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
		lim->sz = sizeof(*lim);
		if (parse_limit_value(&v, le, &lim->soft) < 0 ||
		    parse_limit_value(&v, le, &lim->hard) < 0)
			return -EBADMSG;
		return 0;
	}
	return -EBADMSG;
}

int memlock_proc_read_limits(const char *root, pid_t pid, struct memlock_limits *out)
{
	struct memlock_limits lim;
	size_t len;
	char *buf;
	int rc;

	rc = mlk_out_check(out, MLK_SZ_LIMITS);
	if (rc < 0 || pid < 0)
		return mlk_err(-EINVAL);
	rc = mlk_read_proc(root, pid, "limits", &buf, &len);
	if (rc < 0)
		return mlk_err(rc);
	rc = mlk_parse_limits(buf, len, &lim);
	free(buf);
	if (rc == 0)
		mlk_out_copy(out, &lim, sizeof(lim));
	return mlk_err(rc);
}

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
	if (!(st->cap_eff & (1ull << CAP_IPC_LOCK)))
		return false;
	/* unreadable (-errno): the capability cannot be shown to count */
	return init > 0;
}
