// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Locking the own process through libmemlock. Everything that would lock the
 * whole address space runs in a child that is bound to fail (limit 0 or
 * 64 KiB, no capabilities): under ASan a successful mlockall(MCL_CURRENT)
 * would try to fault in the sanitizer's terabytes of shadow. The successful
 * mlockall path is tested in the unsanitized victim (status-reality.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "predict/predict.h"

#define PG ((size_t)getpagesize())

/* The VmFlags lock bits of the mapping that contains @addr. */
static unsigned int lock_bits(const void *addr)
{
	struct memlock_proc_maps *it = memlock_proc_maps_open(NULL, 0);
	struct memlock_mapping m = { .sz = sizeof(m) };
	unsigned int bits = ~0u;

	assert_non_null(it);
	while (memlock_proc_maps_next(it, &m) == 0)
		if ((uintptr_t)addr >= m.start && (uintptr_t)addr < m.end)
			bits = m.vmflags & (MEMLOCK_VMA_LOCKED | MEMLOCK_VMA_ONFAULT);
	memlock_proc_maps_close(it);
	return bits;
}

static void test_bad_flags(void **state)
{
	char buf[1] = { 0 };

	(void)state;
	errno = 0;
	assert_int_equal(memlock_self_lock(buf, 1, 1u << 9, NULL), -EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(memlock_self_lock_all(0, NULL), -EINVAL);
	assert_int_equal(memlock_self_lock_all(MEMLOCK_F_ONFAULT, NULL), -EINVAL);
	assert_int_equal(memlock_self_lock_all(MEMLOCK_F_CURRENT | (1u << 7), NULL), -EINVAL);
}

static void test_lock_unlock_range(void **state)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	assert_true(p != MAP_FAILED);
	/* one byte in the middle locks its whole page, as in the kernel */
	assert_int_equal(memlock_self_lock(p + PG + 100, 1, 0, NULL), 0);
	assert_int_equal(lock_bits(p + PG), MEMLOCK_VMA_LOCKED);
	assert_int_equal(lock_bits(p), 0);
	assert_int_equal(memlock_self_unlock(p, 4 * PG), 0);
	assert_int_equal(lock_bits(p + PG), 0);
	/* on fault: lo and lf */
	assert_int_equal(memlock_self_lock(p, 2 * PG, MEMLOCK_F_ONFAULT, NULL), 0);
	assert_int_equal(lock_bits(p), MEMLOCK_VMA_LOCKED | MEMLOCK_VMA_ONFAULT);
	assert_int_equal(memlock_self_unlock(p, 4 * PG), 0);
	munmap(p, 4 * PG);
}

static void test_failure_is_explained(void **state)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct memlock_verdict why;

	(void)state;
	assert_true(p != MAP_FAILED);
	/* a hole in the middle */
	assert_int_equal(munmap(p + 2 * PG, PG), 0);
	errno = 0;
	assert_int_equal(memlock_self_lock(p, 4 * PG, 0, &why), -ENOMEM);
	assert_int_equal(errno, ENOMEM);
	assert_false(why.ok);
	assert_int_equal(why.err, ENOMEM);
	assert_int_equal(why.cause, MEMLOCK_CAUSE_UNMAPPED);
	assert_true(why.n_fix > 0);
	assert_int_equal(memlock_self_unlock(p, 2 * PG), 0);
	/* PROT_NONE: locked but cannot be faulted in */
	assert_int_equal(mprotect(p, PG, PROT_NONE), 0);
	assert_int_equal(memlock_self_lock(p, PG, 0, &why), -ENOMEM);
	assert_int_equal(why.cause, MEMLOCK_CAUSE_PROT_NONE);
	assert_int_equal(memlock_self_unlock(p, PG), 0);
	munmap(p, 4 * PG);
	munmap(p + 3 * PG, PG);
}

/* In a child: set the limit, drop root, try mlockall(MCL_CURRENT); exit with
 * the errno and a cause check folded in (errno * 16 + cause). */
