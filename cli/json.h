/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON objects memlock prints beside libsmartcols' tables (verdicts,
 * attach and unlock results), built with json-c. Every string goes through
 * the same encoding as the tables' -J: valid UTF-8 whatever the bytes of a
 * process name or a path, the others written as \xHH. Allocation failures
 * end the program (err), as the tables' do.
 */
#ifndef MEMLOCK_JSON_H
#define MEMLOCK_JSON_H

#include <stdbool.h>
#include <stdint.h>

struct json_object;

struct json_object *json_new_object(void);
struct json_object *json_new_array(void);
/* Set @key of @obj (replacing), or append to an array with @key NULL. */
void json_put(struct json_object *obj, const char *key, struct json_object *val);
void json_put_str(struct json_object *obj, const char *key, const char *bytes); /* NULL: null */
void json_put_int(struct json_object *obj, const char *key, int64_t v);
void json_put_u64(struct json_object *obj, const char *key, uint64_t v);
void json_put_bool(struct json_object *obj, const char *key, bool v);
void json_put_null(struct json_object *obj, const char *key);
/* Milliseconds with three decimals, as a JSON number. */
void json_put_ms(struct json_object *obj, const char *key, uint64_t ns);
/* A limit: bytes, or the string "unlimited" (as status -J -b). */
void json_put_limit(struct json_object *obj, const char *key, uint64_t v);
/* An errno as its symbol in @key ("ENOMEM") and its text in "message";
 * both null for 0. */
void json_put_errno(struct json_object *obj, const char *key, int err);
/* "fix" (the words, as the hint: lines) and "fix_kinds"
 * (memlock_fix_kind_name()) of @v into @obj; "notes" and "note_kinds" likewise. */
struct memlock_verdict;
void json_put_fixes(struct json_object *obj, const struct memlock_verdict *v);
void json_put_notes(struct json_object *obj, const struct memlock_verdict *v);
/* Print @obj on stdout (one object, pretty, a newline after) and free it. */
void json_print(struct json_object *obj);

#endif /* MEMLOCK_JSON_H */
