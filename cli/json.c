// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON objects through json-c; see json.h. */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fixes.h"
#include "json.h"
#include "output.h"

static struct json_object *must(struct json_object *o)
{
	if (o == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	return o;
}

struct json_object *json_new_object(void)
{
	return must(json_object_new_object());
}

struct json_object *json_new_array(void)
{
	return must(json_object_new_array());
}

void json_put(struct json_object *obj, const char *key, struct json_object *val)
{
	int rc = key ? json_object_object_add(obj, key, val) : json_object_array_add(obj, val);

	if (rc < 0)
		err(EXIT_FAILURE, "cannot allocate memory");
}

void json_put_str(struct json_object *obj, const char *key, const char *bytes)
{
	char *safe;

	if (bytes == NULL) {
		json_put(obj, key, NULL);
		return;
	}
	safe = utf8_safe(bytes);
	json_put(obj, key, must(json_object_new_string(safe)));
	free(safe);
}

void json_put_int(struct json_object *obj, const char *key, int64_t v)
{
	json_put(obj, key, must(json_object_new_int64(v)));
}

void json_put_u64(struct json_object *obj, const char *key, uint64_t v)
{
	json_put(obj, key, must(json_object_new_uint64(v)));
}

void json_put_bool(struct json_object *obj, const char *key, bool v)
{
	json_put(obj, key, must(json_object_new_boolean(v)));
}

void json_put_null(struct json_object *obj, const char *key)
{
	json_put(obj, key, NULL);
}

void json_put_ms(struct json_object *obj, const char *key, uint64_t ns)
{
	char buf[32];

	/* json-c would print a double with 17 digits: keep the three decimals */
	snprintf(buf, sizeof(buf), "%" PRIu64 ".%03" PRIu64, ns / 1000000, ns / 1000 % 1000);
	json_put(obj, key, must(json_object_new_double_s((double)ns / 1e6, buf)));
}

void json_put_limit(struct json_object *obj, const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		json_put_str(obj, key, "unlimited");
	else
		json_put_u64(obj, key, v);
}

void json_put_errno(struct json_object *obj, const char *key, int err)
{
	const char *sym = err ? strerrorname_np(err) : NULL;

	json_put_str(obj, key, err ? (sym ? sym : "?") : NULL);
	json_put_str(obj, "message", err ? strerror(err) : NULL);
}

void json_print(struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE);

	if (s == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	puts(s);
	json_object_put(obj);
}

void json_put_fixes(struct json_object *obj, const struct memlock_verdict *v)
{
	struct json_object *text = json_new_array(), *kinds = json_new_array();
	size_t i, n = memlock_verdict_fix_count(v);

	for (i = 0; i < n; i++) {
		struct memlock_fix f = { .sz = sizeof(f) };

		json_put_str(text, NULL, fix_text(v, i));
		if (memlock_verdict_fix(v, i, &f) == 0)
			json_put_str(kinds, NULL, memlock_fix_kind_name(f.kind));
	}
	json_put(obj, "fix", text);
	json_put(obj, "fix_kinds", kinds);
}

void json_put_notes(struct json_object *obj, const struct memlock_verdict *v)
{
	struct json_object *text = json_new_array(), *kinds = json_new_array();
	size_t i, n = memlock_verdict_note_count(v);

	for (i = 0; i < n; i++) {
		struct memlock_note note = { .sz = sizeof(note) };

		json_put_str(text, NULL, note_text(v, i));
		if (memlock_verdict_note(v, i, &note) == 0)
			json_put_str(kinds, NULL, memlock_note_kind_name(note.kind));
	}
	json_put(obj, "notes", text);
	json_put(obj, "note_kinds", kinds);
}
