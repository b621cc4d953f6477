// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: one input fed to every /proc parser of lib/, and to the
 * ELF and ld.so.cache readers of lib/files/.
 *
 * Built two ways: with tests/fuzz/standalone.c (make build/tests/fuzz-proc,
 * deterministic mutations, part of make check) and alone with
 * clang -fsanitize=fuzzer (make fuzz). The parsers take (buf, len) and must
 * not lean on a NUL terminator, so each gets an exact-size heap copy: a read
 * one byte too far is an ASan report, not a silent pass.
 *
 * Beyond "does not crash", each result is checked against the contract in
 * memlock.h (return values, terminated strings, no write past @max); a
 * broken contract aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files/elf.h"
#include "procfs/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond)								\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "fuzz-proc: %s:%d: contract broken: %s\n", \
				__FILE__, __LINE__, #cond);			\
			abort();						\
		}								\
	} while (0)

#define KNOWN_VMA_BITS (MEMLOCK_VMA_LOCKED | MEMLOCK_VMA_ONFAULT | MEMLOCK_VMA_IO |	\
			MEMLOCK_VMA_PFNMAP | MEMLOCK_VMA_DONTEXPAND |			\
			MEMLOCK_VMA_MIXEDMAP | MEMLOCK_VMA_HUGETLB |			\
			MEMLOCK_VMA_DROPPABLE | MEMLOCK_VMA_DONTDUMP |			\
			MEMLOCK_VMA_WIPEONFORK | MEMLOCK_VMA_SECRETMEM |		\
			MEMLOCK_VMA_HAS_FLAGS)

static bool terminated(const char *s, size_t sz)
{
	return memchr(s, '\0', sz) != NULL;
}

static void fuzz_status_limits(const char *buf, size_t len)
{
	struct memlock_status st = { .sz = sizeof(st) };
	struct memlock_limits lim = { .sz = sizeof(lim) };
	int rc;

	rc = mlk_parse_status(buf, len, &st);
	check(rc == 0 || rc == -EBADMSG);
	check(terminated(st.name, sizeof(st.name)));
	rc = mlk_parse_limits(buf, len, &lim);
	check(rc == 0 || rc == -EBADMSG);
}

static void fuzz_system(const char *buf, size_t len)
{
	struct memlock_meminfo mi = { .sz = sizeof(mi) };
	struct memlock_vmstat vs = { .sz = sizeof(vs) };
	struct memlock_swap sw = { .sz = sizeof(sw) };
	struct memlock_proc_swaps *it;
	char *copy;
	int rc;

	rc = mlk_parse_meminfo(buf, len, &mi);
	check(rc == 0 || rc == -EBADMSG);
	rc = mlk_parse_vmstat(buf, len, &vs);
	check(rc == 0 || rc == -EBADMSG);

	/* the reader takes a buffer with one spare byte, which it may write */
	copy = malloc(len + 1);
	if (copy == NULL)
		return;
	if (len > 0)
		memcpy(copy, buf, len);
	it = mlk_swaps_from_buf(copy, len);
	if (it == NULL) {
		check(errno == EBADMSG || errno == ENOMEM);
		return;
	}
	while ((rc = memlock_proc_swaps_next(it, &sw)) == 0) {
		/* unescaping only shrinks; the words lie inside the copy */
		check(strlen(sw.path) <= len && strlen(sw.type) <= len);
		check(sw.path >= copy && sw.type > sw.path && sw.type <= copy + len);
	}
	check(rc == 1 || rc == -EBADMSG);
	memlock_proc_swaps_close(it);
}

