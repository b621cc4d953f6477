// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Table output shared by the subcommands, on libsmartcols: the -J/-r/-n/-o/-b
 * conventions of fincore(1) and lsblk(8). Numeric columns keep their value in
 * the cell's userdata so --sort compares numbers, not human strings.
 */
#include <ctype.h>
#include <getopt.h>
#include <json-c/json.h>
#include <inttypes.h>

#include "cli.h"
#include "output.h"

_Static_assert(sizeof(void *) >= sizeof(uint64_t), "values are kept in cell userdata");

char *size_to_human(uint64_t b, char *buf, size_t sz)
{
	static const char unit[] = "BKMGTPE";
	unsigned int i = 0;
	uint64_t div = 1;

	if (b == MEMLOCK_UNLIMITED) {
		snprintf(buf, sz, "unlimited");
		return buf;
	}
	while (i + 1 < sizeof(unit) - 1 && b / div >= 1024) {
		div *= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, sz, "%" PRIu64 "B", b);
	else if (b % div == 0 || b / div >= 100)
		snprintf(buf, sz, "%" PRIu64 "%c", (b + div / 2) / div, unit[i]);
	else
		snprintf(buf, sz, "%.1f%c", (double)b / (double)div, unit[i]);
	return buf;
}

int output_column_id(const struct output *out, const char *name)
{
	size_t i;

	for (i = 0; i < out->ninfos; i++)
		if (strcasecmp(out->infos[i].name, name) == 0 ||
		    (out->infos[i].alias && strcasecmp(out->infos[i].alias, name) == 0))
			return (int)i;
	return -1;
}

static int position(const struct output *out, int id);
static char *safe_encode(const char *s, bool ctrl, size_t max);

/* -o LIST: names separated by commas, case ignored; a column named twice
 * (or already among the defaults of -o +LIST) is shown once */
static int add_columns(struct output *out, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int rc = 0, named = 0;

	if (copy == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int id = output_column_id(out, tok);

		named++;
		if (id < 0) {
			warnx("unknown column: %s", user_str(tok));
			rc = -EINVAL;
			break;
		}
		if (position(out, id) >= 0)
			continue;
		if (out->ncolumns >= OUT_MAX_COLUMNS) {
			warnx("too many columns");
			rc = -E2BIG;
			break;
		}
		out->columns[out->ncolumns++] = id;
	}
	free(copy);
	if (rc == 0 && named == 0) {
		warnx("no column named in -o '%s'", user_str(list));
		rc = -EINVAL;
	}
	return rc;
}

/* -o given before defaults are known: remember the list, apply in init */
static const char *pending_list;

int output_option(struct output *out, int c, const char *arg)
{
	switch (c) {
	case 'J':
		out->json = true;
		return 1;
	case 'r':
		out->raw = true;
		return 1;
	case 'n':
		out->noheadings = true;
		return 1;
	case 'b':
		out->bytes = true;
		return 1;
	case 'o':
		/* column names ignore case: so does "all", as a whole list */
		out->all = strcasecmp(arg, "all") == 0;
		pending_list = out->all ? NULL : arg;
		return 1;
	case OPT_OUTPUT_ALL:
		out->all = true;
		pending_list = NULL;
		return 1;
	case OPT_SORT:
		out->sort = arg;
		return 1;
	}
	return 0;
}

static int position(const struct output *out, int id);

int output_init(struct output *out, const int *defaults, size_t ndefaults, const char *name)
{
	size_t i, hidden = SIZE_MAX;

	out->ncolumns = 0;
	if (out->json && out->raw) {	/* (the last one won, silently) */
		warnx("-J (--json) and -r (--raw) cannot go together");
		return -EINVAL;
	}
	if (out->all) {
		for (i = 0; i < out->ninfos && i < OUT_MAX_COLUMNS; i++)
			out->columns[out->ncolumns++] = (int)i;
	} else {
		if (pending_list == NULL || *pending_list == '+')
			for (i = 0; i < ndefaults; i++)
				out->columns[out->ncolumns++] = defaults[i];
		if (pending_list != NULL &&
		    add_columns(out, pending_list + (*pending_list == '+')) < 0)
			return -EINVAL;
	}
	if (out->sort != NULL) {
		int id = output_column_id(out, out->sort);

		if (id < 0) {
			warnx("unknown column for --sort: %s", user_str(out->sort));
			return -EINVAL;
		}
		/* as lsblk: a sort column not shown is added, hidden */
		if (position(out, id) < 0 && out->ncolumns < OUT_MAX_COLUMNS) {
			hidden = out->ncolumns;
			out->columns[out->ncolumns++] = id;
		}
	}
	scols_init_debug(0);
	out->tb = scols_new_table();
	if (out->tb == NULL)
		err(EXIT_FAILURE, "cannot create output table");
	scols_table_enable_json(out->tb, out->json);
	scols_table_enable_raw(out->tb, out->raw);
	scols_table_enable_noheadings(out->tb, out->noheadings);
	scols_table_set_name(out->tb, name);
	for (i = 0; i < out->ncolumns; i++) {
		const struct colinfo *ci = &out->infos[out->columns[i]];
		struct libscols_column *cl;

		cl = scols_table_new_column(out->tb, ci->name, ci->whint,
					    ci->flags | (i == hidden ? SCOLS_FL_HIDDEN : 0));
		if (cl == NULL)
			err(EXIT_FAILURE, "cannot create output column");
		if (out->json) {
			int type = SCOLS_JSON_STRING;

			if (ci->kind == COL_NUM || (ci->kind == COL_SIZE && out->bytes))
				type = SCOLS_JSON_NUMBER;
			else if (ci->kind == COL_BOOL)
				type = SCOLS_JSON_BOOLEAN;
			scols_column_set_json_type(cl, type);
		}
	}
	return 0;
}

