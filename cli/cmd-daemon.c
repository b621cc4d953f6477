// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlock daemon status [-J] [--socket PATH]
 * memlock daemon reload [--socket PATH]
 *
 * A client of memlockd's control socket (daemon/control.c): one request
 * line, one JSON object back. status renders it as text or prints it (-J);
 * reload has the daemon read its configuration again, and says the
 * FILE:LINE of what is wrong when it refuses it.
 */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "output.h"

#define DEFAULT_SOCKET "/run/memlockd.sock"
#define ANSWER_MAX (64u << 20)

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	fputs(" memlock daemon status [options]\n"
	      " memlock daemon reload [options]\n", stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Ask memlockd what it keeps locked (its rules, the processes each matched,\n"
	      "locked bytes, failures with their reasons), or have it reload its rules.\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(" -s, --socket <path>       memlockd's control socket (default " DEFAULT_SOCKET ")\n"
	      " -J, --json                use JSON output format\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs(USAGE_MAN_TAIL("memlock(1), memlockd(8)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

/* Send @req, read the whole answer (a string to free), or exit with why. */
static char *ask(const char *path, const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 60 };	/* (a reload locks what it adds) */
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	ssize_t n;
	int fd;

	if (buf == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	if (strlen(path) >= sizeof(sa.sun_path))
		errx(EXIT_FAILURE, "socket path too long: %s", user_str(path));
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		warn_rc(-e, "cannot reach memlockd at %s", user_str(path));
		free(buf);
		hint(e == EACCES ? "the socket answers root and its group: run as root"
				     : "is memlockd running (systemctl status memlockd)? --socket "
				       "names another socket");
		exit(EXIT_FAILURE);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		err(EXIT_FAILURE, "cannot send to memlockd");
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap && cap < ANSWER_MAX) {
			char *b = realloc(buf, cap * 2 + 1);

			if (b == NULL)
				err(EXIT_FAILURE, "cannot allocate memory");
			buf = b;
			cap *= 2;
		}
	}
	if (n < 0)
		err(EXIT_FAILURE, "cannot read memlockd's answer");
	close(fd);
	buf[len] = '\0';
	return buf;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : "";
}

static uint64_t num(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? (uint64_t)json_object_get_int64(v) : 0;
}

static struct json_object *array(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array)
		       ? v : NULL;
}

static void render(struct json_object *o)
{
	struct json_object *rules = array(o, "rules"), *procs = array(o, "processes");
	char size[32];
	size_t i;

	printf("memlockd: %s, rules from %s, %" PRIu64 " failures\n",
	       strcmp(str(o, "mode"), "poll") == 0 ? "polling /proc" : "process events",
	       user_str(str(o, "config")), num(o, "failures_total"));
	printf("\n%-22s %7s %10s  %s\n", "RULE", "MATCHED", "LOCKED", "TEXT");
	for (i = 0; rules && i < json_object_array_length(rules); i++) {
		struct json_object *r = json_object_array_get_idx(rules, i);

		printf("%-22s %7" PRIu64 " %10s  %s\n", user_str(str(r, "where")), num(r, "matched"),
		       size_to_human(num(r, "locked_bytes"), size, sizeof(size)),
		       user_str(str(r, "rule")));
	}
	if (procs == NULL || json_object_array_length(procs) == 0)
		return;
	printf("\n%7s %-16s %-22s %-7s %10s  %s\n", "PID", "COMM", "RULE", "STATE", "LOCKED",
	       "REASON");
	for (i = 0; i < json_object_array_length(procs); i++) {
		struct json_object *p = json_object_array_get_idx(procs, i);

		printf("%7" PRIu64 " %-16s %-22s %-7s %10s", num(p, "pid"),
		       user_str(str(p, "comm")), user_str(str(p, "rule")), str(p, "state"),
		       size_to_human(num(p, "locked_bytes"), size, sizeof(size)));
		if (*str(p, "error"))
			printf("  %s: %s", str(p, "error"), str(p, "reason"));
		putchar('\n');
	}
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_SOCKET, *what;
	struct json_object *o;
	bool json = false;
	char *answer;
	int c;

	while ((c = cli_getopt(argc, argv, "s:JhV", longopts)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'J':
			json = true;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp("daemon");
		}
	}
	if (optind + 1 != argc ||
	    (strcmp(argv[optind], "status") != 0 && strcmp(argv[optind], "reload") != 0)) {
		warnx(optind < argc ? "unknown daemon request: %s" : "no daemon request given%s",
		      optind < argc ? user_str(argv[optind]) : "");
		hint("memlock daemon status, or memlock daemon reload");
		errtryhelp("daemon");
	}
	what = argv[optind];
	answer = ask(path, strcmp(what, "status") == 0 ? "status\n" : "reload\n");
	o = json_tokener_parse(answer);
	free(answer);
	if (o == NULL || !json_object_is_type(o, json_type_object))
		errx(EXIT_FAILURE, "memlockd's answer is not JSON (is %s memlockd's socket?)",
		     user_str(path));
	if (*str(o, "error")) {
		warnx("memlockd refused the %s: %s", what, user_str(str(o, "error")));
		if (strcmp(what, "reload") == 0)
			hint("the old rules go on; memlockd --check -c FILE checks a configuration");
		json_object_put(o);
		return EXIT_FAILURE;
	}
	if (json)
		json_print(o);
	else if (strcmp(what, "status") == 0)
		render(o);
	else
		printf("memlockd reloaded: %" PRIu64 " rules\n", num(o, "rules"));
	if (!json)
		json_object_put(o);
	return EXIT_SUCCESS;
}
