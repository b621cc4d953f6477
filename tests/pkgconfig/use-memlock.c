/* A program of a user of libmemlock: built with nothing but
 * `pkg-config --cflags --libs memlock` against an installed tree and run
 * against the installed shared library (tests/pkgconfig/pkgconfig.sh).
 * It locks a page of its own, reads its /proc/self/status through the
 * library, and prints what it saw:
 *   version VERSION
 *   locked BYTES      VmLck with the page locked
 *   unlocked BYTES    VmLck after memlock_self_unlock()
 */
#define _GNU_SOURCE
#include <memlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int vm_lck(unsigned long long *out)
{
	struct memlock_status st = { .sz = sizeof(st) };
	int rc = memlock_proc_read_status(NULL, 0, &st);

	if (rc < 0) {
		fprintf(stderr, "memlock_proc_read_status: %s\n", strerror(-rc));
		return -1;
	}
	*out = st.vm_lck;
	return 0;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long locked, unlocked;
	void *p;
	int rc;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("version %s\n", memlock_version());
	rc = memlock_self_lock(p, page, 0, NULL);
	if (rc < 0) {
		fprintf(stderr, "memlock_self_lock: %s\n", strerror(-rc));
		return 1;
	}
	if (vm_lck(&locked))
		return 1;
	rc = memlock_self_unlock(p, page);
	if (rc < 0) {
		fprintf(stderr, "memlock_self_unlock: %s\n", strerror(-rc));
		return 1;
	}
	if (vm_lck(&unlocked))
		return 1;
	printf("locked %llu\nunlocked %llu\n", locked, unlocked);
	return 0;
}