struct libscols_line *output_new_line(struct output *out)
{
	struct libscols_line *ln = scols_table_new_line(out->tb, NULL);

	if (ln == NULL)
		err(EXIT_FAILURE, "cannot create output line");
	return ln;
}

/* Map an infos[] id to its position in the table, -1 when not shown. */
static int position(const struct output *out, int id)
{
	size_t i;

	for (i = 0; i < out->ncolumns; i++)
		if (out->columns[i] == id)
			return (int)i;
	return -1;
}

bool output_has(const struct output *out, int id)
{
	return position(out, id) >= 0;
}

static void set_cell(struct output *out, struct libscols_line *ln, int id, const char *s,
		     uint64_t v)
{
	int pos = position(out, id);
	struct libscols_cell *ce;

	if (pos < 0)
		return;
	ce = scols_line_get_cell(ln, (size_t)pos);
	if (scols_cell_set_data(ce, s) != 0)
		err(EXIT_FAILURE, "cannot set output cell");
	scols_cell_set_userdata(ce, (void *)(uintptr_t)v);
}

void output_set_str(struct output *out, struct libscols_line *ln, int id, const char *s)
{
	char *safe;

	/* names and paths are bytes: libsmartcols escapes control characters
	 * in JSON, but copies other bytes as they are, invalid UTF-8 too */
	if (!out->json || s == NULL) {
		set_cell(out, ln, id, s ? s : "", 0);
		return;
	}
	safe = utf8_safe(s);
	set_cell(out, ln, id, safe, 0);
	free(safe);
}

void output_set_num(struct output *out, struct libscols_line *ln, int id, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	set_cell(out, ln, id, buf, v);
}

void output_set_size(struct output *out, struct libscols_line *ln, int id, uint64_t v)
{
	char buf[32];

	if (out->bytes && v != MEMLOCK_UNLIMITED)
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	else if (out->bytes)	/* JSON: the string "unlimited" in a number
				 * column (libsmartcols prints it as it is);
				 * null is for what could not be read */
		snprintf(buf, sizeof(buf), out->json ? "\"unlimited\"" : "unlimited");
	else
		size_to_human(v, buf, sizeof(buf));
	set_cell(out, ln, id, buf, v);
}

void output_set_hex(struct output *out, struct libscols_line *ln, int id, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIx64, v);
	set_cell(out, ln, id, buf, v);
}

void output_set_bool(struct output *out, struct libscols_line *ln, int id, bool v)
{
	set_cell(out, ln, id, v ? "yes" : "no", v);
}

static int cmp_numbers(struct libscols_cell *a, struct libscols_cell *b,
		       void *data __attribute__((unused)))
{
	uint64_t x = (uintptr_t)scols_cell_get_userdata(a);
	uint64_t y = (uintptr_t)scols_cell_get_userdata(b);

	return x < y ? -1 : x > y;
}

void output_free(struct output *out)
{
	scols_unref_table(out->tb);
	out->tb = NULL;
}

/* -J without --sort: each line printed as a JSON object as soon as it is
 * complete, then dropped, so that a walk of a million files shows its
 * progress and keeps constant memory. The document is the one libsmartcols
 * prints (an array named as the table), one object a line. */
bool output_streaming(const struct output *out)
{
	return (out->json || out->raw) && out->sort == NULL;
}

/* -r: a raw line needs no other line's width, so libsmartcols prints it
 * (and the header before the first) as it would at the end; the line
 * separator is ours, since the line is the table's last when printed. */
static void stream_raw_line(struct output *out, struct libscols_line *ln)
{
	if (scols_table_print_range(out->tb, ln, ln) < 0)
		err(EXIT_FAILURE, "cannot print");
	fputc('\n', stdout);
	out->streamed++;
	scols_table_remove_line(out->tb, ln);
}

static struct json_object *cell_json(const struct output *out, size_t pos, const char *data)
{
	enum col_kind kind = out->infos[out->columns[pos]].kind;

	if (data == NULL || *data == '\0')
		return NULL;	/* null: not known */
	if (kind == COL_BOOL)
		return json_object_new_boolean(strcmp(data, "true") == 0);
	if (kind == COL_NUM || (kind == COL_SIZE && out->bytes)) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(data, &end, 10);
		if (errno == 0 && *end == '\0')
			return json_object_new_uint64(v);
		if (*data == '"')	/* "unlimited" in a number column */
			return json_object_new_string_len(data + 1, (int)strlen(data) - 2);
	}
	return json_object_new_string(data);	/* the cell is valid UTF-8 already */
}

