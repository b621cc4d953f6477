// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where a process runs: its cgroup (systemd unit, container or a shell) and
 * its user namespace (CAP_IPC_LOCK only counts in the initial one).
 * The cgroup lines are the shapes systemd, docker, podman, kubelet, lxc and
 * nspawn write; the user namespace cases are fixture trees under
 * tests/fixtures/proc/userns (ns/user is a symlink there, as in /proc).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "procfs/procfs.h"

#define FX "tests/fixtures/proc/"
#define USERNS FX "userns"
#define CAP_IPC_LOCK_MASK (1ull << 14)
#define ID64 "3f5a9c0e7b2d41d8a6c3e9f0b1d2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0"

/* Parse from an exact-size copy: no terminator for the parser to lean on. */
static void parse_cgroup_exact(const char *text, size_t len, struct mlk_context *ctx)
{
	char *buf = malloc(len ? len : 1);

	assert_non_null(buf);
	memcpy(buf, text, len);
	/* stale values from an earlier parse must not survive */
	memset(ctx, 0x5a, sizeof(*ctx));
	ctx->unit[sizeof(ctx->unit) - 1] = '\0';
	mlk_parse_cgroup(buf, len, ctx);
	free(buf);
}

struct cgroup_case {
	const char *desc, *text;
	enum memlock_context kind;
	const char *unit;
	bool user_unit;
};

static struct cgroup_case cgroup_cases[] = {
	{ "cgroup: systemd system service", "0::/system.slice/foo.service\n",
	  MEMLOCK_CTX_SYSTEMD, "foo.service", false },
	{ "cgroup: templated service instance",
	  "0::/system.slice/system-getty.slice/getty@tty1.service\n",
	  MEMLOCK_CTX_SYSTEMD, "getty@tty1.service", false },
	{ "cgroup: user service under user@1000.service",
	  "0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n",
	  MEMLOCK_CTX_SYSTEMD, "foo.service", true },
	{ "cgroup: the user manager itself is no unit of its own",
	  "0::/user.slice/user-1000.slice/user@1000.service/init.scope\n",
	  MEMLOCK_CTX_SHELL, "", false },
	{ "cgroup: login session scope is a shell",
	  "0::/user.slice/user-1000.slice/session-3.scope\n", MEMLOCK_CTX_SHELL, "", false },
	{ "cgroup: root cgroup is a shell", "0::/\n", MEMLOCK_CTX_SHELL, "", false },
	{ "cgroup: empty file", "", MEMLOCK_CTX_SHELL, "", false },
	{ "cgroup: lines without two colons are skipped",
	  "garbage\n0:/system.slice/foo.service\n\n", MEMLOCK_CTX_SHELL, "", false },
	{ "cgroup: no trailing newline", "0::/system.slice/bar.service",
	  MEMLOCK_CTX_SYSTEMD, "bar.service", false },
	{ "cgroup: docker, cgroupfs driver", "0::/docker/" ID64 "\n",
	  MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: docker, systemd driver", "0::/system.slice/docker-" ID64 ".scope\n",
	  MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: rootless podman (libpod) under user@.service",
	  "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64
	  ".scope/container\n", MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: podman, cgroupfs driver", "0::/libpod_parent/libpod-" ID64 "\n",
	  MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: kubepods with cri-containerd",
	  "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7c1e.slice/"
	  "cri-containerd-" ID64 ".scope\n", MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: lxc payload", "0::/lxc.payload.c1/init.scope\n",
	  MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: systemd-nspawn machine", "0::/machine.slice/systemd-nspawn@web.service/payload\n",
	  MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: v1 multi-line systemd service",
	  "11:pids:/system.slice/foo.service\n10:memory:/system.slice/foo.service\n"
	  "9:devices:/system.slice/foo.service\n8:cpu,cpuacct:/system.slice/foo.service\n"
	  "7:freezer:/\n6:net_cls,net_prio:/\n5:perf_event:/\n4:hugetlb:/\n3:cpuset:/\n"
	  "2:blkio:/system.slice/foo.service\n1:name=systemd:/system.slice/foo.service\n",
	  MEMLOCK_CTX_SYSTEMD, "foo.service", false },
	{ "cgroup: v1 hybrid, unit only in name=systemd and 0::",
	  "5:memory:/\n4:cpu,cpuacct:/\n1:name=systemd:/system.slice/foo.service\n"
	  "0::/system.slice/foo.service\n", MEMLOCK_CTX_SYSTEMD, "foo.service", false },
	{ "cgroup: v1 docker, every controller",
	  "12:pids:/docker/" ID64 "\n11:memory:/docker/" ID64 "\n3:cpu,cpuacct:/docker/" ID64
	  "\n1:name=systemd:/docker/" ID64 "\n", MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: v1 lxc", "4:memory:/lxc/c1\n1:name=systemd:/lxc/c1/init.scope\n",
	  MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: v1 kubepods", "11:memory:/kubepods/besteffort/pod7c1e/" ID64 "\n"
	  "1:name=systemd:/kubepods/besteffort/pod7c1e/" ID64 "\n", MEMLOCK_CTX_CONTAINER, "",
	  false },
	/* v1 lists hierarchies from the highest id down; a container found on
	 * a later line must not keep the unit of an earlier one */
	{ "cgroup: container line clears an earlier service",
	  "12:pids:/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n"
	  "11:memory:/docker/" ID64 "\n", MEMLOCK_CTX_CONTAINER, "", false },
	{ "cgroup: docker daemon is a service", "0::/system.slice/docker.service\n",
	  MEMLOCK_CTX_SYSTEMD, "docker.service", false },
	/* daemons, not containers: their limit is LimitMEMLOCK= in the unit */
	{ "cgroup: containerd daemon is a service", "0::/system.slice/containerd.service\n",
	  MEMLOCK_CTX_SYSTEMD, "containerd.service", false },
	{ "cgroup: a docker-*.service unit is a service",
	  "0::/system.slice/docker-storage-setup.service\n",
	  MEMLOCK_CTX_SYSTEMD, "docker-storage-setup.service", false },
};

