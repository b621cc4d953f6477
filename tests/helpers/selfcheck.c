// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * selfcheck [onfault] - what a program run by `memlock run` sees of itself:
 *   vmlck=KB        its VmLck at start
 *   unlocked=N      mappings without "lo" (vvar, vdso, vsyscall excepted)
 *   onfault=N       mappings with "lf"
 *   future=lo|lf|no the VmFlags of a mapping it creates afterwards
 *   touched=KB      (onfault) that mapping's Locked after touching 4 of 16 pages
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void scan(unsigned long addr, int *unlocked, int *onfault, char *flags, long *locked)
{
	char line[512], name[256] = "";
	unsigned long s, e, cur = 0;
	int has_lo = 0, mapped = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	*unlocked = *onfault = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && strchr(line, ':') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			name[0] = '\0';
			sscanf(line, "%*s %*s %*s %*s %*s %255s", name);
			mapped = 1;
			cur = s;
			continue;
		}
		if (strncmp(line, "Locked:", 7) == 0 && cur == addr)
			*locked = strtol(line + 7, NULL, 10);
		if (strncmp(line, "VmFlags:", 8) != 0 || !mapped)
			continue;
		has_lo = strstr(line, " lo") != NULL;
		if (strstr(line, " lf"))
			(*onfault)++;
		if (!has_lo && strcmp(name, "[vvar]") && strcmp(name, "[vvar_vclock]") &&
		    strcmp(name, "[vdso]") && strcmp(name, "[vsyscall]"))
			(*unlocked)++;
		if (cur == addr)
			strcpy(flags, strstr(line, " lf") ? "lf" : has_lo ? "lo" : "no");
	}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE), vmlck = -1, locked = -1;
	int unlocked, onfault, un2, of2;
	char line[256], flags[8] = "?";
	FILE *f = fopen("/proc/self/status", "re");
	char *p;

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "VmLck: %ld", &vmlck);
	if (f)
		fclose(f);
	scan(0, &unlocked, &onfault, flags, &locked);
	/* 16 pages between two holes, so it cannot merge with a neighbour */
	p = mmap(NULL, 18 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, page);
	munmap(p + 17 * page, page);
	p += page;
	if (argc > 1 && strcmp(argv[1], "onfault") == 0)
		for (int i = 0; i < 4; i++)
			p[i * page] = 1;
	scan((unsigned long)p, &un2, &of2, flags, &locked);
	printf("vmlck=%ld unlocked=%d onfault=%d future=%s touched=%ld\n", vmlck, unlocked, onfault,
	       flags, locked);
	return 0;
}
