/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared helpers of the memlock CLI: the only code that prints or exits. */
#ifndef MEMLOCK_CLI_H
#define MEMLOCK_CLI_H

#include <err.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memlock.h"

/* libcs older than the kernel feature (4.4) lack these */
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

/* Exit codes (memlock.1, EXIT STATUS) */
#define EXIT_NOTSUPP 2		/* the kernel lacks the feature */
#define EXIT_WOULD_FAIL 3	/* check: the lock would fail */
#define EXIT_SOMEOK 64		/* some of several targets failed */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define USAGE_HEADER "\nUsage:\n"
#define USAGE_OPTIONS "\nOptions:\n"
#define USAGE_SEPARATOR "\n"
#define USAGE_HELP_OPTIONS                                                      \
	" -h, --help                display this help\n"                        \
	" -V, --version             display version\n"
#define USAGE_MAN_TAIL(man) "\nFor more details see " man ".\n"

struct cmd {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *help;
	bool guarded;	/* run in a child that outlives memlock (guard.c) */
};

/* guard.c: @fn(@argc, @argv) in a child that a SIGKILL to memlock does not
 * interrupt; the exit status (or death by a signal) is the child's. */
/* guard.c: the rescue record the worker's target handles keep (NULL: none),
 * in memory shared with the memlock that waits for the worker */
extern struct memlock_rescue *guard_rescue;
/* guard.c: in the worker, the memlock that waits for it (0: unguarded) */
extern pid_t guard_waiter;
int run_guarded(int (*fn)(int, char **), int argc, char **argv);

/* subcommands, one cmd-<name>.c each */
int cmd_status(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_unlock(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_limit(int argc, char **argv);
int cmd_files(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_daemon(int argc, char **argv);

/* common.c: what memlock and memlockd share */
void print_version(void) __attribute__((noreturn));
void errtryhelp(const char *cmd) __attribute__((noreturn));
/* getopt_long() whose error messages (unknown option, missing argument)
 * echo the option through user_str(), not 100 kB of it raw */
struct option;
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/* "memlock: <what>: <strerror(-rc)>" */
void warn_rc(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "hint: <text>" on its own line, after an error */
void hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* output.c: @s, a string the user gave (or a name, a path) made safe to
 * echo in a message: control characters, bytes that are not UTF-8 and the
 * backslash of "\x" as \xHH, and at most 64 characters, then "..." (valid
 * until three more calls) */
const char *user_str(const char *s);
/* flush stdout; a write error fails the command (close_stdout idea) */
int close_stdout_rc(int rc);
extern const char *proc_root;	/* --proc-root, NULL for the live system */

/* parse.c: strict parsers; they return 0 or -EINVAL/-ERANGE */
int parse_size(const char *s, uint64_t *bytes);	/* 4096, 64K, 8MiB, unlimited */
/* SOFT, SOFT:HARD, :HARD or SOFT: over the limits already in @lim */
int parse_limits(const char *arg, struct memlock_limits *lim);
int parse_pid(const char *s, pid_t *pid);
int parse_range(const char *s, uint64_t *start, uint64_t *end);	/* hex START-END */
pid_t parse_pid_or_die(const char *s);
/* @path made absolute against the working directory (a string to free), or
 * NULL with errno set. A holder keeps absolute paths, so that a client in
 * another directory names the same files. */
char *path_absolute(const char *path);

/* --current/--future/--onfault, shared by check, attach and run */
struct lock_flags {
	bool current, future, onfault;
};
#define LOCK_FLAGS_LONGOPTS                                                     \
	{ "current", no_argument, NULL, 'c' }, { "future", no_argument, NULL, 'f' }, \
	{ "onfault", no_argument, NULL, 'F' }
/* 1 if @c was one of -c/-f/-F (and recorded), 0 if not */
int lock_flags_option(struct lock_flags *f, int c);
/* The mlockall flags; neither --current nor --future means both (mlockall(3)). */
unsigned int lock_flags_mcl(const struct lock_flags *f);
/* The same as the library's MEMLOCK_F_CURRENT, _FUTURE and _ONFAULT. */
unsigned int lock_flags_memlock(const struct lock_flags *f);

/* the library's log callback: "<program>: libmemlock <level>: <msg>" on stderr */
void log_to_stderr(enum memlock_log_level level, const char *msg, void *data);

/* explain the usual access errors on a PID */
void hint_pid_error(pid_t pid, int rc);
/* The hint for a /proc file (@file, under proc/) that could not be read. */
void hint_read_error(const char *file, int rc);

#endif /* MEMLOCK_CLI_H */
