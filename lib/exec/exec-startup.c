// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Does a program's start-up fit under MCL_FUTURE? Once mlockall(MCL_FUTURE)
 * is in force, every mapping counts against RLIMIT_MEMLOCK when it is made
 * (mlock_future_ok(): VmLck + its length), so the dynamic loader's mmap of
 * a library past the limit fails with EAGAIN and the program dies before
 * main ("failed to map segment from shared object", exit 127). Locked at
 * its first instruction, a program has mapped only itself and its loader;
 * what it maps before main is known from the files: the span of each ELF
 * object (the loader maps a library's whole span at once), the program's,
 * its PT_INTERP's and those of its DT_NEEDED libraries, found as the loader
 * finds them (RPATH, LD_LIBRARY_PATH, RUNPATH, /etc/ld.so.cache, the
 * default directories). A library not found is not counted: the sum is a
 * lower bound, so a refusal is never a false one.
 */
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/exec.h"
#include "inject/target.h"

#define MAX_OBJS 128
#define MAX_NEEDED 64

struct startup {
	uint64_t bytes;
	unsigned int n;
	char *seen[MAX_OBJS];	/* realpath of each object counted */
	const char *cache;	/* /etc/ld.so.cache, mapped, or NULL */
	size_t cache_len;
	uint16_t machine;	/* the program's e_machine */
};

/* One ELF object, as the loader sees it. */
struct object {
	uint64_t span;
	char interp[PATH_MAX];
	char *strtab;
	size_t strsz;
	uint64_t needed[MAX_NEEDED];
	unsigned int n_needed;
	int64_t rpath, runpath;	/* offsets in strtab, or -1 */
};

static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* The file offset of virtual address @va, from the PT_LOAD holding it. */
static bool va_to_off(const Elf64_Phdr *ph, unsigned int n, uint64_t va, uint64_t *off)
{
	for (unsigned int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr &&
		    va < ph[i].p_vaddr + ph[i].p_filesz) {
			*off = va - ph[i].p_vaddr + ph[i].p_offset;
			return true;
		}
	return false;
}

static void read_dynamic(int fd, const Elf64_Phdr *ph, unsigned int n, const Elf64_Phdr *dyn,
			 struct object *o)
{
	uint64_t strtab = 0, off, cnt = dyn->p_filesz / sizeof(Elf64_Dyn);
	Elf64_Dyn d;

	for (uint64_t i = 0; i < cnt && i < 4096; i++) {
		if (!read_at(fd, &d, sizeof(d), dyn->p_offset + i * sizeof(d)) || d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_NEEDED && o->n_needed < MAX_NEEDED)
			o->needed[o->n_needed++] = d.d_un.d_val;
		else if (d.d_tag == DT_STRTAB)
			strtab = d.d_un.d_ptr;
		else if (d.d_tag == DT_STRSZ)
			o->strsz = d.d_un.d_val;
		else if (d.d_tag == DT_RPATH)
			o->rpath = (int64_t)d.d_un.d_val;
		else if (d.d_tag == DT_RUNPATH)
			o->runpath = (int64_t)d.d_un.d_val;
	}
	if (o->strsz == 0 || o->strsz > (1u << 20) || !va_to_off(ph, n, strtab, &off))
		goto none;
	o->strtab = malloc(o->strsz + 1);
	if (o->strtab == NULL || !read_at(fd, o->strtab, o->strsz, off))
		goto none;
	o->strtab[o->strsz] = '\0';
	return;
none:
	free(o->strtab);
	o->strtab = NULL;
	o->n_needed = 0;
	o->rpath = o->runpath = -1;
}

/* 0 with @o filled, -ENOEXEC when @path is no 64-bit ELF of @machine (0:
 * any, and *machine set). */
static int object_read(const char *path, uint16_t *machine, struct object *o)
{
	uint64_t lo = UINT64_MAX, hi = 0, page = (uint64_t)getpagesize();
	Elf64_Phdr ph[64];
	Elf64_Ehdr eh;
	int fd, rc = -ENOEXEC;

	memset(o, 0, sizeof(*o));
	o->rpath = o->runpath = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!read_at(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || (*machine && eh.e_machine != *machine) ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64 ||
	    !read_at(fd, ph, eh.e_phnum * sizeof(Elf64_Phdr), eh.e_phoff))
		goto out;
	*machine = eh.e_machine;
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			if (ph[i].p_vaddr < lo)
				lo = ph[i].p_vaddr;
			if (ph[i].p_vaddr + ph[i].p_memsz > hi)
				hi = ph[i].p_vaddr + ph[i].p_memsz;
		} else if (ph[i].p_type == PT_INTERP && ph[i].p_filesz < sizeof(o->interp) &&
			   read_at(fd, o->interp, ph[i].p_filesz, ph[i].p_offset)) {
			o->interp[ph[i].p_filesz] = '\0';
		}
	}
	if (hi > lo)
		o->span = ((hi + page - 1) & ~(page - 1)) - (lo & ~(page - 1));
	for (unsigned int i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			read_dynamic(fd, ph, eh.e_phnum, &ph[i], o);
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Count @path once (by its real path); 1 when it is new, with @o read. */
static int count(struct startup *s, const char *path, struct object *o)
{
	char *real = realpath(path, NULL);
	unsigned int i;

	if (real == NULL)
		return 0;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->seen[i], real) == 0)
			break;
	if (i < s->n || s->n == MAX_OBJS || object_read(real, &s->machine, o) < 0) {
		free(real);
		return 0;
	}
	s->seen[s->n++] = real;
	s->bytes += o->span;
	return 1;
}

