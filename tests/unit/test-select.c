// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Selectors (memlock/select.h) against a fake /proc tree built in a
 * temporary directory: each process is a status file (Name, Pid, PPid, Uid,
 * VmSize unless a kernel thread), a cgroup file and an exe link.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "procfs/procfs.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A process: @exe NULL for none (a kernel thread: no Vm lines either),
 * @cgroup NULL for no cgroup file. */
static void proc(pid_t pid, const char *name, uid_t euid, pid_t ppid, const char *cgroup,
		 const char *exe)
{
	char rel[64], text[512], link[512];

	snprintf(rel, sizeof(rel), "/proc/%d/status", (int)pid);
	snprintf(text, sizeof(text),
		 "Name:\t%s\nState:\tS (sleeping)\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"
		 "Uid:\t%u\t%u\t%u\t%u\n%s",
		 name, (int)pid, (int)pid, (int)ppid, 4242u, (unsigned)euid, (unsigned)euid,
		 (unsigned)euid, exe ? "VmSize:\t    1000 kB\nVmLck:\t       0 kB\n" : "");
	put(rel, text);
	if (cgroup != NULL) {
		snprintf(rel, sizeof(rel), "/proc/%d/cgroup", (int)pid);
		put(rel, cgroup);
	}
	if (exe != NULL) {
		snprintf(link, sizeof(link), "%s/proc/%d/exe", root, (int)pid);
		assert_int_equal(symlink(exe, link), 0);
	}
}

#define SVC "0::/system.slice/redis-server.service\n"

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-select.XXXXXX");
	assert_non_null(mkdtemp(root));
	proc(100, "redis-server", 0, 1, SVC, "/opt/fake/bin/redis-server");
	proc(101, "sshd", 1000, 1, "0::/a/b\n", "/opt/fake/sbin/sshd (deleted)");
	proc(102, "bash", 1000, 101, "0::/a/bc\n", "/opt/fake/bin/bash");
	proc(103, "kworker/0:1", 0, 2, "0::/\n", NULL);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* A selector of the space-separated @terms (each must be good). */
static struct memlock_selector *sel(const char *terms)
{
	struct memlock_selector *s = memlock_selector_new();
	char buf[512], *t, *save = NULL;
	const char *why = NULL;

