// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * /etc/ld.so.cache, as glibc's ld.so reads it (elf/dl-cache.c,
 * sysdeps/generic/dl-cache.h): the "glibc-ld.so.cache1.1" format, alone
 * (glibc 2.32 and later) or after the old "ld.so-1.7.0" table, which is
 * skipped. String offsets count from the new format's header. Entries with
 * hardware capabilities (legacy hwcap subdirectories, glibc-hwcaps) are
 * passed over: the baseline library is the one given.
 */
#include <string.h>

#include "files/elf.h"

#define OLD_MAGIC	"ld.so-1.7.0"
#define OLD_HDR		16u	/* magic[11], padding, uint32_t nlibs */
#define OLD_ENTRY	12u	/* int32_t flags; uint32_t key, value */
#define NEW_MAGIC	"glibc-ld.so.cache1.1"
#define NEW_HDR		48u	/* magic and version[20], nlibs, len_strings,
				 * flags (byte order), extension_offset, unused[3] */
#define NEW_ENTRY	24u	/* int32_t flags; uint32_t key, value,
				 * osversion; uint64_t hwcap */
#define NEW_ALIGN	8u	/* __alignof__(struct cache_file_new) */
#define ORDER_LE	2u	/* cache_file_new.flags */
#define ORDER_BE	3u
#define FLAG_ELF	1u	/* flags ld.so takes on any architecture */
#define FLAG_TYPE_MASK	0xffu

static uint64_t get(const struct mlk_ldcache *c, size_t off, size_t size)
{
	const unsigned char *p = c->buf + off;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[c->big_endian ? size - 1 - i : i] << (8 * i);
	return v;
}

static bool host_is_big_endian(void)
{
	const uint16_t one = 1;

	return *(const unsigned char *)&one == 0;
}

int mlk_ldcache_parse(struct mlk_ldcache *c, unsigned char *buf, size_t len)
{
	size_t base = 0;
	uint32_t n;

	memset(c, 0, sizeof(*c));
	c->buf = buf;
	c->len = len;
	c->big_endian = host_is_big_endian();
	if (len >= OLD_HDR && memcmp(buf, OLD_MAGIC, sizeof(OLD_MAGIC) - 1) == 0) {
		n = (uint32_t)get(c, 12, 4);	/* in the host's order, as ldconfig wrote it */
		if (n > (len - OLD_HDR) / OLD_ENTRY)
			goto bad;
		base = OLD_HDR + (size_t)n * OLD_ENTRY;
		base = (base + NEW_ALIGN - 1) & ~(size_t)(NEW_ALIGN - 1);
	}
	if (base > len || len - base < NEW_HDR ||
	    memcmp(buf + base, NEW_MAGIC, sizeof(NEW_MAGIC) - 1) != 0)
		goto bad;
	if (buf[base + 28] == ORDER_LE || buf[base + 28] == ORDER_BE)
		c->big_endian = buf[base + 28] == ORDER_BE;
	else if (buf[base + 28] != 0)
		goto bad;
	n = (uint32_t)get(c, base + 20, 4);
	if (n > (len - base - NEW_HDR) / NEW_ENTRY)
		goto bad;
	c->base = base;
	c->nlibs = n;
	return 0;
bad:
	mlk_ldcache_free(c);
	return -ENOEXEC;
}

/* The string at offset @off from the new header, NULL when out of bounds
 * or not terminated inside the file. */
static const char *str_at(const struct mlk_ldcache *c, uint64_t off)
{
	size_t room;

	if (off >= c->len - c->base)
		return NULL;
	room = c->len - c->base - (size_t)off;
	if (memchr(c->buf + c->base + off, '\0', room) == NULL)
		return NULL;
	return (const char *)c->buf + c->base + off;
}

const char *mlk_ldcache_find(const struct mlk_ldcache *c, const char *name, uint32_t flags)
{
	const char *key;
	uint32_t i, f;
	size_t e;

	for (i = 0; i < c->nlibs; i++) {
		e = c->base + NEW_HDR + (size_t)i * NEW_ENTRY;
		f = (uint32_t)get(c, e, 4);
		/* _dl_cache_check_flags(): the program's ABI, or plain ELF */
		if (flags != 0 ? f != flags && f != FLAG_ELF :
				 (f & FLAG_TYPE_MASK) != FLAG_ELF && (f & FLAG_TYPE_MASK) != 3)
			continue;
		if (get(c, e + 16, 8) != 0)	/* hwcap */
			continue;
		key = str_at(c, get(c, e + 4, 4));
		if (key != NULL && strcmp(key, name) == 0)
			return str_at(c, get(c, e + 8, 4));
	}
	return NULL;
}

void mlk_ldcache_free(struct mlk_ldcache *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
}
