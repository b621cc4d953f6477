// SPDX-License-Identifier: LGPL-2.1-or-later
/* A size for people: "8 MiB", "1.5 GiB", "4095 B", "unlimited"; exact
 * with MEMLOCK_F_EXACT. The one formatter of the library's sentences, and
 * of the CLI's (its tables keep util-linux's "8M" of their own). */
#include <stdio.h>
#include <string.h>

#include "core/core.h"

static const char *rounded(uint64_t b, char *buf, size_t sz)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int i = 0;
	uint64_t div = 1;

	if (b == MEMLOCK_UNLIMITED) {
		snprintf(buf, sz, "unlimited");
		return buf;
	}
	while (i + 1 < ARRAY_SIZE(unit) && b / div >= 1024) {
		div *= 1024;
		i++;
	}
	/* inexact small values in bytes: 4095 must not read "4.0 KiB" */
	if (b % div != 0 && b < 10240)
		snprintf(buf, sz, "%llu B", (unsigned long long)b);
	else if (b % div == 0)
		snprintf(buf, sz, "%llu %s", (unsigned long long)(b / div), unit[i]);
	else
		snprintf(buf, sz, "%.1f %s", (double)b / (double)div, unit[i]);
	return buf;
}

const char *memlock_size_str(uint64_t bytes, unsigned int flags, char *buf, size_t sz)
{
	char tmp[32];

	if (buf == NULL || sz == 0)
		return NULL;
	rounded(bytes, tmp, sizeof(tmp));
	/* exact: a limit a user wrote must not read "1.0 MiB" for 1025 KiB */
	if (!(flags & MEMLOCK_F_EXACT) || strchr(tmp, '.') == NULL)
		snprintf(buf, sz, "%s", tmp);
	else if (bytes % 1024 == 0)
		snprintf(buf, sz, "%llu KiB", (unsigned long long)(bytes / 1024));
	else
		snprintf(buf, sz, "%llu B", (unsigned long long)bytes);
	return buf;
}