/* @name in the directories of @list (':'-separated), $ORIGIN being
 * @origin; a directory with another $TOKEN is skipped. */
static bool in_dirs(struct startup *s, const char *list, const char *origin, const char *name,
		    char *out, size_t sz)
{
	const char *p, *end;
	struct object o;
	uint16_t m;

	for (p = list; p && *p; p = *end ? end + 1 : end) {
		size_t n;
		int len;

		end = strchr(p, ':') ?: p + strlen(p);
		n = (size_t)(end - p);
		if (n >= 7 && strncmp(p, "$ORIGIN", 7) == 0)
			len = snprintf(out, sz, "%s%.*s/%s", origin, (int)(n - 7), p + 7, name);
		else if (n == 0 || memchr(p, '$', n))
			continue;
		else
			len = snprintf(out, sz, "%.*s/%s", (int)n, p, name);
		/* cut, it would name another file; the loader skips it too */
		if (len < 0 || (size_t)len >= sz)
			continue;
		m = s->machine;
		if (object_read(out, &m, &o) == 0) {
			free(o.strtab);
			return true;
		}
	}
	return false;
}

/* glibc's "glibc-ld.so.cache1.1" format: a header of 48 bytes, then
 * entries {int32 flags; uint32 key, value; uint32 osv; uint64 hwcap},
 * strings at offsets from the header's start. */
static bool in_cache(struct startup *s, const char *name, char *out, size_t sz)
{
	static const char magic[] = "glibc-ld.so.cache1.1";
	const char *c = s->cache;
	uint32_t nlibs;

	if (c == NULL || s->cache_len < 48 || memcmp(c, magic, sizeof(magic) - 1) != 0)
		return false;
	memcpy(&nlibs, c + 20, sizeof(nlibs));
	if (nlibs > (s->cache_len - 48) / 24)
		return false;
	for (uint32_t i = 0; i < nlibs; i++) {
		uint32_t kv[2];
		struct object o;
		uint16_t m;

		memcpy(kv, c + 48 + (size_t)i * 24 + 4, sizeof(kv));
		if (kv[0] >= s->cache_len || kv[1] >= s->cache_len ||
		    !memchr(c + kv[0], '\0', s->cache_len - kv[0]) ||
		    !memchr(c + kv[1], '\0', s->cache_len - kv[1]) || strcmp(c + kv[0], name) != 0)
			continue;
		m = s->machine;
		if ((size_t)snprintf(out, sz, "%s", c + kv[1]) < sz &&
		    object_read(out, &m, &o) == 0) {
			free(o.strtab);
			return true;
		}
	}
	return false;
}

static bool find_library(struct startup *s, const struct object *by, const char *origin,
			 const char *name, char *out, size_t sz)
{
	const char *rpath = by->rpath >= 0 && (size_t)by->rpath < by->strsz ? by->strtab + by->rpath
									   : NULL;
	const char *runpath = by->runpath >= 0 && (size_t)by->runpath < by->strsz
				      ? by->strtab + by->runpath
				      : NULL;

	if (strchr(name, '/'))
		return (size_t)snprintf(out, sz, "%s", name) < sz;
	return (runpath == NULL && in_dirs(s, rpath, origin, name, out, sz)) ||
	       in_dirs(s, secure_getenv("LD_LIBRARY_PATH"), origin, name, out, sz) ||
	       in_dirs(s, runpath, origin, name, out, sz) || in_cache(s, name, out, sz) ||
	       in_dirs(s, "/lib64:/usr/lib64:/lib:/usr/lib", origin, name, out, sz);
}