void output_stream_line(struct output *out, struct libscols_line *ln)
{
	struct json_object *obj;
	const char *s;

	if (!out->json) {
		stream_raw_line(out, ln);
		return;
	}
	obj = json_object_new_object();
	if (obj == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	for (size_t i = 0; i < out->ncolumns; i++) {
		struct libscols_cell *ce = scols_line_get_cell(ln, i);
		char key[64];
		size_t k;

		for (k = 0; out->infos[out->columns[i]].name[k] && k + 1 < sizeof(key); k++)
			key[k] = (char)tolower((unsigned char)out->infos[out->columns[i]].name[k]);
		key[k] = '\0';
		json_object_object_add(obj, key, cell_json(out, i, scols_cell_get_data(ce)));
	}
	s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_SPACED |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	if (out->streamed)
		fputs(",\n      ", stdout);
	else
		printf("{\n   \"%s\": [\n      ", scols_table_get_name(out->tb) ?: "table");
	fputs(s, stdout);
	json_object_put(obj);
	out->streamed++;
	scols_table_remove_line(out->tb, ln);
}

int output_print(struct output *out)
{
	int rc;

	if (output_streaming(out) && !out->json && out->streamed) {
		scols_unref_table(out->tb);
		out->tb = NULL;
		return ferror(stdout) ? -EIO : 0;
	}
	if (output_streaming(out) && out->streamed) {	/* the end of the document */
		fputs("\n   ]\n}\n", stdout);
		scols_unref_table(out->tb);
		out->tb = NULL;
		return ferror(stdout) ? -EIO : 0;
	}

	if (out->sort != NULL) {
		int id = output_column_id(out, out->sort), pos = position(out, id);
		struct libscols_column *cl;

		if (pos < 0) {	/* only when OUT_MAX_COLUMNS were all taken */
			warnx("--sort %s: too many columns to add it", user_str(out->sort));
			output_free(out);
			return -EINVAL;
		}
		cl = scols_table_get_column(out->tb, (size_t)pos);
		if (out->infos[id].kind == COL_STR)
			scols_column_set_cmpfunc(cl, scols_cmpstr_cells, NULL);
		else
			scols_column_set_cmpfunc(cl, cmp_numbers, NULL);
		scols_sort_table(out->tb, cl);
	}
	rc = scols_print_table(out->tb);
	scols_unref_table(out->tb);
	out->tb = NULL;
	return rc;
}

void output_usage_columns(const char *title, const struct colinfo *infos, size_t n)
{
	size_t i;

	printf("\n%s:\n", title);
	for (i = 0; i < n; i++)
		printf(" %13s  %s\n", infos[i].name, infos[i].help);
}

/*
 * Length of the UTF-8 sequence at @u, 0 when the bytes there are not valid
 * UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF,
 * which strict JSON parsers refuse too). @u is NUL-terminated: a sequence cut
 * short ends at a byte that is not a continuation byte.
 */
static size_t utf8_len(const unsigned char *u)
{
	unsigned int cp, len, i;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		len = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		len = 3;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		len = 4;
	else
		return 0;
	cp = u[0] & (0x7f >> len);	/* the lead byte's payload bits */
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	if (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
		return 0;
	if (len == 4 && (cp < 0x10000 || cp > 0x10ffff))
		return 0;
	return len;
}

/*
 * @s with each byte that is not part of valid UTF-8 written as \xHH, and
 * so is the backslash of a "\x" already in @s, so that \xHH always stands
 * for one byte: util-linux's convention (mbs_safe_encode(), lsblk, the raw
 * output of libsmartcols). With @ctrl, control characters are written so
 * too. At most @max characters of @s, then "...". Returns a malloc'ed string.
 */
static char *safe_encode(const char *s, bool ctrl, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), chars = 0, l;
	char *buf, *p;

	buf = malloc((max < n ? max : n) * 4 + sizeof("..."));
	if (buf == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	for (p = buf; *u; chars++) {
		if (chars == max) {
			p = stpcpy(p, "...");
			break;
		}
		l = utf8_len(u);
		if (l == 0 || (ctrl && (*u < 0x20 || *u == 0x7f)) || (*u == '\\' && u[1] == 'x')) {
			p += sprintf(p, "\\x%02x", *u);
			u++;
		} else {
			memcpy(p, u, l);
			p += l;
			u += l;
		}
	}
	*p = '\0';
	return buf;
}

const char *user_str(const char *s)
{
	static char *ring[4];
	static unsigned int next;
	char **slot = &ring[next++ % ARRAY_SIZE(ring)];

	free(*slot);
	*slot = safe_encode(s ? s : "", true, 64);
	return *slot;
}

char *utf8_safe(const char *s)
{
	return safe_encode(s, false, SIZE_MAX);
}