static int child_lock_all(rlim_t limit)
{
	struct rlimit rl = { limit, limit };
	struct memlock_verdict why;
	int st, rc;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
			_exit(255);
		if (geteuid() == 0 && (setresgid(65534, 65534, 65534) < 0 ||
				       setresuid(65534, 65534, 65534) < 0))
			_exit(254);
		rc = memlock_self_lock_all(MEMLOCK_F_CURRENT | MEMLOCK_F_FUTURE, &why);
		if (rc == 0)
			_exit(253);
		if (why.err != -rc)
			_exit(252);
		_exit((-rc) * 16 + (int)why.cause);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_lock_all_limit_zero(void **state)
{
	(void)state;
	assert_int_equal(child_lock_all(0), EPERM * 16 + MEMLOCK_CAUSE_LIMIT_ZERO);
}

static void test_lock_all_address_space(void **state)
{
	(void)state;
	assert_int_equal(child_lock_all(65536), ENOMEM * 16 + MEMLOCK_CAUSE_ADDRESS_SPACE);
}

/* Emulate an old kernel with seccomp: mlock2 -> ENOSYS (before 4.4), and
 * mlockall with MCL_ONFAULT -> EINVAL (before 4.4). */
static int old_kernel(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mlock2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mlockall, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MCL_ONFAULT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* In a child on an "old kernel": 0 when every check holds, else the line. */
static int child_old_kernel(void)
{
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct memlock_proc_maps *it;
	struct memlock_mapping m = { .sz = sizeof(m) };
	unsigned int bits = 0;

	if (p == MAP_FAILED || old_kernel() < 0)
		return __LINE__;
	/* never a silent downgrade: ENOSYS is reported as is */
	if (memlock_self_lock(p, PG, MEMLOCK_F_ONFAULT, NULL) != -ENOSYS || errno != ENOSYS)
		return __LINE__;
	/* best effort: locked with mlock, and the caller is told */
	if (memlock_self_lock(p, PG, MEMLOCK_F_ONFAULT | MEMLOCK_F_BEST_EFFORT, NULL) !=
	    MEMLOCK_DOWNGRADED)
		return __LINE__;
	it = memlock_proc_maps_open(NULL, 0);
	while (it && memlock_proc_maps_next(it, &m) == 0)
		if ((uintptr_t)p >= m.start && (uintptr_t)p < m.end)
			bits = m.vmflags & (MEMLOCK_VMA_LOCKED | MEMLOCK_VMA_ONFAULT);
	memlock_proc_maps_close(it);
	if (bits != MEMLOCK_VMA_LOCKED)
		return __LINE__;
	if (memlock_self_lock_all(MEMLOCK_F_FUTURE | MEMLOCK_F_ONFAULT, NULL) != -EINVAL)
		return __LINE__;
	if (memlock_self_lock_all(MEMLOCK_F_FUTURE | MEMLOCK_F_ONFAULT | MEMLOCK_F_BEST_EFFORT,
				  NULL) != MEMLOCK_DOWNGRADED)
		return __LINE__;
	return 0;
}

static void test_best_effort_on_old_kernel(void **state)
{
	pid_t pid = fork();
	int st;

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_old_kernel() & 0xff);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	/* the failing line, modulo 256, when not 0 */
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* munlockall() itself cannot fail: what is checked is that the locks (and
 * MCL_FUTURE) are gone afterwards, which a wrapper that did not call it
 * would fail */
static void test_unlock_all(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	struct memlock_status st = { .sz = sizeof(st) };
	char *p;

	(void)state;
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	/* raw: ASan intercepts mlock() and does nothing */
	assert_int_equal(syscall(SYS_mlock, p, (size_t)page), 0);
	assert_int_equal(memlock_proc_read_status(NULL, 0, &st), 0);
	assert_true(st.vm_lck >= (uint64_t)page);
	assert_int_equal(memlock_self_unlock_all(), 0);
	assert_int_equal(memlock_proc_read_status(NULL, 0, &st), 0);
	assert_int_equal(st.vm_lck, 0);
	munmap(p, (size_t)page);
}

static int logged;
static void count_log(enum memlock_log_level level, const char *msg, void *data)
{
	(void)level;
	(void)msg;
	*(int *)data += 1;
	errno = EBADF;	/* the library must restore errno after the callback */
}

static void test_log_keeps_errno(void **state)
{
	(void)state;
	memlock_set_log(count_log, MEMLOCK_LOG_DEBUG, &logged);
	errno = ENOENT;
	mlk_log(MEMLOCK_LOG_WARN, "hello %d", 1);
	assert_int_equal(logged, 1);
	assert_int_equal(errno, ENOENT);
	mlk_log(MEMLOCK_LOG_DEBUG, "debug");
	assert_int_equal(logged, 2);
	memlock_set_log(count_log, MEMLOCK_LOG_ERR, &logged);
	mlk_log(MEMLOCK_LOG_WARN, "dropped");
	assert_int_equal(logged, 2);
	memlock_set_log(NULL, MEMLOCK_LOG_ERR, NULL);
	mlk_log(MEMLOCK_LOG_ERR, "silent");
	assert_int_equal(logged, 2);
	assert_string_equal(memlock_version(), MEMLOCK_VERSION_STRING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_lock_unlock_range),
		cmocka_unit_test(test_failure_is_explained),
		cmocka_unit_test(test_lock_all_limit_zero),
		cmocka_unit_test(test_lock_all_address_space),
		cmocka_unit_test(test_best_effort_on_old_kernel),
		cmocka_unit_test(test_unlock_all),
		cmocka_unit_test(test_log_keeps_errno),
	};

	return cmocka_run_group_tests_name("self", tests, NULL, NULL);
}
