// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * secretmaps: maps what memlock status shows for secrets, prints where, and
 * waits for stdin to close. Lines: "ready PID", then "plain ADDR", "dd
 * ADDR", "wf ADDR", "ddwf ADDR" (4 pages each, MADV_DONTDUMP and/or
 * MADV_WIPEONFORK), and "secret ADDR BYTES" (16 pages of memfd_secret(2),
 * touched) or "secret-unavailable ERRNO-NAME", then "done".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

static void area(const char *name, int advice1, int advice2)
{
	size_t len = 4 * (size_t)getpagesize();
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || (advice1 && madvise(p, len, advice1) < 0) ||
	    (advice2 && madvise(p, len, advice2) < 0)) {
		printf("%s-failed %s\n", name, strerrorname_np(errno));
		return;
	}
	p[0] = 1;
	printf("%s %lx\n", name, (unsigned long)p);
}

static void secret(void)
{
	size_t len = 16 * (size_t)getpagesize();
	int fd = (int)syscall(SYS_memfd_secret, 0);
	char *p = MAP_FAILED;

	if (fd >= 0 && ftruncate(fd, (off_t)len) == 0)
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("secret-unavailable %s\n", strerrorname_np(errno));
		return;
	}
	memset(p, 0x5a, len);
	printf("secret %lx %zu\n", (unsigned long)p, len);
}

int main(void)
{
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", (int)getpid());
	area("plain", 0, 0);
	area("dd", MADV_DONTDUMP, 0);
	area("wf", MADV_WIPEONFORK, 0);
	area("ddwf", MADV_DONTDUMP, MADV_WIPEONFORK);
	secret();
	printf("done\n");
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