static void fuzz_cgroup_vmflags(const char *buf, size_t len)
{
	struct mlk_context ctx;
	unsigned int fl;
	size_t n;

	mlk_parse_cgroup(buf, len, &ctx);
	check(ctx.kind == MEMLOCK_CTX_SHELL || ctx.kind == MEMLOCK_CTX_SYSTEMD ||
	      ctx.kind == MEMLOCK_CTX_CONTAINER);
	check(terminated(ctx.unit, sizeof(ctx.unit)));
	/* a kernel path never holds a NUL; with one, the unit's C string ends early */
	if (ctx.kind == MEMLOCK_CTX_SYSTEMD && memchr(buf, '\0', len) == NULL) {
		n = strlen(ctx.unit);
		check(n > 8 && memcmp(ctx.unit + n - 8, ".service", 8) == 0);
	}
	/* (a stale unit next to CONTAINER is a known bug: tests/unit/test-context.c) */

	fl = mlk_parse_vmflags(buf, buf + len);
	check((fl & MEMLOCK_VMA_HAS_FLAGS) && (fl & ~KNOWN_VMA_BITS) == 0 &&
	      !(fl & MEMLOCK_VMA_SECRETMEM));	/* (from the path, not VmFlags) */
}

static void fuzz_smaps(char *buf, size_t len)
{
	struct memlock_mapping m = { .sz = sizeof(m) };
	struct memlock_proc_maps *it;
	FILE *f;
	int rc;

	f = fmemopen(buf, len, "r");
	if (f == NULL)
		return;
	it = mlk_maps_from_file(f);
	if (it == NULL) {
		fclose(f);
		return;
	}
	for (;;) {
		rc = memlock_proc_maps_next(it, &m);
		if (rc != 0)
			break;
		check(m.path != NULL && strlen(m.path) <= len);
		check(strlen(m.perms) <= 4);
		check(m.size == (m.end >= m.start ? m.end - m.start : 0));
		check((m.vmflags & ~MEMLOCK_VMA_SECRETMEM) == 0 ||
		      (m.vmflags & MEMLOCK_VMA_HAS_FLAGS));
		check(!(m.vmflags & MEMLOCK_VMA_SECRETMEM) ||
		      strcmp(m.path, "/secretmem (deleted)") == 0);
		check((m.vmflags & ~KNOWN_VMA_BITS) == 0);
	}
	check(rc == 1 || rc == -EBADMSG || rc == -ENOMEM);
	memlock_proc_maps_close(it);	/* fcloses f */
}

/* The ELF reader and the ld.so.cache parser (lib/files/): bounds and
 * terminated strings, whatever the bytes. */
static void fuzz_elf(const char *buf, size_t len)
{
	struct mlk_src src = { .fd = -1, .buf = (const unsigned char *)buf, .size = len };
	struct mlk_ldcache c;
	struct mlk_elf e;
	unsigned char *copy;
	const char *p;
	size_t i;
	int rc;

	rc = mlk_elf_read(&src, &e);
	check(rc == 0 || rc == -ENOEXEC);
	if (rc == 0) {
		check(e.cls == ELFCLASS32 || e.cls == ELFCLASS64);
		for (i = 0; i < e.nneeded; i++)
			check(e.needed[i] != NULL && strlen(e.needed[i]) < MLK_ELF_STR_MAX);
		check(e.rpath == NULL || e.runpath == NULL);
		mlk_elf_free(&e);
	}
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return;
	if (len > 0)
		memcpy(copy, buf, len);
	if (mlk_ldcache_parse(&c, copy, len) < 0)	/* takes @copy */
		return;
	p = mlk_ldcache_find(&c, "libc.so.6", 0x0303);
	check(p == NULL || (p >= (const char *)c.buf && p < (const char *)c.buf + len));
	(void)mlk_ldcache_find(&c, "libm.so.6", 0);
	mlk_ldcache_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* malloc(0) may return NULL, and NULL + 0 is undefined: keep one byte */
	char *buf = malloc(size ? size : 1);

	if (buf == NULL)
		return 0;
	if (size > 0)
		memcpy(buf, data, size);
	fuzz_status_limits(buf, size);
	fuzz_system(buf, size);
	fuzz_cgroup_vmflags(buf, size);
	fuzz_smaps(buf, size);
	fuzz_elf(buf, size);
	free(buf);
	return 0;
}
