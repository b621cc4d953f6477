// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Prometheus text format: label values and HELP text escaped exactly as
 * the format says (\\, \" and \n; HELP leaves " alone), every byte that is
 * not valid UTF-8 replaced by U+FFFD, names checked, values written so Go's
 * ParseFloat reads them back; and memlock_metrics_write() over a /proc tree
 * built here (an odd name, a unit, an unlimited limit, a process gone, one
 * that cannot be read).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics/metrics.h"

#define FFFD "\xef\xbf\xbd"

/* mlk_prom_escape() of @s into a string to free, its length checked */
static char *escaped(const char *s, bool quote)
{
	char *buf = malloc(strlen(s) * 3 + 1);
	size_t len;

	assert_non_null(buf);
	len = mlk_prom_escape(buf, s, quote);
	assert_int_equal(len, strlen(buf));
	return buf;
}

static void test_escape(void **state)
{
	static const struct {
		const char *in, *label, *help;
	} cases[] = {
		{ "plain-name", "plain-name", "plain-name" },
		{ "", "", "" },
		{ "a\"b", "a\\\"b", "a\"b" },
		{ "back\\slash", "back\\\\slash", "back\\\\slash" },
		{ "new\nline", "new\\nline", "new\\nline" },
		{ "\\n", "\\\\n", "\\\\n" },	/* a backslash and an n stay two characters */
		{ "tab\there", "tab\there", "tab\there" },	/* allowed as it is */
		{ "caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },	/* U+1F600 */
		{ "\xef\xbf\xbf", "\xef\xbf\xbf", "\xef\xbf\xbf" },	/* U+FFFF: valid */
		{ "x\xffy", "x" FFFD "y", "x" FFFD "y" },
		{ "\xc3", FFFD, FFFD },	/* cut short at the end */
		{ "\xc3\"", FFFD "\\\"", FFFD "\"" },	/* cut short by a quote */
		{ "\xe2\x82\n", FFFD FFFD "\\n", FFFD FFFD "\\n" },
		{ "\xc0\xaf", FFFD FFFD, FFFD FFFD },	/* overlong '/' */
		{ "\xe0\x80\xaf", FFFD FFFD FFFD, FFFD FFFD FFFD },	/* overlong, 3 bytes */
		{ "\xed\xa0\x80", FFFD FFFD FFFD, FFFD FFFD FFFD },	/* surrogate U+D800 */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD, FFFD FFFD FFFD FFFD },	/* > U+10FFFF */
		{ "\xf5\x80", FFFD FFFD, FFFD FFFD },
		{ "\x80", FFFD, FFFD },	/* a lone continuation byte */
		{ "\xff\xff\xff", FFFD FFFD FFFD, FFFD FFFD FFFD },	/* the most room: 3x */
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *l = escaped(cases[i].in, true), *h = escaped(cases[i].in, false);

		if (strcmp(l, cases[i].label) != 0 || strcmp(h, cases[i].help) != 0)
			fail_msg("case %zu: label '%s' (want '%s'), help '%s' (want '%s')", i, l,
				 cases[i].label, h, cases[i].help);
		free(l);
		free(h);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_true(mlk_prom_name_is_ok("memlock_process_locked_bytes", false));
	assert_true(mlk_prom_name_is_ok("job:rate5m", false));
	assert_true(mlk_prom_name_is_ok("_x", false));
	assert_false(mlk_prom_name_is_ok("", false));
	assert_false(mlk_prom_name_is_ok("1x", false));
	assert_false(mlk_prom_name_is_ok("a-b", false));
	assert_false(mlk_prom_name_is_ok("a b", false));
	assert_false(mlk_prom_name_is_ok(NULL, false));
	assert_true(mlk_prom_name_is_ok("comm", true));
	assert_false(mlk_prom_name_is_ok("a:b", true));
	assert_false(mlk_prom_name_is_ok("__name__", true));
	assert_false(mlk_prom_name_is_ok("caf\xc3\xa9", true));
}

static void test_values(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" },
		{ 42, "42" },
		{ -7, "-7" },
		{ 1.5, "1.5" },
		{ 0x1p53, "9007199254740992" },
		{ 0x1p64, "1.8446744073709552e+19" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
		{ NAN, "NaN" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		mlk_prom_value(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_family_and_sample(void **state)
{
	const char *labels[] = { "rule", "comm=\"x\"", "why", "a\nb", NULL };
	const char *no_value[] = { "rule", NULL };
	const char *bad_name[] = { "1rule", "x", NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(memlock_metrics_family(f, "memlockd_failures_total", "counter",
						"Failures \"so far\"\\."),
			 0);
	assert_int_equal(memlock_metrics_sample(f, "memlockd_failures_total", labels, 3), 0);
	assert_int_equal(memlock_metrics_sample(f, "memlockd_failures_total", NULL, 0.25), 0);
	errno = 0;
	assert_int_equal(memlock_metrics_family(f, "x", "histogram", "h"), -EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(memlock_metrics_family(f, "bad name", "gauge", "h"), -EINVAL);
	assert_int_equal(memlock_metrics_family(f, "x", "gauge", NULL), -EINVAL);
	assert_int_equal(memlock_metrics_sample(f, "x", no_value, 1), -EINVAL);
	assert_int_equal(memlock_metrics_sample(f, "x", bad_name, 1), -EINVAL);
	assert_int_equal(memlock_metrics_sample(NULL, "x", NULL, 1), -EINVAL);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "# HELP memlockd_failures_total Failures \"so far\"\\\\.\n"
				 "# TYPE memlockd_failures_total counter\n"
				 "memlockd_failures_total{rule=\"comm=\\\"x\\\"\",why=\"a\\nb\"} 3\n"
				 "memlockd_failures_total 0.25\n");
	free(buf);
}

/* @path under @root, made with @text (NULL: a directory) */
static void put(const char *root, const char *path, const char *text)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	if (text == NULL) {
		assert_int_equal(mkdir(full, 0755), 0);
		return;
	}
	f = fopen(full, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

#define STATUS(name, pid)                                                                \
	"Name:\t" name "\nState:\tS (sleeping)\nPid:\t" pid "\nUid:\t0\t0\t0\t0\n"           \
	"VmSize:\t  10000 kB\nVmLck:\t      8 kB\nVmPin:\t       4 kB\nVmRSS:\t    100 kB\n" \
	"VmSwap:\t      12 kB\nThreads:\t1\n"
#define LIMITS(soft)                                                               \
	"Limit                     Soft Limit           Hard Limit           Units\n" \
	"Max locked memory         " soft "            unlimited            bytes\n"

/* a /proc tree: 100 (an odd name, a unit, no limit), 200 (gone: no status),
 * 300 (status cannot be read), 400 (a kernel thread) */
static char *make_tree(void)
{
	char tmpl[] = "/tmp/test-metrics.XXXXXX", *root = strdup(mkdtemp(tmpl));
	char cmd[256];

	assert_non_null(root);
	put(root, "proc", NULL);
	snprintf(cmd, sizeof(cmd), "cp tests/fixtures/proc/locked/proc/meminfo "
		 "tests/fixtures/proc/locked/proc/vmstat %s/proc/", root);
	assert_int_equal(system(cmd), 0);
	put(root, "proc/100", NULL);
	/* the kernel writes a newline as \n and a backslash as \\ */
	put(root, "proc/100/status", STATUS("q\"b\\\\s\\nx\xff", "100"));
	put(root, "proc/100/limits", LIMITS("unlimited"));
	put(root, "proc/100/cgroup", "0::/system.slice/redis-server.service\n");
	put(root, "proc/200", NULL);
	put(root, "proc/300", NULL);
	put(root, "proc/300/status", NULL);
	put(root, "proc/400", NULL);
	put(root, "proc/400/status", "Name:\tkthreadd\nState:\tS (sleeping)\nPid:\t400\n");
	return root;
}

static char *write_metrics(const char *root, unsigned int families, int *rc)
{
	MEMLOCK_OPTS(memlock_metrics_opts, o, .root = root, .families = families);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*rc = memlock_metrics_write(f, &o);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_write_tree(void **state)
{
	const char *labels = "{pid=\"100\",comm=\"q\\\"b\\\\s\\nx" FFFD "\",unit=\"redis-server.service\"}";
	char *root = make_tree(), *out, want[512], cmd[600];
	int rc;

	(void)state;
	out = write_metrics(root, 0, &rc);
	assert_int_equal(rc, 1);
	snprintf(want, sizeof(want), "memlock_process_locked_bytes%s 8192\n", labels);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "memlock_process_pinned_bytes%s 4096\n", labels);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "memlock_process_swap_bytes%s 12288\n", labels);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "memlock_process_rss_bytes%s 102400\n", labels);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), "memlock_process_memlock_limit_bytes%s +Inf\n", labels);
	assert_non_null(strstr(out, want));
	/* 300 counted, 200 (gone) and 400 (no memory) not */
	assert_non_null(strstr(out, "\nmemlock_scrape_errors 1\n"));
	assert_non_null(strstr(out, "\nmemlock_mlocked_bytes 15110144\n"));
	assert_non_null(strstr(out, "\nmemlock_unevictable_pgs_mlocked_total 179779\n"));
	assert_null(strstr(out, "pid=\"400\""));
	assert_null(strstr(out, "kthreadd"));
	free(out);

	out = write_metrics(root, MEMLOCK_METRICS_SYSTEM, &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(out, "memlock_process_"));
	assert_null(strstr(out, "memlock_scrape_errors"));
	assert_non_null(strstr(out, "# TYPE memlock_swap_free_bytes gauge\n"));
	free(out);
	out = write_metrics(root, MEMLOCK_METRICS_PROCESSES, &rc);
	assert_int_equal(rc, 1);
	assert_null(strstr(out, "memlock_mlocked_bytes"));
	free(out);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static void test_bad_opts(void **state)
{
	MEMLOCK_OPTS(memlock_metrics_opts, o, .families = 1u << 5);
	struct memlock_metrics_opts zero = { 0 };
	int rc;

	(void)state;
	assert_int_equal(memlock_metrics_write(stdout, &o), -EINVAL);
	assert_int_equal(memlock_metrics_write(stdout, &zero), -EINVAL);
	assert_int_equal(memlock_metrics_write(NULL, NULL), -EINVAL);
	free(write_metrics("/nonexistent", 0, &rc));
	assert_int_equal(rc, -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_family_and_sample),
		cmocka_unit_test(test_write_tree),
		cmocka_unit_test(test_bad_opts),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
