// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlockd's configuration (daemon/conf.c): the issue's example as written,
 * includes (sorted, relative, a cycle refused, nesting bounded), and every
 * error with its FILE:LINE: unknown keywords and keys, bad selectors,
 * duplicates, a line too long, 10 MB of configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../daemon/conf.h"

/* cli/parse.c's parse_pid_or_die() needs these; the sizes do not */
void hint(const char *fmt, ...);
void hint(const char *fmt, ...)
{
	(void)fmt;
}

const char *user_str(const char *s);
const char *user_str(const char *s)
{
	return s;
}

static char dir[64];

static const char *put(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* load @text as memlockd.conf; the error (or "") in @err */
static int load(const char *text, struct conf *c, char *err, size_t sz)
{
	return conf_load(put("memlockd.conf", text), c, err, sz);
}

static void expect_error(const char *text, const char *where, const char *what)
{
	struct conf c;
	char err[512];

	assert_true(load(text, &c, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, where));
	assert_non_null(strstr(err, what));
	assert_int_equal(c.nrules, 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/memlockd-conf.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_issue_example(void **state)
{
	char text[1024], err[512], where[64];
	struct conf c;

	(void)state;
	mkdir(strcat(strcpy(err, dir), "/memlockd.conf.d"), 0755);
	put("memlockd.conf.d/20-b.conf", "process comm=b\n");
	put("memlockd.conf.d/10-a.conf", "# a\n\nprocess comm=a onfault future\n");
	snprintf(text, sizeof(text),
		 "# /etc/memlock/memlockd.conf\n"
		 "process comm=redis-server lock=all max-pause=20\n"
		 "process unit=postgresql.service lock=all onfault\n"
		 "process exe=/usr/sbin/sshd lock=mappings:*.so*\n"
		 "file +/usr/sbin/sshd\n"
		 "file /var/lib/mydb/index/*.idx budget=2G\n"
		 "include %s/memlockd.conf.d/*.conf\n", dir);
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(c.nrules, 7);
	assert_int_equal(c.rules[0].kind, RULE_PROCESS);
	assert_int_equal(c.rules[0].max_pause_ns, 20000000);
	assert_null(c.rules[0].mappings);
	assert_string_equal(rule_where(&c.rules[0], where, sizeof(where)), "memlockd.conf:2");
	assert_true(c.rules[1].onfault);
	assert_string_equal(c.rules[2].mappings, "*.so*");
	assert_int_equal(c.rules[3].kind, RULE_FILE);
	assert_string_equal(c.rules[3].paths[0], "+/usr/sbin/sshd");
	assert_int_equal(c.rules[4].budget, 2ull << 30);
	/* the include's files in sorted order, each rule where it is written */
	assert_non_null(strstr(c.rules[5].text, "comm=a"));
	assert_true(c.rules[5].future);
	assert_string_equal(rule_where(&c.rules[5], where, sizeof(where)), "10-a.conf:3");
	assert_non_null(strstr(c.rules[6].text, "comm=b"));
	assert_false(c.poll);
	conf_free(&c);
}

static void test_settings(void **state)
{
	char err[512];
	struct conf c;

	(void)state;
	assert_int_equal(load("poll force interval=250\nsocket-group 0\n"
			      "metrics /tmp/x.prom interval=5\nprocess comm=x\n",
			      &c, err, sizeof(err)), 0);
	assert_true(c.poll);
	assert_int_equal(c.poll_ms, 250);
	assert_true(c.has_group);
	assert_int_equal(c.group, 0);
	assert_string_equal(c.metrics_path, "/tmp/x.prom");
	assert_int_equal(c.metrics_s, 5);
	conf_free(&c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("\nfrobnicate x\n", "memlockd.conf:2: ", "unknown keyword");
	expect_error("process comm=a\nprocess color=red\n", "memlockd.conf:2: ",
		     "color=red: ");
	expect_error("process comm=0123456789abcdefgh\n", "memlockd.conf:1: ", "comm=");
	expect_error("process lock=all\n", "memlockd.conf:1: ", "needs a selector");
	expect_error("process comm=a lock=some\n", ":1: ", "lock= is all or mappings:GLOB");
	expect_error("process comm=a max-pause=0\n", ":1: ", "max-pause=");
	expect_error("process comm=a\n# again\nprocess  comm=a\tlock=all\n",
		     "memlockd.conf:3: ", "duplicate rule (the same as memlockd.conf:1)");
	expect_error("file relative/path\n", ":1: ", "not an absolute path");
	expect_error("file /a budget=lots\n", ":1: ", "budget=");
	expect_error("poll sometimes\n", ":1: ", "poll takes");
	expect_error("socket-group no-such-group-here\n", ":1: ", "no such group");
	expect_error("include\n", ":1: ", "include takes one");
}

static void test_bounds(void **state)
{
	size_t big = 10u << 20;
	char *text = malloc(big + 1), err[512];
	struct conf c;

	(void)state;
	assert_non_null(text);
	memset(text, 'x', 5000);
	text[5000] = '\0';
	expect_error(text, "memlockd.conf:1: ", "line too long");
	/* 10 MB of comments: refused before it is all read */
	for (size_t i = 0; i < big; i += 64)
		memcpy(text + i, "# a comment line of sixty-four bytes, again and again, and on..\n",
		       64);
	text[big] = '\0';
	assert_true(load(text, &c, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "memlockd.conf: too big"));
	free(text);
}

static void test_includes(void **state)
{
	char text[512], err[512];
	struct conf c;

	(void)state;
	/* relative to the including file; a cycle refused where it closes */
	put("a.conf", "process comm=a\ninclude b.conf\n");
	put("b.conf", "\ninclude a.conf\n");
	assert_true(conf_load(put("top.conf", "include a.conf\n"), &c, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "b.conf:2: "));
	assert_non_null(strstr(err, "a.conf: an include cycle"));
	/* a missing file, named by the line that includes it */
	expect_error("\ninclude nowhere.conf\n", "memlockd.conf:2: ", "nowhere.conf: cannot open");
	/* an empty glob is nothing; a missing plain file is an error */
	snprintf(text, sizeof(text), "include %s/nothing.d/*.conf\nprocess comm=z\n", dir);
	assert_int_equal(load(text, &c, err, sizeof(err)), 0);
	assert_int_equal(c.nrules, 1);
	conf_free(&c);
	/* the same file twice, not nested, is no cycle: its rules are duplicates */
	put("c.conf", "process comm=c\n");
	assert_true(load("include c.conf\ninclude c.conf\n", &c, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "c.conf:1: duplicate rule"));
	/* a directory, a device: not a regular file */
	snprintf(text, sizeof(text), "include /dev/null\n");
	expect_error(text, "memlockd.conf:1: /dev/null: ", "not a regular file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_includes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
