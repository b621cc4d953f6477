// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a program needs in RAM (lib/files/needs.c, elf.c, elf-cache.c,
 * needs-pid.c): ELF files and ld.so.cache files written here, byte by
 * byte, in a fake root (both classes, both byte orders, rpath, runpath,
 * $ORIGIN, the cache's formats), hostile files, and the files this very
 * process maps. Real programs against ldd(1): tests/integration/needs.sh.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "files/elf.h"

static char root[64];

/* ------------------------------------------------------ an ELF writer */
struct spec {
	unsigned char cls, data;
	uint16_t machine, type;
	const char *interp, *soname, *rpath, *runpath;
	const char *needed[8];
	uint64_t flags_1;
};

static unsigned char img[8192];

static void put(const struct spec *s, size_t off, uint64_t v, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		img[off + (s->data == ELFDATA2LSB ? i : size - 1 - i)] = (unsigned char)(v >> (8 * i));
}

#define W(s) ((s)->cls == ELFCLASS64 ? 8u : 4u)	/* a word */

/* one Elf{32,64}_Phdr at @off */
static void put_phdr(const struct spec *s, size_t off, uint32_t type, uint64_t foff,
		     uint64_t vaddr, uint64_t fsz)
{
	put(s, off, type, 4);
	if (s->cls == ELFCLASS64) {
		put(s, off + 8, foff, 8);
		put(s, off + 16, vaddr, 8);
		put(s, off + 32, fsz, 8);
		put(s, off + 40, fsz, 8);
	} else {
		put(s, off + 4, foff, 4);
		put(s, off + 8, vaddr, 4);
		put(s, off + 16, fsz, 4);
		put(s, off + 20, fsz, 4);
	}
}

#define VADDR 0x10000u

/* The file's bytes in img; returns its size. */
static size_t build_elf(const struct spec *s)
{
	size_t eh = s->cls == ELFCLASS64 ? 64 : 52, ph = s->cls == ELFCLASS64 ? 56 : 32;
	size_t nph = s->interp ? 3 : 2, str = eh + nph * ph, at = str + 1, dyn, d, i;
	uint64_t tags[24][2];
	size_t nt = 0;

	memset(img, 0, sizeof(img));
	memcpy(img, ELFMAG, SELFMAG);
	img[EI_CLASS] = s->cls;
	img[EI_DATA] = s->data;
	img[EI_VERSION] = EV_CURRENT;
	put(s, 16, s->type ? s->type : ET_DYN, 2);
	put(s, 18, s->machine, 2);
	put(s, 20, EV_CURRENT, 4);
	put(s, s->cls == ELFCLASS64 ? 32 : 28, eh, W(s));		/* e_phoff */
	put(s, s->cls == ELFCLASS64 ? 52 : 40, eh, 2);			/* e_ehsize */
	put(s, s->cls == ELFCLASS64 ? 54 : 42, ph, 2);			/* e_phentsize */
	put(s, s->cls == ELFCLASS64 ? 56 : 44, nph, 2);			/* e_phnum */
	/* the strings */
#define ADD(text, tag)								\
	do {									\
		tags[nt][0] = (tag);						\
		tags[nt++][1] = at - str;					\
		strcpy((char *)img + at, (text));				\
		at += strlen(text) + 1;						\
	} while (0)
	size_t interp_at = at;
	if (s->interp) {
		strcpy((char *)img + at, s->interp);
		at += strlen(s->interp) + 1;
	}
	for (i = 0; i < 8 && s->needed[i]; i++)
		ADD(s->needed[i], DT_NEEDED);
	if (s->soname)
		ADD(s->soname, DT_SONAME);
	if (s->rpath)
		ADD(s->rpath, DT_RPATH);
	if (s->runpath)
		ADD(s->runpath, DT_RUNPATH);
#undef ADD
	if (s->flags_1) {
		tags[nt][0] = DT_FLAGS_1;
		tags[nt++][1] = s->flags_1;
	}
	tags[nt][0] = DT_STRTAB;
	tags[nt++][1] = VADDR + str;
	tags[nt][0] = DT_STRSZ;
	tags[nt++][1] = at - str;
	tags[nt][0] = DT_NULL;
	tags[nt++][1] = 0;
	dyn = (at + 7) & ~(size_t)7;
	for (d = 0; d < nt; d++) {
		put(s, dyn + d * 2 * W(s), tags[d][0], W(s));
		put(s, dyn + d * 2 * W(s) + W(s), tags[d][1], W(s));
	}
	at = dyn + nt * 2 * W(s);
	put_phdr(s, eh, PT_LOAD, 0, VADDR, at);
	put_phdr(s, eh + ph, PT_DYNAMIC, dyn, VADDR + dyn, at - dyn);
	if (s->interp)
		put_phdr(s, eh + 2 * ph, PT_INTERP, interp_at, VADDR + interp_at,
			 strlen(s->interp) + 1);
	return at;
}

static void write_file(const char *rel, const void *buf, size_t len)
{
	char path[512], *p;
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void write_elf(const char *rel, const struct spec *s)
{
	write_file(rel, img, build_elf(s));
}

#define X64(...) ((struct spec){ .cls = ELFCLASS64, .data = ELFDATA2LSB, .machine = EM_X86_64, __VA_ARGS__ })
#define I386(...) ((struct spec){ .cls = ELFCLASS32, .data = ELFDATA2LSB, .machine = EM_386, __VA_ARGS__ })
#define S390X(...) ((struct spec){ .cls = ELFCLASS64, .data = ELFDATA2MSB, .machine = EM_S390, __VA_ARGS__ })

/* --------------------------------------------------- an ld.so.cache writer */
struct centry {
	uint32_t flags;
	const char *key, *value;
	uint64_t hwcap;
};

static void put_le(unsigned char *p, uint64_t v, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* the new format, after the old one's table when @old */
static void write_cache(const struct centry *e, size_t n, bool old)
{
	unsigned char buf[4096] = { 0 };
	size_t base = 0, strs = 48 + n * 24, at = strs, i;

	if (old) {
		memcpy(buf, "ld.so-1.7.0", 11);
		put_le(buf + 12, 1, 4);	/* one old entry, never read */
		base = (16 + 12 + 7) & ~(size_t)7;
	}
	memcpy(buf + base, "glibc-ld.so.cache1.1", 20);
	for (i = 0; i < n; i++) {
		unsigned char *ent = buf + base + 48 + i * 24;

		put_le(ent, e[i].flags, 4);
		put_le(ent + 4, at, 4);
		strcpy((char *)buf + base + at, e[i].key);
		at += strlen(e[i].key) + 1;
		put_le(ent + 8, at, 4);
		strcpy((char *)buf + base + at, e[i].value);
		at += strlen(e[i].value) + 1;
		put_le(ent + 16, e[i].hwcap, 8);
	}
	put_le(buf + base + 20, n, 4);
	put_le(buf + base + 24, at - strs, 4);
	buf[base + 28] = 2;	/* little endian */
	write_file("/etc/ld.so.cache", buf, base + at);
}

/* ------------------------------------------------------------- helpers */
struct got {
	enum memlock_need_kind kind;
	char path[256], name[64], from[256];
	int depth, err;
};

/* Everything the iterator gives (at most 16), *@n of them; its last rc. */
static int collect(struct memlock_needs *it, struct got *g, size_t *n)
{
	struct memlock_need need = { .sz = sizeof(need) };
	int rc;

	*n = 0;
	while ((rc = memlock_needs_next(it, &need)) == 0 && *n < 16) {
		g[*n].kind = need.kind;
		snprintf(g[*n].path, sizeof(g[*n].path), "%s", need.path ? need.path : "-");
		snprintf(g[*n].name, sizeof(g[*n].name), "%s", need.name ? need.name : "-");
		snprintf(g[*n].from, sizeof(g[*n].from), "%s", need.from ? need.from : "-");
		g[*n].depth = need.depth;
		g[*n].err = need.err;
		(*n)++;
	}
	memlock_needs_close(it);
	return rc;
}

static size_t closure(const char *prog, struct got *g)
{
	struct memlock_needs *it = memlock_needs_open(root, prog, 0);
	size_t n;

	assert_non_null(it);
	assert_int_equal(collect(it, g, &n), 1);
	return n;
}

static void expect(const struct got *g, enum memlock_need_kind kind, const char *path,
		   const char *name, int depth)
{
	assert_string_equal(memlock_need_kind_name(g->kind), memlock_need_kind_name(kind));
	assert_string_equal(g->path, path);
	assert_string_equal(g->name, name);
	assert_int_equal(g->depth, depth);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-needs.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* -------------------------------------------------------------- tests */
/* The search order: RPATH with $ORIGIN, the cache, the default
 * directories; the interpreter; a soname already loaded; each file once. */
static void test_closure_order(void **state)
{
	struct centry ce[] = {
		{ 0x0303, "libc.so.6", "/opt/c/libc.so.6", 0 },
		{ 0x0303, "libh.so.1", "/opt/h/libh.so.1", 1ull << 62 },	/* hwcaps: passed over */
	};
	struct got g[16];
	size_t n;

	(void)state;
	write_elf("/bin/prog", &X64(.type = ET_EXEC, .interp = "/lib64/ld-fake.so.2",
				    .rpath = "$ORIGIN/../rlib",
				    .needed = { "libb.so.1", "liba.so.1", "libc.so.6" }));
	write_elf("/lib64/ld-fake.so.2", &X64(.soname = "ld-fake.so.2"));
	write_elf("/rlib/libb.so.1", &X64(.needed = { "liba.so.1" }));
	write_elf("/usr/lib/x86_64-linux-gnu/liba.so.1",
		  &X64(.needed = { "libc.so.6", "ld-fake.so.2", "libh.so.1" }));
	write_elf("/opt/c/libc.so.6", &X64(.needed = { "ld-fake.so.2" }));
	write_elf("/lib/libc.so.6", &X64());	/* the cache comes first */
	write_elf("/usr/lib/libh.so.1", &X64());
	write_cache(ce, 2, false);

	n = closure("/bin/prog", g);
	assert_int_equal(n, 6);
	expect(&g[0], MEMLOCK_NEED_PROGRAM, "/bin/prog", "-", 0);
	expect(&g[1], MEMLOCK_NEED_INTERPRETER, "/lib64/ld-fake.so.2", "-", 1);
	expect(&g[2], MEMLOCK_NEED_LIBRARY, "/bin/../rlib/libb.so.1", "libb.so.1", 1);
	assert_string_equal(g[2].from, "/bin/prog");
	expect(&g[3], MEMLOCK_NEED_LIBRARY, "/usr/lib/x86_64-linux-gnu/liba.so.1", "liba.so.1", 1);
	expect(&g[4], MEMLOCK_NEED_LIBRARY, "/opt/c/libc.so.6", "libc.so.6", 1);
	expect(&g[5], MEMLOCK_NEED_LIBRARY, "/usr/lib/libh.so.1", "libh.so.1", 2);
	assert_string_equal(g[5].from, "/usr/lib/x86_64-linux-gnu/liba.so.1");
}

/* DT_RPATH of the loaders up to the program, unless the object has a
 * DT_RUNPATH, which serves its own direct needs only; both: RUNPATH. */
static void test_rpath_runpath(void **state)
{
	struct got g[16];
	size_t n;

	(void)state;
	write_elf("/p/prog", &X64(.type = ET_EXEC, .rpath = "/r1",
				  .needed = { "liby.so", "librun.so", "libboth.so" }));
	write_elf("/r1/liby.so", &X64(.needed = { "libz.so" }));	/* libz: the program's rpath */
	write_elf("/r1/libz.so", &X64());
	write_elf("/r1/librun.so", &X64(.runpath = "/r2", .needed = { "libq.so", "libw.so" }));
	write_elf("/r2/libq.so", &X64());
	write_elf("/r1/libw.so", &X64());	/* not for librun: it has a runpath */
	write_elf("/r1/libboth.so", &X64(.rpath = "/r3", .runpath = "/r4",
					 .needed = { "libv.so" }));
	write_elf("/r3/libv.so", &X64());	/* DT_RPATH ignored next to DT_RUNPATH */

	n = closure("/p/prog", g);
	assert_int_equal(n, 8);
	expect(&g[1], MEMLOCK_NEED_LIBRARY, "/r1/liby.so", "liby.so", 1);
	expect(&g[2], MEMLOCK_NEED_LIBRARY, "/r1/librun.so", "librun.so", 1);
	expect(&g[3], MEMLOCK_NEED_LIBRARY, "/r1/libboth.so", "libboth.so", 1);
	expect(&g[4], MEMLOCK_NEED_LIBRARY, "/r1/libz.so", "libz.so", 2);
	expect(&g[5], MEMLOCK_NEED_LIBRARY, "/r2/libq.so", "libq.so", 2);
	expect(&g[6], MEMLOCK_NEED_MISSING, "-", "libw.so", 2);
	assert_int_equal(g[6].err, ENOENT);
	assert_string_equal(g[6].from, "/r1/librun.so");
	expect(&g[7], MEMLOCK_NEED_MISSING, "-", "libv.so", 2);
}

/* A 32-bit program gets 32-bit libraries: cache entries of its ABI, the
 * i386 directories, files of another class passed over. */
static void test_class_32(void **state)
{
	struct centry ce[] = {
		{ 0x0303, "libc.so.6", "/opt/64/libc.so.6", 0 },
		{ 0x0003, "libc.so.6", "/opt/32/libc.so.6", 0 },
	};
	struct got g[16];
	size_t n;

	(void)state;
	write_cache(ce, 2, true);	/* after an old-format table */
	write_elf("/bin/p32", &I386(.type = ET_EXEC, .needed = { "libc.so.6", "libm.so.6",
								 "libx.so" }));
	write_elf("/opt/64/libc.so.6", &X64());
	write_elf("/opt/32/libc.so.6", &I386());	/* only in the cache */
	write_elf("/lib/x86_64-linux-gnu/libm.so.6", &X64());
	write_elf("/lib/i386-linux-gnu/libm.so.6", &X64());	/* wrong class */
	write_elf("/lib32/libm.so.6", &I386());
	write_elf("/lib/i386-linux-gnu/libx.so", &X64());	/* only a wrong one */

	n = closure("/bin/p32", g);
	assert_int_equal(n, 4);
	expect(&g[1], MEMLOCK_NEED_LIBRARY, "/opt/32/libc.so.6", "libc.so.6", 1);
	expect(&g[2], MEMLOCK_NEED_LIBRARY, "/lib32/libm.so.6", "libm.so.6", 1);
	expect(&g[3], MEMLOCK_NEED_MISSING, "-", "libx.so", 1);
	assert_int_equal(g[3].err, ENOEXEC);
}

/* Big-endian, 64-bit: s390x, its triplet, $PLATFORM unknown (dropped),
 * ${ORIGIN}; one file by two names is given once. */
static void test_big_endian(void **state)
{
	char link[512];
	struct got g[16];
	size_t n;

	(void)state;
	write_elf("/s/prog", &S390X(.type = ET_EXEC, .runpath = "/x/$PLATFORM:${ORIGIN}/l",
				    .needed = { "libone.so.1", "libtwo.so.1", "libc.so.6" }));
	write_elf("/x/libone.so.1", &S390X());
	write_elf("/s/l/libone.so.1", &S390X());
	write_elf("/s/l/libtwo.so.1", &S390X());
	snprintf(link, sizeof(link), "%s/lib/s390x-linux-gnu/libc.so.6", root);
	write_elf("/lib/s390x-linux-gnu/libc.so.6", &S390X());
	unlink(link);
	assert_int_equal(symlink("../../s/l/libtwo.so.1", link), 0);

	n = closure("/s/prog", g);
	assert_int_equal(n, 3);
	expect(&g[1], MEMLOCK_NEED_LIBRARY, "/s/l/libone.so.1", "libone.so.1", 1);
	expect(&g[2], MEMLOCK_NEED_LIBRARY, "/s/l/libtwo.so.1", "libtwo.so.1", 1);
}

/* Every truncation of a program is ENOEXEC, never a crash; flipped bytes
 * give a result or an error, under ASan. */
static void test_hostile(void **state)
{
	struct spec s = X64(.type = ET_EXEC, .interp = "/lib64/ld.so", .rpath = "/a:/b",
			    .needed = { "liba.so", "libb.so" });
	struct memlock_needs *it;
	struct got g[16];
	size_t len = build_elf(&s), cut, i, n;
	unsigned char good[sizeof(img)];

	(void)state;
	memcpy(good, img, len);
	for (cut = 0; cut < len; cut++) {
		write_file("/t/prog", good, cut);
		it = memlock_needs_open(root, "/t/prog", 0);
		assert_null(it);
		assert_int_equal(errno, ENOEXEC);
	}
	for (i = 0; i < len * 8; i += 3) {
		memcpy(img, good, len);
		img[i / 8] ^= (unsigned char)(1u << (i % 8));
		write_file("/t/prog", img, len);
		it = memlock_needs_open(root, "/t/prog", 0);
		if (it == NULL)
			assert_int_equal(errno, ENOEXEC);
		else
			assert_true(collect(it, g, &n) >= 0);
	}
	/* offsets that overflow: e_phoff near 2^64 */
	memcpy(img, good, len);
	put(&s, 32, UINT64_MAX - 8, 8);
	write_file("/t/prog", img, len);
	assert_null(memlock_needs_open(root, "/t/prog", 0));
	assert_int_equal(errno, ENOEXEC);
	/* a corrupt cache is no cache */
	write_file("/etc/ld.so.cache", "glibc-ld.so.cache1.1\xff\xff\xff\xff", 24);
	write_elf("/t/prog", &X64(.needed = { "libq.so" }));
	write_elf("/usr/lib/libq.so", &X64());
	n = closure("/t/prog", g);
	assert_int_equal(n, 2);
	expect(&g[1], MEMLOCK_NEED_LIBRARY, "/usr/lib/libq.so", "libq.so", 1);
}

static void test_bad_args(void **state)
{
	struct memlock_need small = { .sz = 8 };
	struct memlock_needs *it;

	(void)state;
	assert_null(memlock_needs_open(root, NULL, 0));
	assert_int_equal(errno, EINVAL);
	write_elf("/b/prog", &X64());
	assert_null(memlock_needs_open(root, "/b/prog", 1));
	assert_int_equal(errno, EINVAL);
	assert_null(memlock_needs_open(root, "/b/none", 0));
	assert_int_equal(errno, ENOENT);
	assert_null(memlock_needs_open(root, "/b", 0));
	assert_int_equal(errno, EISDIR);
	assert_null(memlock_needs_open_pid(NULL, 0, 0));
	assert_int_equal(errno, EINVAL);
	it = memlock_needs_open(root, "/b/prog", 0);
	assert_non_null(it);
	assert_int_equal(memlock_needs_next(it, &small), -EINVAL);
	memlock_needs_close(it);
	memlock_needs_close(NULL);
	assert_string_equal(memlock_need_kind_name(MEMLOCK_NEED_STALE), "stale");
}

/* This process: its program first, each file once, a deleted file and one
 * replaced by a rename as such (the kernel shows both as deleted). */
static void test_pid_self(void **state)
{
	char a[512], b[512], tmp[512], exe[512];
	struct memlock_need need = { .sz = sizeof(need) };
	struct memlock_needs *it;
	void *ma, *mb;
	int fa, fb, rc, seen_a = 0, seen_b = 0, progs = 0, firsts = 0;
	ssize_t el;

	(void)state;
	snprintf(a, sizeof(a), "%s/deleted-file", root);
	snprintf(b, sizeof(b), "%s/replaced-file", root);
	snprintf(tmp, sizeof(tmp), "%s/new-file", root);
	write_file("/deleted-file", "a", 1);
	write_file("/replaced-file", "b", 1);
	write_file("/new-file", "c", 1);
	fa = open(a, O_RDONLY);
	fb = open(b, O_RDONLY);
	ma = mmap(NULL, 1, PROT_READ, MAP_PRIVATE, fa, 0);
	mb = mmap(NULL, 1, PROT_READ, MAP_PRIVATE, fb, 0);
	assert_true(ma != MAP_FAILED && mb != MAP_FAILED);
	close(fa);
	close(fb);
	assert_int_equal(unlink(a), 0);
	assert_int_equal(rename(tmp, b), 0);
	el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(el > 0);
	exe[el] = '\0';

	it = memlock_needs_open_pid(NULL, getpid(), 0);
	assert_non_null(it);
	while ((rc = memlock_needs_next(it, &need)) == 0) {
		if (firsts++ == 0) {
			assert_int_equal(need.kind, MEMLOCK_NEED_PROGRAM);
			assert_string_equal(need.path, exe);
		}
		progs += need.kind == MEMLOCK_NEED_PROGRAM;
		assert_null(need.name);
		if (strncmp(need.path, a, strlen(a)) == 0) {
			seen_a++;
			assert_int_equal(need.kind, MEMLOCK_NEED_STALE);
			assert_int_equal(need.err, ENOENT);
			assert_string_equal(need.path + strlen(a), " (deleted)");
		}
		if (strncmp(need.path, b, strlen(b)) == 0) {
			seen_b++;
			assert_int_equal(need.kind, MEMLOCK_NEED_STALE);
			assert_int_equal(need.err, ENOENT);
			assert_string_equal(need.path + strlen(b), " (deleted)");
		}
		assert_true(need.kind != MEMLOCK_NEED_STALE || need.err != 0);
	}
	assert_int_equal(rc, 1);
	memlock_needs_close(it);
	assert_int_equal(progs, 1);
	assert_int_equal(seen_a, 1);
	assert_int_equal(seen_b, 1);
	munmap(ma, 1);
	munmap(mb, 1);
}

static uint64_t ino_of(const char *rel)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* A captured process: its maps read through the public reader, the files
 * under the root. A file whose inode is not the mapped one is stale (a
 * bind mount, another mount namespace, a captured tree); a directory or
 * device is left out; a file mapped twice is given once. */
static void test_pid_fixture(void **state)
{
	char smaps[2048], link[512], dir[512];
	struct memlock_needs *it;
	struct got g[16];
	size_t n;

	(void)state;
	write_elf("/usr/bin/prog", &X64());
	write_file("/lib/liba.so", "a", 1);
	write_file("/lib/old.so", "o", 1);
	write_file("/data/table", "t", 1);
	snprintf(dir, sizeof(dir), "%s/dev/thing", root);
	write_file("/dev/x", "", 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(smaps, sizeof(smaps),
		 "00400000-00401000 r-xp 00000000 fe:00 %llu /usr/bin/prog\n"
		 "00401000-00402000 r--p 00001000 fe:00 %llu /usr/bin/prog\n"
		 "7f0000000000-7f0000001000 r--p 00000000 fe:00 %llu /lib/liba.so\n"
		 "7f0000001000-7f0000002000 rw-p 00000000 00:00 0 \n"
		 "7f0000002000-7f0000003000 r--p 00000000 fe:00 %llu /data/table\n"
		 "7f0000003000-7f0000004000 r--p 00001000 fe:00 %llu /lib/liba.so\n"
		 "7f0000004000-7f0000005000 r--p 00000000 fe:00 %llu /lib/old.so\n"
		 "7f0000005000-7f0000006000 r--p 00000000 fe:00 777 /lib/gone.so (deleted)\n"
		 "7f0000006000-7f0000007000 rw-s 00000000 fe:00 %llu /dev/thing\n"
		 "7ffd00000000-7ffd00001000 rw-p 00000000 00:00 0 [stack]\n",
		 (unsigned long long)ino_of("/usr/bin/prog"),
		 (unsigned long long)ino_of("/usr/bin/prog"),
		 (unsigned long long)ino_of("/lib/liba.so"),
		 (unsigned long long)ino_of("/data/table"),
		 (unsigned long long)ino_of("/lib/liba.so"),
		 (unsigned long long)ino_of("/lib/old.so") + 1000,
		 (unsigned long long)ino_of("/dev/thing"));
	write_file("/proc/4242/smaps", smaps, strlen(smaps));
	snprintf(link, sizeof(link), "%s/proc/4242/exe", root);
	assert_int_equal(symlink("/usr/bin/prog", link), 0);

	it = memlock_needs_open_pid(root, 4242, 0);
	assert_non_null(it);
	assert_int_equal(collect(it, g, &n), 1);
	assert_int_equal(n, 5);
	expect(&g[0], MEMLOCK_NEED_PROGRAM, "/usr/bin/prog", "-", 0);
	expect(&g[1], MEMLOCK_NEED_LIBRARY, "/lib/liba.so", "-", 0);
	expect(&g[2], MEMLOCK_NEED_LIBRARY, "/data/table", "-", 0);
	expect(&g[3], MEMLOCK_NEED_STALE, "/lib/old.so", "-", 0);
	assert_int_equal(g[3].err, ESTALE);
	expect(&g[4], MEMLOCK_NEED_STALE, "/lib/gone.so (deleted)", "-", 0);
	assert_int_equal(g[4].err, ENOENT);
	assert_null(memlock_needs_open_pid(root, 4243, 0));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_closure_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpath_runpath, setup, teardown),
		cmocka_unit_test_setup_teardown(test_class_32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_endian, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_fixture, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