/* @path and what it needs, breadth first over the objects counted. */
static void walk(struct startup *s, const char *path)
{
	unsigned int next = s->n;
	struct object o;
	char buf[PATH_MAX];

	if (count(s, path, &o)) {
		struct object ld;

		if (o.interp[0] && count(s, o.interp, &ld))
			free(ld.strtab);
		free(o.strtab);
	}
	for (; next < s->n; next++) {
		char origin[PATH_MAX];
		uint16_t m = s->machine;

		if (object_read(s->seen[next], &m, &o) < 0)
			continue;
		/* (it was opened: it fits) */
		if ((size_t)snprintf(origin, sizeof(origin), "%s", s->seen[next]) >= sizeof(origin)) {
			free(o.strtab);
			continue;
		}
		*strrchr(origin, '/') = '\0';
		for (unsigned int i = 0; i < o.n_needed; i++) {
			struct object lib;

			if (o.needed[i] < o.strsz &&
			    find_library(s, &o, origin, o.strtab + o.needed[i], buf, sizeof(buf)) &&
			    count(s, buf, &lib))
				free(lib.strtab);
		}
		free(o.strtab);
	}
}

/* A script's interpreter (its #! line), or @path itself. */
static void interpreter(const char *path, char *out, size_t sz)
{
	char line[256] = "";
	ssize_t n;
	int fd;

	/* a path that does not fit: nothing counted, rather than another file */
	if ((size_t)snprintf(out, sz, "%s", path) >= sz) {
		out[0] = '\0';
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n > 2 && line[0] == '#' && line[1] == '!') {
		char *p = line + 2 + strspn(line + 2, " \t");

		line[n] = '\0';
		p[strcspn(p, " \t\n")] = '\0';
		if (*p == '/')
			snprintf(out, sz, "%s", p);
	}
}

uint64_t mlk_exec_startup_size(const char *path, unsigned int *n_objects)
{
	struct startup s = { 0 };
	char prog[PATH_MAX];
	struct stat st;
	int fd;

	interpreter(path, prog, sizeof(prog));
	fd = open("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < (64 << 20)) {
		s.cache = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		s.cache_len = (size_t)st.st_size;
		if (s.cache == MAP_FAILED)
			s.cache = NULL;
	}
	if (fd >= 0)
		close(fd);
	walk(&s, prog);
	if (s.cache)
		munmap((void *)s.cache, s.cache_len);
	for (unsigned int i = 0; i < s.n; i++)
		free(s.seen[i]);
	if (n_objects)
		*n_objects = s.n;
	return s.bytes;
}

int mlk_exec_startup_check(pid_t pid, const char *path, unsigned int mcl,
			   struct memlock_verdict *why)
{
	uint64_t size, want, mib = 1 << 20;
	const char *slash = strrchr(path, '/');
	struct memlock_status st = { .sz = sizeof(st) };
	struct mlk_facts f;
	unsigned int n;

	if (!(mcl & MCL_FUTURE) || mlk_facts_read(NULL, pid, false, 0, 0, &f) < 0)
		return 0;
	f.purpose = MLK_FOR_EXEC;
	if (f.has_cap || f.lim.soft == MEMLOCK_UNLIMITED ||
	    (size = mlk_exec_startup_size(path, &n)) <= f.lim.soft) {
		mlk_facts_free(&f);
		return 0;
	}
	/* the name, as the user knows it: /proc/PID/exe is no name */
	if (pid > 0 && memlock_proc_read_status(NULL, pid, &st) == 0)
		path = st.name;
	else if (slash)
		path = slash + 1;
	/* a limit with room for what it maps once running, as fix.c's */
	want = size + (size > 16 * mib ? size : 16 * mib);
	want = (want + mib - 1) / mib * mib;
	if (f.lim.hard != MEMLOCK_UNLIMITED && size <= f.lim.hard && want > f.lim.hard)
		want = f.lim.hard;
	mlk_refuse(why, ENOMEM, MEMLOCK_CAUSE_OVER_LIMIT, MEMLOCK_FIX_NONE,
		   "%.64s maps at least %s before main (%u files: the program, its loader, its "
		   "libraries), over the soft RLIMIT_MEMLOCK of %s: under MCL_FUTURE each "
		   "mapping counts against the limit, so its loader would fail (EAGAIN) and it "
		   "could not start",
		   path, MLK_SZ(size), n, MLK_SZ(f.lim.soft));
	why->facts.limit = f.lim.soft;
	why->facts.hard_limit = f.lim.hard;
	why->facts.request = why->facts.need = size;
	why->facts.context = f.ctx.kind;
	mlk_limit_fixes(&f, why, want);
	mlk_add_fix(why, MEMLOCK_FIX_NO_FUTURE);
	mlk_facts_free(&f);
	return -ENOMEM;
}
