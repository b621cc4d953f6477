/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which processes a command acts on: PIDs, or a selector (memlock_select(3))
 * given as --comm/--exe/--user/--cgroup/--unit/--tree and KEY=VALUE operands. */
#ifndef MEMLOCK_TARGETS_H
#define MEMLOCK_TARGETS_H

#include "cli.h"

struct targets {
	struct memlock_selector *sel;	/* every term, the PID operands as pid= */
	pid_t *pids;			/* the PID operands, in order */
	size_t npids, cap;
	bool keyed;			/* a term other than a PID was given */
};

enum {
	OPT_SEL_COMM = 0x200, OPT_SEL_EXE, OPT_SEL_USER, OPT_SEL_CGROUP, OPT_SEL_UNIT,
	OPT_SEL_TREE,
};
#define TARGETS_LONGOPTS                                                        \
	{ "comm", required_argument, NULL, OPT_SEL_COMM },                      \
	{ "exe", required_argument, NULL, OPT_SEL_EXE },                        \
	{ "user", required_argument, NULL, OPT_SEL_USER },                      \
	{ "cgroup", required_argument, NULL, OPT_SEL_CGROUP },                  \
	{ "unit", required_argument, NULL, OPT_SEL_UNIT },                      \
	{ "tree", required_argument, NULL, OPT_SEL_TREE }
#define USAGE_TARGETS_OPTIONS                                                   \
	"     --comm <name>         processes of this command name (a glob: 'redis*')\n" \
	"     --exe <path>          processes running this program\n"           \
	"     --user <name|uid>     processes of this effective user\n"        \
	"     --cgroup <path>       processes in this cgroup or below it\n"    \
	"     --unit <name>         processes in this systemd unit (name.service...)\n" \
	"     --tree <pid>          this process and all its descendants\n"

/* Handle one of TARGETS_LONGOPTS: 1 if @c was one, 0 if not; a bad value
 * exits (status 1) with the reason and a hint. */
int targets_option(struct targets *t, int c, const char *arg);
/* Operands: a PID, or KEY=VALUE; a bad one exits. */
void targets_operands(struct targets *t, int argc, char **argv);
/* The processes a selector names (when @t->keyed), in /proc's order: never
 * memlock itself (nor, when @guarded, the memlock that waits for this
 * worker), nor kernel threads. Exits when /proc cannot be listed; sets
 * *@denied to how many processes could not be checked (-EACCES). */
pid_t *targets_match(const struct targets *t, size_t *n, size_t *denied);
/* Is @pid memlock itself (see targets_match())? */
bool targets_is_self(pid_t pid);
/* The selector as the user can give it again ("comm=redis user=0"). */
const char *targets_str(const struct targets *t);
void targets_free(struct targets *t);

#endif /* MEMLOCK_TARGETS_H */
