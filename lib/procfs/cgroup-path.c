// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The components of a cgroup path ("/system.slice/redis.service"), and the
 * systemd units they name: one reading for the process context (the
 * predictor's fixes name the service), the selector's unit= and the
 * metrics' unit label.
 */
#include <string.h>

#include "procfs/procfs.h"

bool mlk_path_component(const char **p, const char *end, const char **comp, size_t *n)
{
	const char *slash;

	while (*p < end) {
		slash = memchr(*p, '/', (size_t)(end - *p));
		*comp = *p;
		*n = (size_t)((slash ? slash : end) - *p);
		*p = slash ? slash + 1 : end;
		if (*n)
			return true;
	}
	return false;
}

bool mlk_unit_name(const char *c, size_t n, bool service_only)
{
	static const char *const suffixes[] = {
		".service", ".scope", ".socket", ".mount", ".swap", ".slice",
	};

	for (size_t i = 0; i < (service_only ? 1 : ARRAY_SIZE(suffixes)); i++) {
		size_t l = strlen(suffixes[i]);

		if (n > l && memcmp(c + n - l, suffixes[i], l) == 0)
			return true;
	}
	return false;
}

bool mlk_cgroup_path_unit(const char *path, size_t len, bool service_only, char *unit, size_t sz)
{
	const char *p = path, *c;
	bool found = false;
	size_t n;

	while (mlk_path_component(&p, path + len, &c, &n)) {
		if (!mlk_unit_name(c, n, service_only) || n >= sz)
			continue;
		/* a user's service manager is not the service: what runs in it is */
		if (service_only && n > 5 && memcmp(c, "user@", 5) == 0)
			continue;
		memcpy(unit, c, n);
		unit[n] = '\0';
		found = true;
	}
	return found;
}
