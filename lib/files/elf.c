// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What glibc's ld.so reads of an ELF file to load it and its dependencies:
 * the header (class, byte order, machine), PT_INTERP, and PT_DYNAMIC's
 * DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME and DT_FLAGS_1, whose strings
 * lie in DT_STRTAB, found through the PT_LOAD that maps it. Both classes,
 * both byte orders, whatever the host's. The file is hostile: every offset
 * and size is checked against the file before it is read, and what is read
 * is bounded (a few MiB at most, whatever the file says).
 */
#include <elf.h>
#include <string.h>
#include <unistd.h>

#include "files/elf.h"

#define PHDRS_MAX	(64u << 10)	/* bytes of program headers */
#define DYN_MAX		(1u << 20)	/* bytes of PT_DYNAMIC */
#define NEEDED_MAX	4096u		/* DT_NEEDED entries */
#define STRS_MAX	(1u << 20)	/* bytes of strings kept */

/* @len bytes at @off of @src, all of them, or -ENOEXEC (past the end: a
 * truncated file or a lying header) or -EIO */
static int src_read(const struct mlk_src *src, uint64_t off, size_t len, void *dst)
{
	size_t done = 0;
	ssize_t n;

	if (off > src->size || len > src->size - off)
		return -ENOEXEC;
	if (src->buf != NULL) {
		if (len > 0)
			memcpy(dst, src->buf + off, len);
		return 0;
	}
	while (done < len) {
		n = pread(src->fd, (char *)dst + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ENOMEM ? -ENOMEM : -EIO;
		if (n == 0)
			return -ENOEXEC;	/* shrank since it was measured */
		done += (size_t)n;
	}
	return 0;
}

/* an unsigned field of @size bytes in @e's byte order */
static uint64_t get(const struct mlk_elf *e, const unsigned char *p, size_t size)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[e->data == ELFDATA2LSB ? i : size - 1 - i] << (8 * i);
	return v;
}

