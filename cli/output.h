/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tables through libsmartcols with util-linux's options: -J -r -n -o -b. */
#ifndef MEMLOCK_OUTPUT_H
#define MEMLOCK_OUTPUT_H

#include <libsmartcols.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum col_kind {
	COL_STR = 0,	/* text */
	COL_NUM,	/* a count: JSON number */
	COL_SIZE,	/* bytes: human unless -b; JSON number with -b */
	COL_BOOL,	/* yes/no: JSON boolean */
	COL_HEX,	/* an address: hex text, sorted as a number */
};

struct colinfo {
	const char *name;
	double whint;
	int flags;	/* SCOLS_FL_* */
	enum col_kind kind;
	const char *help;
	const char *alias;	/* an older name, still accepted by -o and --sort */
};

#define OUT_MAX_COLUMNS 32

struct output {
	const struct colinfo *infos;
	size_t ninfos;
	int columns[OUT_MAX_COLUMNS];	/* indexes into infos */
	size_t ncolumns;
	bool json, raw, noheadings, bytes;
	bool all;	/* --output-all, or -o all */
	const char *sort;
	struct libscols_table *tb;
	uint64_t streamed;	/* lines printed by output_stream_line() */
};

/* Option values shared by the subcommands that print tables. */
enum {
	OPT_SORT = 0x1000,
	OPT_OUTPUT_ALL,
};
#define OUTPUT_SHORTOPTS "Jrno:b"
#define OUTPUT_LONGOPTS                                                          \
	{ "json", no_argument, NULL, 'J' }, { "raw", no_argument, NULL, 'r' },     \
	{ "noheadings", no_argument, NULL, 'n' },                                \
	{ "output", required_argument, NULL, 'o' },                              \
	{ "output-all", no_argument, NULL, OPT_OUTPUT_ALL },                     \
	{ "bytes", no_argument, NULL, 'b' }, { "sort", required_argument, NULL, OPT_SORT }
#define USAGE_OUTPUT_OPTIONS                                                     \
	" -J, --json                use JSON output format\n"                   \
	" -r, --raw                 use raw output format\n"                    \
	" -n, --noheadings          don't print headings\n"                     \
	" -o, --output <list>       output columns (+list appends to the default)\n" \
	"     --output-all          output all columns\n"                       \
	" -b, --bytes               print sizes in bytes rather than in human form\n" \
	"     --sort <column>       sort by <column>\n"

/* Handle one of the OUTPUT_LONGOPTS; returns 1 if @c was one, 0 if not. */
int output_option(struct output *out, int c, const char *arg);
/* Apply defaults (when no -o was given) and create the table. */
int output_init(struct output *out, const int *defaults, size_t ndefaults, const char *name);
/* Index of column @name in @infos, -1 if unknown. */
int output_column_id(const struct output *out, const char *name);
/* Whether column @id (an infos[] index) is shown. */
bool output_has(const struct output *out, int id);
/* Cell setters: @col is the index in out->columns. */
struct libscols_line *output_new_line(struct output *out);
void output_set_str(struct output *out, struct libscols_line *ln, int id, const char *s);
void output_set_num(struct output *out, struct libscols_line *ln, int id, uint64_t v);
void output_set_size(struct output *out, struct libscols_line *ln, int id, uint64_t v);
void output_set_hex(struct output *out, struct libscols_line *ln, int id, uint64_t v);
void output_set_bool(struct output *out, struct libscols_line *ln, int id, bool v);
/* Print and free the table. */
/* Free the table if it was not printed (an error path); no-op after
 * output_print(). */
void output_free(struct output *out);
int output_print(struct output *out);
/* -J without --sort: print each line once complete (output_stream_line(),
 * which frees it) instead of at the end; output_print() closes the document
 * (or prints the empty table when no line was streamed). */
bool output_streaming(const struct output *out);
void output_stream_line(struct output *out, struct libscols_line *ln);
/* List the columns in --help. */
void output_usage_columns(const char *title, const struct colinfo *infos, size_t n);
/* @s as valid UTF-8 whatever its bytes, each byte that is not written as
 * \xHH (util-linux's convention), for the tables and JSON alike; malloc'ed,
 * exits when out of memory. */
char *utf8_safe(const char *s);
/* Human size, util-linux style (e.g. "8M", "1.5G"). */
char *size_to_human(uint64_t bytes, char *buf, size_t sz);

#endif /* MEMLOCK_OUTPUT_H */
