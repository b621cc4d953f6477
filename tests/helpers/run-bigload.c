// SPDX-License-Identifier: GPL-2.0-or-later
/* Needs librun-big.so (12 MiB) at start-up, found by its RUNPATH
 * ($ORIGIN); prints "started vmlck=KB" once main runs. */
#include <stdio.h>
#include <string.h>

int run_big_touch(void);

int main(void)
{
	char line[256];
	long vmlck = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmLck:", 6) == 0)
			sscanf(line + 6, "%ld", &vmlck);
	if (f)
		fclose(f);
	printf("started vmlck=%ld touch=%d\n", vmlck, run_big_touch());
	return 0;
}
