// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * victim - a test process that does what it is told, one command per line on
 * stdin, one reply line on stdout ("ok [values]" or "err ENAME"):
 *
 *   map PAGES            mmap PAGES rw private anonymous pages   -> ok ADDR
 *                        (between two holes: never merged with a neighbour)
 *   mapnone PAGES        mmap PAGES PROT_NONE (grows VmSize)      -> ok ADDR
 *   mapfile PATH N       mmap the first page of PATH N times, read-only: N
 *                        mappings of one name                -> ok ADDR
 *   unmap ADDR PAGES     munmap
 *   mremap ADDR OLD NEW  mremap(MREMAP_MAYMOVE), sizes in pages   -> ok ADDR
 *   touch ADDR PAGES     write one byte in each page
 *   mlock ADDR LEN       raw mlock(2)
 *   mlock2 ADDR LEN FL   raw mlock2(2)
 *   mlockall FL          raw mlockall(2)
 *   munlock ADDR LEN / munlockall
 *   lib-lock ADDR LEN F  memlock_self_lock (F: MEMLOCK_F_* bits)
 *   lib-lockall F        memlock_self_lock_all
 *   limit SOFT HARD      setrlimit(RLIMIT_MEMLOCK), "inf" for unlimited
 *   userns               unshare(CLONE_NEWUSER)
 *   status               its own view                      -> ok VMLCK_KB VMSIZE_KB
 *   quit
 *
 * Addresses and lengths are decimal or 0x-hex. The victim is never built
 * with sanitizers: ASan's shadow would be locked by mlockall(MCL_CURRENT).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memlock.h"

static unsigned long long num(const char *s)
{
	if (s == NULL)
		return 0;
	if (strcmp(s, "inf") == 0)
		return RLIM_INFINITY;
	return strtoull(s, NULL, 0);
}

static void reply_rc(long rc)
{
	if (rc == 0)
		printf("ok\n");
	else
		printf("err %s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "?");
}

static void reply_lib(int rc)
{
	if (rc >= 0)
		printf("ok %d\n", rc);
	else
		printf("err %s\n", strerrorname_np(-rc) ? strerrorname_np(-rc) : "?");
}

static void own_status(void)
{
	unsigned long long lck = 0, size = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL) {
		printf("err %s\n", strerrorname_np(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "VmLck: %llu", &lck);
		sscanf(line, "VmSize: %llu", &size);
	}
	fclose(f);
	printf("ok %llu %llu\n", lck, size);
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char line[512];

	/* the parent may be unprivileged: let it inspect and trace us */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", (int)getpid());
	while (fgets(line, sizeof(line), stdin)) {
		char *argv[5] = { 0 }, *save = NULL;
		int argc = 0;
		void *p;

		for (char *t = strtok_r(line, " \n", &save); t && argc < 5;
		     t = strtok_r(NULL, " \n", &save))
			argv[argc++] = t;
		if (argc == 0)
			continue;
		errno = 0;
		if (strcmp(argv[0], "map") == 0 || strcmp(argv[0], "mapnone") == 0) {
			int prot = argv[0][3] == 'n' ? PROT_NONE : PROT_READ | PROT_WRITE;

			/* a hole on each side, so the kernel cannot merge the new
			 * mapping with a neighbour and tests see it as it is */
			p = mmap(NULL, (num(argv[1]) + 2) * page, prot, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
			if (p == MAP_FAILED) {
				reply_rc(-1);
			} else {
				munmap(p, page);
				munmap((char *)p + (num(argv[1]) + 1) * page, page);
				printf("ok %p\n", (char *)p + page);
			}
		} else if (strcmp(argv[0], "mapfile") == 0) {
			FILE *f = fopen(argv[1] ? argv[1] : "", "re");

			p = MAP_FAILED;
			/* each at its own file offset 0: neighbours never merge */
			for (unsigned long long i = 0; f && i < num(argv[2]); i++) {
				p = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fileno(f), 0);
				if (p == MAP_FAILED)
					break;
			}
			if (f)
				fclose(f);
			if (p == MAP_FAILED)
				reply_rc(-1);
			else
				printf("ok %p\n", p);
		} else if (strcmp(argv[0], "unmap") == 0) {
			reply_rc(munmap((void *)num(argv[1]), num(argv[2]) * page));
		} else if (strcmp(argv[0], "mremap") == 0) {
			void *q = mremap((void *)num(argv[1]), num(argv[2]) * page,
					 num(argv[3]) * page, MREMAP_MAYMOVE);

			if (q == MAP_FAILED)
				reply_rc(-1);
			else
				printf("ok %p\n", q);
		} else if (strcmp(argv[0], "touch") == 0) {
			volatile char *c = (char *)num(argv[1]);

			for (unsigned long long i = 0; i < num(argv[2]); i++)
				c[i * page] = 1;
			printf("ok\n");
		} else if (strcmp(argv[0], "mlock") == 0) {
			reply_rc(mlock((void *)num(argv[1]), num(argv[2])));
		} else if (strcmp(argv[0], "mlock2") == 0) {
			reply_rc(syscall(SYS_mlock2, num(argv[1]), num(argv[2]), num(argv[3])));
		} else if (strcmp(argv[0], "mlockall") == 0) {
			reply_rc(mlockall((int)num(argv[1])));
		} else if (strcmp(argv[0], "munlock") == 0) {
			reply_rc(munlock((void *)num(argv[1]), num(argv[2])));
		} else if (strcmp(argv[0], "munlockall") == 0) {
			reply_rc(munlockall());
		} else if (strcmp(argv[0], "lib-lock") == 0) {
			reply_lib(memlock_self_lock((void *)num(argv[1]), num(argv[2]),
						    (unsigned int)num(argv[3]), NULL));
		} else if (strcmp(argv[0], "lib-lockall") == 0) {
			reply_lib(memlock_self_lock_all((unsigned int)num(argv[1]), NULL));
		} else if (strcmp(argv[0], "limit") == 0) {
			struct rlimit rl = { num(argv[1]), num(argv[2]) };

			reply_rc(setrlimit(RLIMIT_MEMLOCK, &rl));
		} else if (strcmp(argv[0], "userns") == 0) {
			reply_rc(unshare(CLONE_NEWUSER));
		} else if (strcmp(argv[0], "status") == 0) {
			own_status();
		} else if (strcmp(argv[0], "quit") == 0) {
			return 0;
		} else {
			printf("err unknown-command\n");
		}
	}
	return 0;
}
