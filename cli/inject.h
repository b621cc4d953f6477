/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What attach and unlock share: opening a target, reporting calls and stops. */
#ifndef MEMLOCK_INJECT_H
#define MEMLOCK_INJECT_H

#include "cli.h"
#include "targets.h"

#define INJECT_MAX_CALLS 4096

struct call_record {
	long nr, args[3], ret;
};

struct inject_report {
	pid_t pid;
	char comm[64];
	uint64_t vmlck_before, vmlck_after;
	struct call_record calls[INJECT_MAX_CALLS];
	size_t ncalls, dropped;
	long ret;		/* the library's answer for the whole lock (-EAGAIN: incomplete) */
	int already_locked;	/* attach: 1, 0, or -1 (--future: cannot be seen) */
	bool nsel;		/* ranges were asked for, not the whole process */
	bool attach;		/* (not unlock) */
	bool json;
};

/* A range to lock: from --range or --mapping. */
struct range_arg {
	uint64_t start, end;
	bool locked;		/* (of a mapping: VM_LOCKED) */
};

/* The options attach and unlock share. */
struct inject_args {
	struct range_arg *ranges;	/* --range, then --mapping resolved */
	size_t nranges;
	size_t nranges_given;		/* of them, from --range */
	const char *mappings[64];
	size_t nmappings;
	pid_t pid, tid;
	unsigned int tflags;		/* MEMLOCK_T_* */
	bool json;
	bool maps_read;
	bool already_locked;		/* every lockable mapping selected is locked */
	uint64_t max_pause;		/* --max-pause, ns (0: one stop) */
	bool dry;			/* --dry-run */
	const char *cmd;		/* "attach" or "unlock", for the messages */
};

enum { OPT_FORCE = 0x100, OPT_NO_EINTR };
#define INJECT_SHORTOPTS "R:m:t:JP:n"
#define INJECT_LONGOPTS                                                         \
	{ "range", required_argument, NULL, 'R' },                              \
	{ "mapping", required_argument, NULL, 'm' },                            \
	{ "tid", required_argument, NULL, 't' },                                \
	{ "force", no_argument, NULL, OPT_FORCE }, { "json", no_argument, NULL, 'J' },  \
	{ "max-pause", required_argument, NULL, 'P' },                          \
	{ "dry-run", no_argument, NULL, 'n' }

/* Handle one of INJECT_LONGOPTS: 1 if @c was one, 0 if not; bad values exit. */
int inject_option(struct inject_args *a, int c, const char *arg);
/* The operands (PIDs, KEY=VALUE terms) into @tg, after the selector
 * options; exits on bad input. */
void inject_args_finish(struct inject_args *a, int argc, char **argv, const char *cmd,
			struct targets *tg);
/* @one(@a, @arg) for each process of @tg in turn (@a->pid set, --mapping
 * names resolved into ranges); a selector that matches nothing is an
 * error. The exit status: @one's for one process; for several 0, 1 when
 * all failed, EXIT_SOMEOK when some did. */
int inject_each(struct inject_args *a, const struct targets *tg,
		int (*one)(struct inject_args *a, void *arg), void *arg);
/* @already_locked, from that same read, or from one now if there was none
 * (none at all while VmLck is 0). */
void inject_check_locked(struct inject_args *a, const struct inject_report *rep);
void inject_args_free(struct inject_args *a);
/* --max-pause MS, 1 ms to 1 hour, in ns; exits on a bad value. */
uint64_t inject_parse_pause(const char *arg);
/* Open the target (and its --tid), or print the refusal with its fix and
 * return NULL. */
struct memlock_target *inject_open(const struct inject_args *a, struct inject_report *rep);
/* With -J, a refusal made before any call, as a JSON object on stdout:
 * {"pid", "error" (the errno name @err), "message", "cause", "reason"
 * (@reason), "fix": [...], "fix_kinds": [...]}. */
void inject_refusal_json(pid_t pid, const struct memlock_verdict *why, int err,
			 const char *reason);
/* Print the outcome (text or JSON) and return the exit status. */
int inject_finish(struct memlock_target *t, struct inject_report *rep, int rc);
/* "mlockall(MCL_CURRENT|MCL_FUTURE)" and the like */
void call_name(const struct call_record *c, char *buf, size_t sz);

#endif /* MEMLOCK_INJECT_H */
