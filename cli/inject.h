/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What attach and unlock share: opening a target, reporting calls and stops. */
#ifndef MEMLOCK_INJECT_H
#define MEMLOCK_INJECT_H

#include "cli.h"

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
	bool json;
};

/* A range to lock: from --range or --mapping. */
struct range_arg {
	uint64_t start, end;
};

/* Open @pid for injection, or print the refusal with its fix and return NULL. */
struct memlock_target *inject_open(pid_t pid, unsigned int flags, struct inject_report *rep);
/* Resolve --mapping NAME into the ranges of the mappings it names. */
int inject_add_mapping(pid_t pid, const char *name, struct range_arg **r, size_t *n);
int inject_add_range(const char *arg, struct range_arg **r, size_t *n);
/* Print the outcome (text or JSON) and return the exit status. */
int inject_finish(struct memlock_target *t, struct inject_report *rep, int rc);
/* "mlockall(MCL_CURRENT|MCL_FUTURE)" and the like */
void call_name(const struct call_record *c, char *buf, size_t sz);

#endif /* MEMLOCK_INJECT_H */
