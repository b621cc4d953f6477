/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The library's verdicts in the CLI's words: each fix kind and note kind
 * rendered as the hint: (and check's fix:/note:) lines say it, naming
 * memlock's own commands where they apply, and as JSON.
 */
#ifndef MEMLOCK_FIXES_H
#define MEMLOCK_FIXES_H

#include <memlock.h>

/* Fix @i / note @i of @v in words; the string lives until the next call. */
const char *fix_text(const struct memlock_verdict *v, size_t i);
const char *note_text(const struct memlock_verdict *v, size_t i);
/* hint: lines, one per fix / note of @v. */
void hint_fixes(const struct memlock_verdict *v);
void hint_notes(const struct memlock_verdict *v);

#endif /* MEMLOCK_FIXES_H */