	assert_non_null(s);
	snprintf(buf, sizeof(buf), "%s", terms);
	for (t = strtok_r(buf, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		if (memlock_selector_add(s, t, &why) != 0)
			fail_msg("%s: %s", t, why);
	}
	return s;
}

/* @terms matched against @pid must give @want. */
static void expect_match(const char *terms, pid_t pid, int want)
{
	struct memlock_selector *s = sel(terms);
	int rc;

	errno = 0;
	rc = memlock_selector_match(s, root, pid);
	if (rc != want)
		fail_msg("\"%s\" on pid %d: %d, want %d", terms, (int)pid, rc, want);
	if (want < 0)
		assert_int_equal(errno, -want);
	memlock_selector_free(s);
}

static void test_pid_comm_user(void **state)
{
	(void)state;
	expect_match("", 100, 1);
	expect_match("100", 100, 1);
	expect_match("pid=100", 100, 1);
	expect_match("pid=100", 101, 0);
	expect_match("comm=redis-server", 100, 1);
	expect_match("comm=redis", 100, 0);		/* whole name, not a prefix */
	expect_match("comm=redis*", 100, 1);
	expect_match("comm=?edis-serve?", 100, 1);
	expect_match("comm=[rs]edis-server", 100, 1);
	expect_match("comm=[st]edis-server", 100, 0);
	expect_match("comm=kworker/*", 103, 1);
	expect_match("user=1000", 101, 1);
	expect_match("user=1000", 100, 0);
	expect_match("user=0", 100, 1);
	expect_match("user=root", 100, 1);		/* by name: root is uid 0 */
	expect_match("user=root", 101, 0);
	/* the effective uid, not the real one (4242 in every fake status) */
	expect_match("user=4242", 100, 0);
}

static void test_exe(void **state)
{
	char real[512], link[512], term[600];
	char *r;

	(void)state;
	expect_match("exe=/opt/fake/bin/redis-server", 100, 1);
	expect_match("exe=/opt/fake/bin/bash", 100, 0);
	/* a binary replaced on disk: "PATH (deleted)" */
	expect_match("exe=/opt/fake/sbin/sshd", 101, 1);
	/* a kernel thread has no exe: no match, not an error */
	expect_match("exe=/opt/fake/bin/bash", 103, 0);
	/* a symlink in PATH is resolved when the term is added */
	snprintf(real, sizeof(real), "%s/real-prog", root);
	snprintf(link, sizeof(link), "%s/link-prog", root);
	put("/real-prog", "x");
	assert_int_equal(symlink(real, link), 0);
	r = realpath(real, NULL);
	assert_non_null(r);
	proc(110, "prog", 0, 1, SVC, r);
	snprintf(term, sizeof(term), "exe=%s", link);
	expect_match(term, 110, 1);
	free(r);
}

static void test_cgroup(void **state)
{
	(void)state;
	expect_match("cgroup=/a/b", 101, 1);
	expect_match("cgroup=/a/b", 102, 0);		/* /a/bc is not under /a/b */
	expect_match("cgroup=/a", 102, 1);
	expect_match("cgroup=/a/b//", 101, 1);		/* normalised */
	expect_match("cgroup=/", 103, 1);
	expect_match("cgroup=/system.slice", 100, 1);
	proc(120, "deep", 0, 1, "0::/a/b/c/d\n", "/x");
	expect_match("cgroup=/a/b", 120, 1);
	expect_match("cgroup=/a/b/c/d/e", 120, 0);
	/* no v2 line: any v1 hierarchy's */
	proc(121, "v1", 0, 1, "12:memory:/m\n1:name=systemd:/system.slice/v1.service\n", "/x");
	expect_match("cgroup=/system.slice", 121, 1);
	expect_match("cgroup=/m", 121, 1);
	expect_match("cgroup=/other", 121, 0);
	/* with a v2 line, v1 lines (before or after it) do not count */
	proc(122, "hybrid", 0, 1, "1:name=systemd:/v1only\n0::/v2path\n2:cpu:/v1cpu\n", "/x");
	expect_match("cgroup=/v2path", 122, 1);
	expect_match("cgroup=/v1only", 122, 0);
	expect_match("cgroup=/v1cpu", 122, 0);
}

static void test_unit(void **state)
{
	(void)state;
	expect_match("unit=redis-server.service", 100, 1);
	expect_match("unit=redis-server", 100, 1);	/* .service added */
	expect_match("unit=redis", 100, 0);
	expect_match("unit=redis-server.scope", 100, 0);
	expect_match("unit=system.slice", 100, 1);
	expect_match("unit=redis-server", 101, 0);
	/* a scope inside a service: both units hold it */
	proc(130, "worker", 0, 1, "0::/system.slice/app.service/job.scope\n", "/x");
	expect_match("unit=job.scope", 130, 1);
	expect_match("unit=app", 130, 1);
	expect_match("unit=job", 130, 0);		/* job.service */
	/* a user session: user@1000.service, its slice, the app's scope */
	proc(131, "term", 1000, 1,
	     "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-term.scope\n", "/x");
	expect_match("unit=user@1000.service", 131, 1);
	expect_match("unit=app-term.scope", 131, 1);
	expect_match("unit=user-1000.slice", 131, 1);
	/* a component that only starts with the name is another unit */
	proc(132, "pg", 0, 1, "0::/system.slice/postgresql@15-main.service\n", "/x");
	expect_match("unit=postgresql", 132, 0);
	expect_match("unit=postgresql@15-main", 132, 1);
}

static void test_tree(void **state)
{
	pid_t p;

	(void)state;
	expect_match("tree=101", 101, 1);		/* the root itself */
	expect_match("tree=101", 102, 1);
	expect_match("tree=102", 101, 0);		/* not upwards */
	expect_match("tree=100", 102, 0);
	expect_match("tree=1", 102, 1);
	/* 300 generations: 1000 <- 1001 <- ... <- 1299 */
	proc(1000, "gen", 0, 1, SVC, "/x");
	for (p = 1001; p < 1300; p++)
		proc(p, "gen", 0, p - 1, SVC, "/x");
	expect_match("tree=1000", 1299, 1);
	expect_match("tree=1150", 1299, 1);
	expect_match("tree=1150", 1149, 0);
	expect_match("tree=1298 tree=5", 1299, 1);	/* one walk, every tree= */
	expect_match("tree=5 tree=1000", 1299, 1);
	/* a cycle (forged: the kernel has none) ends the walk: 2000 -> 2001 ->
	 * 2002 -> 2000, and one that enters a cycle after a tail */
	proc(2000, "cyc", 0, 2002, SVC, "/x");
	proc(2001, "cyc", 0, 2000, SVC, "/x");
	proc(2002, "cyc", 0, 2001, SVC, "/x");
	proc(2003, "tail", 0, 2001, SVC, "/x");
	proc(2004, "self", 0, 2004, SVC, "/x");
	expect_match("tree=1", 2000, 0);
	expect_match("tree=1", 2003, 0);
	expect_match("tree=2002", 2003, 1);
	expect_match("tree=1", 2004, 0);
	/* a parent that exited ends the chain: its children were reparented */
	proc(2010, "orphan", 0, 2999, SVC, "/x");
	expect_match("tree=1", 2010, 0);
	expect_match("tree=2010", 2010, 1);
}

static void test_and_or(void **state)
{
	(void)state;
	/* same key: or */
	expect_match("comm=sshd comm=bash", 101, 1);
	expect_match("comm=sshd comm=bash", 102, 1);
	expect_match("comm=sshd comm=bash", 100, 0);
	expect_match("100 101", 101, 1);
	/* different keys: and */
	expect_match("comm=sshd user=1000", 101, 1);
	expect_match("comm=sshd user=0", 101, 0);
	expect_match("comm=sshd comm=bash user=1000 cgroup=/a/bc", 102, 1);
	expect_match("comm=sshd comm=bash user=1000 cgroup=/a/bc", 101, 0);
	expect_match("tree=101 comm=bash", 102, 1);
	expect_match("tree=101 comm=bash", 101, 0);
	expect_match("unit=redis-server exe=/opt/fake/bin/redis-server user=0", 100, 1);
	expect_match("unit=redis-server exe=/opt/fake/bin/bash user=0", 100, 0);
}

static void test_vanished(void **state)
{
	(void)state;
	/* no such process */
	expect_match("", 4000, -ENOENT);
	expect_match("comm=x", 4000, -ENOENT);
	/* status read, then its cgroup file or exe link gone: it exited */
	proc(140, "going", 0, 1, NULL, NULL);
	put("/proc/141/status", "Name:\tgoing\nPid:\t141\nPPid:\t1\nUid:\t0\t0\t0\t0\n"
				"VmSize:\t 4 kB\n");
	expect_match("cgroup=/", 140, -ESRCH);
	expect_match("unit=x", 140, -ESRCH);
	expect_match("exe=/x", 141, -ESRCH);
	/* ... unless a cheaper key already failed: the file is not read */
	expect_match("comm=other cgroup=/", 140, 0);
	expect_match("comm=other exe=/x", 141, 0);
	/* not a status file */
	put("/proc/142/status", "garbage\n");
	expect_match("", 142, -EBADMSG);
}

struct bad {
	const char *term, *why;
};

static void test_bad_terms(void **state)
{
	static const struct bad bad[] = {
		{ "color=red", "unknown key (pid, comm, exe, user, cgroup, unit or tree)" },
		{ "=x", "unknown key (pid, comm, exe, user, cgroup, unit or tree)" },
		{ "Comm=x", "unknown key (pid, comm, exe, user, cgroup, unit or tree)" },
		{ "redis", "a term is KEY=VALUE or a PID" },
		{ "", "a term is KEY=VALUE or a PID" },
		{ "12x", "a PID is a positive number" },
		{ "0", "a PID is a positive number" },
		{ "pid=-5", "a PID is a positive number" },
		{ "pid=99999999999", "a PID is a positive number" },
		{ "tree=abc", "a PID is a positive number" },
		{ "tree=0", "a PID is a positive number" },
		{ "comm=", "the value is empty" },
		{ "exe=", "the value is empty" },
		{ "comm=0123456789abcdef", "a comm is at most 15 bytes (the kernel cuts longer names)" },
		{ "exe=bin/sshd", "exe= takes an absolute path" },
		{ "exe=./sshd", "exe= takes an absolute path" },
		{ "user=no-such-user-here", "no such user" },
		{ "user=-1", "no such user" },
		{ "user=4294967295", "no such user" },
		{ "cgroup=a/b", "a cgroup path starts with / (the cgroup root)" },
		{ "cgroup=/a/../b", "a cgroup path has no . or .. component" },
		{ "cgroup=/a/./b", "a cgroup path has no . or .. component" },
		{ "unit=a/b.service", "a unit name has no /" },
	};
	struct memlock_selector *s = sel("comm=a user=0");
	const char *why;
	char *longv;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		errno = 0;
		if (memlock_selector_add(s, bad[i].term, &why) != -EINVAL)
			fail_msg("\"%s\" was taken", bad[i].term);
		assert_int_equal(errno, EINVAL);
		assert_non_null(why);
		if (strcmp(why, bad[i].why) != 0)
			fail_msg("\"%s\": \"%s\", want \"%s\"", bad[i].term, why, bad[i].why);
		/* the selector is unchanged */
		assert_string_equal(memlock_selector_str(s), "comm=a user=0");
	}
	/* a value too long for any path */
	longv = malloc(8192);
	assert_non_null(longv);
	memcpy(longv, "exe=/", 5);
	memset(longv + 5, 'a', 8000);
	longv[8005] = '\0';
	assert_int_equal(memlock_selector_add(s, longv, &why), -EINVAL);
	assert_string_equal(why, "the value is too long");
	free(longv);
	/* a comm glob may be longer than 15 bytes */
	assert_int_equal(memlock_selector_add(s, "comm=[Rr][Ee][Dd][Ii][Ss]*", NULL), 0);
	/* NULLs; @why may be NULL */
	assert_int_equal(memlock_selector_add(s, "bad", NULL), -EINVAL);
	assert_int_equal(memlock_selector_add(NULL, "comm=a", &why), -EINVAL);
	assert_int_equal(memlock_selector_add(s, NULL, &why), -EINVAL);
	errno = 0;
	assert_int_equal(memlock_selector_match(NULL, root, 100), -EINVAL);
	assert_int_equal(memlock_selector_match(s, root, 0), -EINVAL);
	assert_int_equal(memlock_selector_match(s, root, -1), -EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(memlock_selector_str(NULL), "");
	memlock_selector_free(s);
	memlock_selector_free(NULL);
}

static void test_str(void **state)
{
	struct memlock_selector *s, *again;
	char *text;

	(void)state;
	s = memlock_selector_new();
	assert_non_null(s);
	assert_string_equal(memlock_selector_str(s), "");
	memlock_selector_free(s);
	/* canonical order: pid comm user tree cgroup unit exe; within a key as
	 * added; a term given twice once; values canonical */
	s = sel("exe=/opt/fake/bin/x unit=redis tree=007 cgroup=/a//b/ user=0 comm=b 12 "
		"comm=a comm=b pid=12 user=root");
	assert_string_equal(memlock_selector_str(s),
			    "pid=12 comm=b comm=a user=0 user=root tree=7 cgroup=/a/b "
			    "unit=redis.service exe=/opt/fake/bin/x");
	/* given back term by term, the same selector */
	text = strdup(memlock_selector_str(s));
	assert_non_null(text);
	again = sel(text);
	assert_string_equal(memlock_selector_str(again), text);
	free(text);
	memlock_selector_free(again);
	memlock_selector_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid_comm_user),
		cmocka_unit_test(test_exe),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_unit),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_and_or),
		cmocka_unit_test(test_vanished),
		cmocka_unit_test(test_bad_terms),
		cmocka_unit_test(test_str),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
