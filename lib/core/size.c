// SPDX-License-Identifier: LGPL-2.1-or-later
/* A size for people: "8 MiB", "1.5 GiB", "4095 B", "unlimited". */
#include <stdio.h>

#include "core/core.h"

const char *mlk_size_str(uint64_t b, char *buf, size_t sz)
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
