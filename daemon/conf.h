/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memlockd's configuration: the rules and the daemon's settings, parsed. */
#ifndef MEMLOCKD_CONF_H
#define MEMLOCKD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "memlock.h"

#define CONF_LINE_MAX 4096		/* bytes of one line, newline included */
#define CONF_TOTAL_MAX (1u << 20)	/* bytes of every file read for one load */
#define CONF_FILES_MAX 256		/* files read for one load */
#define CONF_DEPTH_MAX 8		/* includes within includes */
#define CONF_RULES_MAX 4096

enum rule_kind { RULE_PROCESS, RULE_FILE };

/* One "process" or "file" line. */
struct rule {
	enum rule_kind kind;
	const char *file;		/* where it is written (owned by the conf) */
	unsigned int line;
	char *text;			/* canonical, to find duplicates and for status */
	/* process */
	struct memlock_selector *sel;
	char *mappings;			/* lock=mappings:GLOB, NULL for lock=all */
	bool onfault, future;
	uint64_t max_pause_ns;		/* 0: one stop */
	/* file */
	char **paths;			/* as written, "+" kept */
	size_t npaths;
	uint64_t budget;		/* 0: the holder's default */
};

struct conf {
	struct rule *rules;
	size_t nrules;
	char **files;			/* every file read, for the rules' @file */
	size_t nfiles;
	bool poll;			/* "poll force": no connector */
	unsigned int poll_ms;		/* the poll's interval (and the retry check's) */
	bool has_group;
	gid_t group;			/* socket-group: the control socket is 0660 */
	char *metrics_path;		/* metrics PATH [interval=S] */
	unsigned int metrics_s;
};

/* Read @path (and what it includes) into @c. On error returns -errno with
 * "FILE:LINE: what is wrong" in @err (@c is left empty). */
int conf_load(const char *path, struct conf *c, char *err, size_t errsz);
void conf_free(struct conf *c);
/* "memlockd.conf:2" for messages: the file's last component and the line */
const char *rule_where(const struct rule *r, char *buf, size_t sz);

#endif /* MEMLOCKD_CONF_H */
