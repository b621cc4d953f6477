// SPDX-License-Identifier: LGPL-2.1-or-later
/* Diagnostics: silent until the caller sets a callback (compel_log_init,
 * libbpf_set_print). errno survives the callback. */
#include <stdarg.h>
#include <stdio.h>

#include "core/core.h"

static memlock_log_fn log_fn;
static enum memlock_log_level log_max = MEMLOCK_LOG_WARN;
static void *log_data;

void memlock_set_log(memlock_log_fn fn, enum memlock_log_level max_level, void *userdata)
{
	log_fn = fn;
	log_max = max_level;
	log_data = userdata;
}

void mlk_log(enum memlock_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int saved = errno;

	if (log_fn == NULL || level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(level, msg, log_data);
	errno = saved;
}

const char *memlock_version(void)
{
	return MEMLOCK_VERSION_STRING;
}
