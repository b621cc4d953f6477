// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Finding a syscall instruction in the target to borrow. Nothing is ever
 * written into the target: its other threads keep running its code. The
 * vDSO comes first (every process has one, located by AT_SYSINFO_EHDR),
 * then the instruction the stopped thread sits after, then any executable
 * file mapping (static binaries included).
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "inject/arch.h"
#include "inject/target.h"

int mlk_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

bool mlk_insn_at(pid_t pid, uint64_t addr)
{
	unsigned char word[8];

	return mlk_read_mem(pid, addr, word, mlk_arch_syscall_insn_len) == 0 &&
	       memcmp(word, mlk_arch_syscall_insn, mlk_arch_syscall_insn_len) == 0;
}

/* The target's code is read in chunks this big: on the heap, not on the
 * stack of the caller's thread, which may be small. */
#define SCAN_CHUNK 65536

/* The first aligned copy of the instruction in [start, end). */
static uint64_t scan(pid_t pid, uint64_t start, uint64_t end)
{
	unsigned int n = mlk_arch_syscall_insn_len, a = mlk_arch_syscall_insn_align;
	unsigned char *buf = malloc(SCAN_CHUNK);
	uint64_t at, found = 0;

	if (buf == NULL)
		return 0;
	for (at = start; at < end && !found; at += SCAN_CHUNK - n) {
		size_t len = end - at < SCAN_CHUNK ? end - at : SCAN_CHUNK;

		if (len < n || mlk_read_mem(pid, at, buf, len) < 0)
			break;
		for (size_t i = 0; i + n <= len; i += a)
			if (memcmp(buf + i, mlk_arch_syscall_insn, n) == 0) {
				found = at + i;
				break;
			}
		if (len < SCAN_CHUNK)
			break;
	}
	free(buf);
	return found;
}

static uint64_t vdso_base(pid_t pid)
{
	unsigned long *av;
	uint64_t base = 0;
	size_t len, i;
	char *buf;

	if (mlk_read_proc(NULL, pid, "auxv", &buf, &len) < 0)
		return 0;
	av = (unsigned long *)buf;
	for (i = 0; i + 1 < len / sizeof(*av); i += 2)
		if (av[i] == AT_SYSINFO_EHDR)
			base = av[i + 1];
	free(buf);
	return base;
}

/* The mapping containing @addr (vdso: its size), or the first r-x file
 * mapping when @addr is 0. */
static int find_mapping(pid_t pid, uint64_t addr, uint64_t *start, uint64_t *end)
{
	struct memlock_proc_maps *it = mlk_maps_open(NULL, pid, "maps");
	struct memlock_mapping m;
	int rc = -ENOENT;

	if (it == NULL)
		return -ESRCH;
	while (rc < 0 && mlk_maps_next(it, &m) == 0) {
		if (addr ? (addr >= m.start && addr < m.end)
			 : (m.perms[0] == 'r' && m.perms[2] == 'x' && strchr(m.path, '/'))) {
			*start = m.start;
			*end = m.end;
			rc = 0;
		}
	}
	mlk_maps_close(it);
	return rc;
}

int mlk_find_syscall_insn(pid_t pid, uint64_t prev, uint64_t *insn)
{
	uint64_t base, start, end;

	base = vdso_base(pid);
	if (base && find_mapping(pid, base, &start, &end) == 0) {
		*insn = scan(pid, start, end);
		if (*insn) {
			pr_debug("pid %d: syscall instruction at 0x%llx in the vDSO", (int)pid,
				 (unsigned long long)*insn);
			return 0;
		}
	}
	if (prev && mlk_insn_at(pid, prev)) {
		*insn = prev;
		pr_debug("pid %d: borrowing the syscall instruction at 0x%llx the thread stopped "
			 "after", (int)pid, (unsigned long long)prev);
		return 0;
	}
	if (find_mapping(pid, 0, &start, &end) == 0) {
		*insn = scan(pid, start, end);
		if (*insn) {
			pr_debug("pid %d: syscall instruction at 0x%llx in a file mapping", (int)pid,
				 (unsigned long long)*insn);
			return 0;
		}
	}
	return -ENOEXEC;
}
