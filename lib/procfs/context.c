// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Where a process runs: its user namespace (CAP_IPC_LOCK only counts in the
 * initial one) and its cgroup (a systemd unit or a container decides where
 * its RLIMIT_MEMLOCK is set).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs/procfs.h"

/* PROC_USER_INIT_INO: the initial user namespace's fixed inode number. */
#define INIT_USERNS_LINK "user:[4026531837]"

static int userns_from_uid_map(const char *root, pid_t pid)
{
	const char *p, *end, *line;
	uint64_t a, b, c;
	int rc, lines = 0, identity = 0;
	size_t len, ll;
	char *buf;

	rc = mlk_read_proc(root, pid, "uid_map", &buf, &len);
	if (rc < 0)
		return rc;
	p = buf;
	end = buf + len;
	while (mlk_next_line(&p, end, &line, &ll)) {
		const char *s = line, *le = line + ll;

		if (mlk_parse_u64(&s, le, 10, &a) < 0 || mlk_parse_u64(&s, le, 10, &b) < 0 ||
		    mlk_parse_u64(&s, le, 10, &c) < 0)
			continue;
		lines++;
		identity = (a == 0 && b == 0 && c == 4294967295ull);
	}
	free(buf);
	/* Only the initial namespace maps all 2^32 ids onto themselves with no
	 * parent to map from; a child namespace can copy that map only with
	 * CAP_SETUID, which is why this is the fallback and not the test. */
	return lines == 1 && identity;
}

int mlk_userns_is_init(const char *root, pid_t pid)
{
	char path[PATH_MAX], link[64];
	ssize_t n;
	int rc;

	rc = mlk_proc_pathf(path, sizeof(path), root, pid, "ns/user");
	if (rc < 0)
		return rc;
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		return strcmp(link, INIT_USERNS_LINK) == 0;
	}
	/* ns links need ptrace-read access; uid_map is world-readable */
	return userns_from_uid_map(root, pid);
}

static bool has(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}

/* Is this path component a container's cgroup? Daemons such as
 * docker.service or containerd.service are services, not containers. */
static bool container_component(const char *c, size_t n, const char *prev, size_t pn)
{
	static const char *const scope_prefixes[] = {
		"docker-", "crio-", "cri-containerd-", "machine-",
	};
	bool scope = n > 6 && memcmp(c + n - 6, ".scope", 6) == 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scope_prefixes); i++) {
		size_t pl = strlen(scope_prefixes[i]);

		if (scope && n > pl && memcmp(c, scope_prefixes[i], pl) == 0)
			return true;
	}
	/* cgroupfs drivers and v1: /docker/<id>, /lxc/<name>, /libpod_parent/libpod-<id>,
	 * /kubepods..., and whatever runs under machine.slice (nspawn, VMs) */
	if ((pn == 6 && memcmp(prev, "docker", 6) == 0) || (pn == 3 && memcmp(prev, "lxc", 3) == 0) ||
	    (pn == 13 && memcmp(prev, "machine.slice", 13) == 0))
		return true;
	return (n >= 8 && memcmp(c, "kubepods", 8) == 0) ||
	       (n >= 11 && memcmp(c, "lxc.payload", 11) == 0) ||
	       (n >= 7 && memcmp(c, "libpod-", 7) == 0) ||
	       (n >= 13 && memcmp(c, "libpod_parent", 13) == 0);
}

static bool is_container_path(const char *path, size_t len)
{
	const char *comp = path, *end = path + len, *prev = "";
	size_t pn = 0;

	while (comp < end) {
		const char *slash = memchr(comp, '/', (size_t)(end - comp));
		size_t cl = (size_t)((slash ? slash : end) - comp);

		if (cl && container_component(comp, cl, prev, pn))
			return true;
		if (slash == NULL)
			break;
		prev = comp;
		pn = cl;
		comp = slash + 1;
	}
	return false;
}

void mlk_parse_cgroup(const char *buf, size_t len, struct mlk_context *ctx)
{
	const char *p = buf, *end = buf + len, *line, *path;
	size_t ll;

	memset(ctx, 0, sizeof(*ctx));
	ctx->kind = MEMLOCK_CTX_SHELL;
	while (mlk_next_line(&p, end, &line, &ll)) {
		const char *c1, *c2;
		size_t pl;

		/* "hierarchy-id:controllers:path" */
		c1 = memchr(line, ':', ll);
		if (c1 == NULL)
			continue;
		c2 = memchr(c1 + 1, ':', (size_t)(line + ll - c1 - 1));
		if (c2 == NULL)
			continue;
		path = c2 + 1;
		pl = (size_t)(line + ll - path);
		if (is_container_path(path, pl)) {
			/* the container decides, whatever a line before said */
			memset(ctx, 0, sizeof(*ctx));
			ctx->kind = MEMLOCK_CTX_CONTAINER;
			return;
		}
		if (ctx->kind == MEMLOCK_CTX_SHELL &&
		    mlk_cgroup_path_unit(path, pl, true, ctx->unit, sizeof(ctx->unit))) {
			ctx->kind = MEMLOCK_CTX_SYSTEMD;
			ctx->user_unit = has(path, pl, "/user@");
		}
	}
}