/* field @f of a 32- or 64-bit struct T (Ehdr, Phdr, Dyn) at @p */
#define FIELD(e, p, T, f)							\
	((e)->cls == ELFCLASS64 ?						\
	 get((e), (p) + offsetof(Elf64_##T, f), sizeof(((Elf64_##T *)0)->f)) :	\
	 get((e), (p) + offsetof(Elf32_##T, f), sizeof(((Elf32_##T *)0)->f)))
#define SIZEOF(e, T) ((e)->cls == ELFCLASS64 ? sizeof(Elf64_##T) : sizeof(Elf32_##T))

static int read_header(const struct mlk_src *src, struct mlk_elf *e, uint64_t *phoff,
		       size_t *phsize)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	uint64_t phnum;

	if (src_read(src, 0, EI_NIDENT, h) < 0 || memcmp(h, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	e->cls = h[EI_CLASS];
	e->data = h[EI_DATA];
	if ((e->cls != ELFCLASS32 && e->cls != ELFCLASS64) ||
	    (e->data != ELFDATA2LSB && e->data != ELFDATA2MSB) || h[EI_VERSION] != EV_CURRENT)
		return -ENOEXEC;
	if (src_read(src, 0, SIZEOF(e, Ehdr), h) < 0)
		return -ENOEXEC;
	e->type = (uint16_t)FIELD(e, h, Ehdr, e_type);
	e->machine = (uint16_t)FIELD(e, h, Ehdr, e_machine);
	e->eflags = (uint32_t)FIELD(e, h, Ehdr, e_flags);
	*phoff = FIELD(e, h, Ehdr, e_phoff);
	phnum = FIELD(e, h, Ehdr, e_phnum);
	if (e->type != ET_EXEC && e->type != ET_DYN)
		return -ENOEXEC;
	if (FIELD(e, h, Ehdr, e_phentsize) != SIZEOF(e, Phdr) ||
	    phnum * SIZEOF(e, Phdr) > PHDRS_MAX)
		return -ENOEXEC;
	*phsize = (size_t)phnum * SIZEOF(e, Phdr);
	return 0;
}

/* A NUL-terminated string of at most @max bytes at @off, copied. */
static int read_str(const struct mlk_src *src, uint64_t off, uint64_t max, size_t *budget,
		    char **out)
{
	char buf[MLK_ELF_STR_MAX];
	size_t len = max < sizeof(buf) ? (size_t)max : sizeof(buf);
	char *nul;
	int rc;

	if (off > src->size)
		return -ENOEXEC;
	if (len > src->size - off)
		len = (size_t)(src->size - off);
	rc = src_read(src, off, len, buf);
	if (rc < 0)
		return rc;
	nul = memchr(buf, '\0', len);
	if (nul == NULL || (size_t)(nul - buf) + 1 > *budget)
		return -ENOEXEC;
	*budget -= (size_t)(nul - buf) + 1;
	*out = strdup(buf);
	return *out == NULL ? -ENOMEM : 0;
}

/* The file offset of virtual address @vaddr, and how many bytes of the
 * segment follow it in the file, through the PT_LOAD that maps it. */
static int vaddr_to_off(const struct mlk_elf *e, const unsigned char *ph, size_t phsize,
			uint64_t vaddr, uint64_t *off, uint64_t *avail)
{
	size_t i, step = SIZEOF(e, Phdr);

	for (i = 0; i + step <= phsize; i += step) {
		const unsigned char *p = ph + i;
		uint64_t va = FIELD(e, p, Phdr, p_vaddr), fsz = FIELD(e, p, Phdr, p_filesz);

		if (FIELD(e, p, Phdr, p_type) != PT_LOAD || vaddr < va || vaddr - va >= fsz)
			continue;
		if (FIELD(e, p, Phdr, p_offset) > UINT64_MAX - (vaddr - va))
			return -ENOEXEC;
		*off = FIELD(e, p, Phdr, p_offset) + (vaddr - va);
		*avail = fsz - (vaddr - va);
		return 0;
	}
	return -ENOEXEC;
}

struct dyn_info {
	uint64_t strtab, strsz, rpath, runpath, soname;
	bool has_strtab, has_rpath, has_runpath, has_soname;
	size_t nneeded;
};

static void scan_dyn(struct mlk_elf *e, const unsigned char *dyn, size_t len,
		     struct dyn_info *d)
{
	size_t i, step = SIZEOF(e, Dyn);

	for (i = 0; i + step <= len; i += step) {
		uint64_t tag = FIELD(e, dyn + i, Dyn, d_tag);
		uint64_t val = FIELD(e, dyn + i, Dyn, d_un.d_val);

		if (tag == DT_NULL)
			break;
		switch (tag) {
		case DT_NEEDED: d->nneeded++; break;
		case DT_STRTAB: d->strtab = val; d->has_strtab = true; break;
		case DT_STRSZ: d->strsz = val; break;
		case DT_RPATH: d->rpath = val; d->has_rpath = true; break;
		case DT_RUNPATH: d->runpath = val; d->has_runpath = true; break;
		case DT_SONAME: d->soname = val; d->has_soname = true; break;
		case DT_FLAGS_1: e->flags_1 = val; break;
		}
	}
}

/* The strings of PT_DYNAMIC (@dyn, @len bytes). */
static int read_dyn_strings(const struct mlk_src *src, struct mlk_elf *e,
			    const unsigned char *ph, size_t phsize,
			    const unsigned char *dyn, size_t len)
{
	struct dyn_info d = { 0 };
	uint64_t stroff, avail;
	size_t i, step = SIZEOF(e, Dyn), budget = STRS_MAX;
	int rc = 0;

	scan_dyn(e, dyn, len, &d);
	if (!d.has_strtab)
		return d.nneeded || d.has_rpath || d.has_runpath || d.has_soname ? -ENOEXEC : 0;
	if (d.nneeded > NEEDED_MAX || vaddr_to_off(e, ph, phsize, d.strtab, &stroff, &avail) < 0)
		return -ENOEXEC;
	if (d.strsz < avail)
		avail = d.strsz;
	e->needed = calloc(d.nneeded + 1, sizeof(*e->needed));
	if (e->needed == NULL)
		return -ENOMEM;
#define STR(v, out) ((v) >= avail ? -ENOEXEC : read_str(src, stroff + (v), avail - (v), &budget, (out)))
	if (d.has_soname)
		rc = STR(d.soname, &e->soname);
	if (rc == 0 && d.has_runpath)
		rc = STR(d.runpath, &e->runpath);
	else if (rc == 0 && d.has_rpath)	/* both: ld.so ignores DT_RPATH */
		rc = STR(d.rpath, &e->rpath);
	for (i = 0; rc == 0 && i + step <= len; i += step) {
		uint64_t tag = FIELD(e, dyn + i, Dyn, d_tag);

		if (tag == DT_NULL)
			break;
		if (tag == DT_NEEDED)
			rc = STR(FIELD(e, dyn + i, Dyn, d_un.d_val), &e->needed[e->nneeded++]);
	}
#undef STR
	return rc;
}

static int read_segments(const struct mlk_src *src, struct mlk_elf *e,
			 const unsigned char *ph, size_t phsize)
{
	size_t i, step = SIZEOF(e, Phdr), budget = MLK_ELF_STR_MAX;
	unsigned char *dyn;
	int rc = 0;

	for (i = 0; i + step <= phsize; i += step) {
		const unsigned char *p = ph + i;
		uint64_t type = FIELD(e, p, Phdr, p_type);
		uint64_t off = FIELD(e, p, Phdr, p_offset), fsz = FIELD(e, p, Phdr, p_filesz);

		if (type == PT_INTERP && e->interp == NULL) {
			rc = read_str(src, off, fsz, &budget, &e->interp);
		} else if (type == PT_DYNAMIC && e->needed == NULL) {
			if (fsz > DYN_MAX)
				return -ENOEXEC;
			dyn = malloc(fsz ? fsz : 1);
			if (dyn == NULL)
				return -ENOMEM;
			rc = src_read(src, off, (size_t)fsz, dyn);
			if (rc == 0)
				rc = read_dyn_strings(src, e, ph, phsize, dyn, (size_t)fsz);
			free(dyn);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int mlk_elf_read(const struct mlk_src *src, struct mlk_elf *e)
{
	unsigned char *ph = NULL;
	uint64_t phoff;
	size_t phsize;
	int rc;

	memset(e, 0, sizeof(*e));
	rc = read_header(src, e, &phoff, &phsize);
	if (rc == 0) {
		ph = malloc(phsize ? phsize : 1);
		rc = ph == NULL ? -ENOMEM : src_read(src, phoff, phsize, ph);
	}
	if (rc == 0)
		rc = read_segments(src, e, ph, phsize);
	free(ph);
	if (rc < 0)
		mlk_elf_free(e);
	return rc;
}

void mlk_elf_free(struct mlk_elf *e)
{
	size_t i;

	for (i = 0; i < e->nneeded; i++)
		free(e->needed[i]);
	free(e->needed);
	free(e->interp);
	free(e->soname);
	free(e->rpath);
	free(e->runpath);
	memset(e, 0, sizeof(*e));
}

#ifndef EM_RISCV
#define EM_RISCV 243
#endif
#ifndef EF_RISCV_FLOAT_ABI
#define EF_RISCV_FLOAT_ABI		0x6
#define EF_RISCV_FLOAT_ABI_DOUBLE	0x4
#endif

/* glibc's ldconfig flags (sysdeps/generic/ldconfig.h): FLAG_ELF_LIBC6 in
 * the low byte, the ABI in the next; the Debian multiarch triplet; the
 * kernel's AT_PLATFORM where it does not depend on the CPU */
static const struct abi {
	uint16_t machine;
	unsigned char cls, data;
	uint32_t eflags_mask, eflags;
	uint32_t cache;
	const char *triplet, *platform;
} abis[] = {
	{ EM_X86_64, ELFCLASS64, ELFDATA2LSB, 0, 0, 0x0303, "x86_64-linux-gnu", "x86_64" },
	{ EM_X86_64, ELFCLASS32, ELFDATA2LSB, 0, 0, 0x0803, "x86_64-linux-gnux32", "x86_64" },
	{ EM_386, ELFCLASS32, ELFDATA2LSB, 0, 0, 0x0003, "i386-linux-gnu", "i686" },
	{ EM_AARCH64, ELFCLASS64, ELFDATA2LSB, 0, 0, 0x0a03, "aarch64-linux-gnu", "aarch64" },
	{ EM_ARM, ELFCLASS32, ELFDATA2LSB, EF_ARM_ABI_FLOAT_HARD, EF_ARM_ABI_FLOAT_HARD, 0x0903,
	  "arm-linux-gnueabihf", NULL },
	{ EM_ARM, ELFCLASS32, ELFDATA2LSB, EF_ARM_ABI_FLOAT_HARD, 0, 0x0b03,
	  "arm-linux-gnueabi", NULL },
	{ EM_RISCV, ELFCLASS64, ELFDATA2LSB, EF_RISCV_FLOAT_ABI, EF_RISCV_FLOAT_ABI_DOUBLE,
	  0x1003, "riscv64-linux-gnu", NULL },
	{ EM_PPC64, ELFCLASS64, ELFDATA2LSB, 0, 0, 0x0503, "powerpc64le-linux-gnu", NULL },
	{ EM_PPC64, ELFCLASS64, ELFDATA2MSB, 0, 0, 0x0503, "powerpc64-linux-gnu", NULL },
	{ EM_S390, ELFCLASS64, ELFDATA2MSB, 0, 0, 0x0403, "s390x-linux-gnu", NULL },
};

static const struct abi *abi_of(const struct mlk_elf *e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(abis); i++)
		if (abis[i].machine == e->machine && abis[i].cls == e->cls &&
		    abis[i].data == e->data && (e->eflags & abis[i].eflags_mask) == abis[i].eflags)
			return &abis[i];
	return NULL;
}

uint32_t mlk_elf_cache_flags(const struct mlk_elf *e)
{
	const struct abi *a = abi_of(e);

	return a != NULL ? a->cache : 0;
}

const char *mlk_elf_triplet(const struct mlk_elf *e)
{
	const struct abi *a = abi_of(e);

	return a != NULL ? a->triplet : NULL;
}

const char *mlk_elf_platform(const struct mlk_elf *e)
{
	const struct abi *a = abi_of(e);

	return a != NULL ? a->platform : NULL;
}