static void cgroup_case(void **state)
{
	const struct cgroup_case *c = *state;
	struct mlk_context ctx;

	parse_cgroup_exact(c->text, strlen(c->text), &ctx);
	assert_int_equal(ctx.kind, c->kind);
	assert_string_equal(ctx.unit, c->unit);
	assert_int_equal(ctx.user_unit, c->user_unit);
}

static void cgroup_captured(void **state)
{
	static const char *const roots[] = { FX "locked", FX "swapped", FX "kthread" };
	static const pid_t pids[] = { 9914, 10144, 2 };
	struct mlk_context ctx;
	size_t i, len;
	char *buf;

	(void)state;
	/* real cgroup v1 files of this machine (memory:/memlock-fixture for
	 * the swapped process): no unit, no container */
	for (i = 0; i < ARRAY_SIZE(roots); i++) {
		assert_int_equal(mlk_read_proc(roots[i], pids[i], "cgroup", &buf, &len), 0);
		assert_true(len > 0);
		parse_cgroup_exact(buf, len, &ctx);
		free(buf);
		assert_int_equal(ctx.kind, MEMLOCK_CTX_SHELL);
		assert_string_equal(ctx.unit, "");
		assert_false(ctx.user_unit);
	}
}

/* ---------------------------------------------------------------- userns */

struct userns_case {
	const char *desc, *root;
	pid_t pid;
	int is_init;		/* mlk_userns_is_init() */
	bool has_cap, child;	/* memlock_proc_has_cap_ipc_lock() with the cap */
};

static struct userns_case userns_cases[] = {
	{ "userns: ns/user link of the initial namespace", USERNS, 400, 1, true, false },
	{ "userns: ns/user link of a child namespace", USERNS, 401, 0, false, true },
	{ "userns: no link, identity uid_map is initial", USERNS, 402, 1, true, false },
	{ "userns: no link, uid_map 0 1000 65536 is a child", USERNS, 403, 0, false, true },
	/* unknown is never "initial": the capability cannot be shown to count */
	{ "userns: undeterminable: the capability does not count", USERNS, 404, -ENOENT, false,
	  false },
	{ "userns: no link, two-line uid_map is a child", USERNS, 405, 0, false, true },
	{ "userns: the link wins over the uid_map", USERNS, 406, 0, false, true },
	{ "userns: empty uid_map is a child", FX "empty", 1, 0, false, true },
	{ "userns: captured process, initial namespace", FX "locked", 9914, 1, true, false },
	{ "userns: missing pid: the capability does not count", USERNS, 999, -ENOENT, false,
	  false },
};

