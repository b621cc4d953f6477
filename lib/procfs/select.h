/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/procfs: a selector's terms (select.c), shared with its matching
 * (select-match.c). */
#ifndef MLK_PROCFS_SELECT_H
#define MLK_PROCFS_SELECT_H

#include "procfs/procfs.h"

/* In the canonical order of memlock_selector_str(), cheapest match first. */
enum sel_key { SEL_PID, SEL_COMM, SEL_USER, SEL_TREE, SEL_CGROUP, SEL_UNIT, SEL_EXE, SEL_NKEYS };

struct sel_term {
	enum sel_key key;
	char *text;		/* "key=value", canonical */
	const char *val;	/* the value, in @text */
	long num;		/* pid=, tree=: the PID; user=: the uid */
	bool glob;		/* comm=: a pattern */
};

struct memlock_selector {
	struct sel_term *t;
	size_t n, cap;
	unsigned int keys;	/* bit per key present */
	char *str;
};

#endif /* MLK_PROCFS_SELECT_H */