static void userns_case(void **state)
{
	const struct userns_case *c = *state;
	struct memlock_status st = { .pid = c->pid, .cap_eff = ~0ull };
	bool child = !c->child;

	assert_int_equal(mlk_userns_is_init(c->root, c->pid), c->is_init);
	assert_int_equal(memlock_proc_has_cap_ipc_lock(c->root, &st, &child), c->has_cap);
	assert_int_equal(child, c->child);
	assert_int_equal(memlock_proc_has_cap_ipc_lock(c->root, &st, NULL), c->has_cap);
	/* without the bit nothing counts, but the namespace is still told */
	st.cap_eff &= ~CAP_IPC_LOCK_MASK;
	child = !c->child;
	assert_false(memlock_proc_has_cap_ipc_lock(c->root, &st, &child));
	assert_int_equal(child, c->child);
}

static void cap_from_status(void **state)
{
	struct memlock_status st = { .sz = sizeof(st) };
	bool child = true;

	(void)state;
	/* CapEff 000001fffeffffff: bit 14 set, initial namespace */
	assert_int_equal(memlock_proc_read_status(FX "locked", 9914, &st), 0);
	assert_true(memlock_proc_has_cap_ipc_lock(FX "locked", &st, &child));
	assert_false(child);
	/* only bit 14 matters: every other capability is not enough */
	st.cap_eff = ~CAP_IPC_LOCK_MASK;
	assert_false(memlock_proc_has_cap_ipc_lock(FX "locked", &st, &child));
	st.cap_eff = CAP_IPC_LOCK_MASK;
	assert_true(memlock_proc_has_cap_ipc_lock(FX "locked", &st, &child));
}

static void cap_null_status(void **state)
{
	bool child = true;

	(void)state;
	assert_false(memlock_proc_has_cap_ipc_lock(USERNS, NULL, &child));
	assert_false(child);
}

#define T(fn, desc) { .name = desc, .test_func = fn }

/* cgroup-path.c: the deepest unit of a path, as the context, the metrics'
 * unit label and the selector's unit= read it */
static void cgroup_path_unit(void **state)
{
	static const char p1[] = "/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope";
	static const char p2[] = "/system.slice//redis.service/";
	char u[32];
	const char *p = p2, *c;
	size_t n, k = 0;

	(void)state;
	assert_true(mlk_cgroup_path_unit(p1, strlen(p1), false, u, sizeof(u)));
	assert_string_equal(u, "x.scope");
	/* services only: a user's manager is not one */
	assert_false(mlk_cgroup_path_unit(p1, strlen(p1), true, u, sizeof(u)));
	assert_true(mlk_cgroup_path_unit(p2, strlen(p2), true, u, sizeof(u)));
	assert_string_equal(u, "redis.service");
	assert_false(mlk_cgroup_path_unit(p2, strlen(p2), true, u, 13));	/* does not fit */
	assert_false(mlk_cgroup_path_unit("/", 1, false, u, sizeof(u)));
	assert_false(mlk_unit_name(".service", 8, false));	/* a suffix alone */
	while (mlk_path_component(&p, p2 + strlen(p2), &c, &n))	/* empty ones skipped */
		assert_true(k++ == 0 ? n == 12 && memcmp(c, "system.slice", 12) == 0
				     : n == 13 && memcmp(c, "redis.service", 13) == 0);
	assert_int_equal(k, 2);
}

static const struct CMUnitTest other_tests[] = {
	T(cgroup_captured, "cgroup: captured v1 files are a shell"),
	T(cap_from_status, "cap: CapEff bit 14 of a captured status"),
	T(cap_null_status, "cap: NULL status is false"),
	T(cgroup_path_unit, "cgroup path: the deepest unit, services only, components"),
};

#define ADD_CASES(cases, fn)							\
	for (i = 0; i < ARRAY_SIZE(cases); i++)					\
		tests[n++] = (struct CMUnitTest){ .name = cases[i].desc,	\
						  .test_func = fn,		\
						  .initial_state = &cases[i] }

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cgroup_cases) + ARRAY_SIZE(userns_cases) +
				ARRAY_SIZE(other_tests)];
	size_t i, n = 0;

	ADD_CASES(cgroup_cases, cgroup_case);
	ADD_CASES(userns_cases, userns_case);
	for (i = 0; i < ARRAY_SIZE(other_tests); i++)
		tests[n++] = other_tests[i];
	return cmocka_run_group_tests_name("context", tests, NULL, NULL);
}
