// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The residency report's walk, in two threads: one walks (getdents, and
 * openat and fstat per file), the calling thread reads each file's
 * residency (cachestat) and renders it, in the walk's order. A walk of many
 * small files is system calls and little else (on this project's 2-CPU
 * machines each costs about 2 us, the path lookup included), so this halves
 * the time where a second CPU is free. The files go over in chunks of up to
 * 64, so the threads meet once per chunk, not once per file; the chunks in
 * flight bound the descriptors open, and the report's memory. Each chunk's
 * descriptors are closed together: close_range(2) over runs of adjacent
 * numbers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"

#define CHUNK_MAX 64
#define CHUNKS 4	/* in flight: filled, being read, and two to spare */

struct item {
	struct memlock_file f;
	char *path;		/* this slot's copy of f.path, kept for reuse */
	size_t cap;
};

struct chunk {
	struct item it[CHUNK_MAX];
	size_t n;
};

struct pipe_run {
	struct memlock_files *w;
	struct chunk chunks[CHUNKS];
	size_t per;		/* files per chunk */
	size_t head, tail;	/* chunks filled (by the walk), read (by the reader) */
	bool done;		/* the walk is over: @rc says how */
	int rc;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	walked_fn fn;
	void *arg;
};

static void item_set(struct item *it, const struct memlock_file *f)
{
	size_t len = strlen(f->path) + 1;

	if (len > it->cap) {
		char *p = realloc(it->path, len * 2);

		if (p == NULL)
			err(EXIT_FAILURE, "cannot allocate memory");
		it->path = p;
		it->cap = len * 2;
	}
	memcpy(it->path, f->path, len);
	it->f = *f;
	it->f.path = it->path;
}

static int by_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close @n descriptors: one close_range(2) per run of adjacent numbers
 * (the order of @fds is lost). */
void fds_close(int *fds, size_t n)
{
	qsort(fds, n, sizeof(*fds), by_int);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && fds[j] == fds[j - 1] + 1; j++)
			;
		if (j - i == 1 || close_range((unsigned int)fds[i], (unsigned int)fds[j - 1], 0) < 0)
			for (size_t k = i; k < j; k++)
				close(fds[k]);
	}
}

/* Hand each file of @c to the reader's function, then close its files. */
static void read_chunk(struct pipe_run *p, struct chunk *c)
{
	int fds[CHUNK_MAX];
	size_t nfd = 0;

	for (size_t i = 0; i < c->n; i++) {
		p->fn(p->arg, &c->it[i].f);
		if (c->it[i].f.fd >= 0)
			fds[nfd++] = c->it[i].f.fd;
	}
	fds_close(fds, nfd);
	c->n = 0;
}

/* Fill chunk @c from the walk: 0 when full, 1 at the end, <0 on error. */
static int fill_chunk(struct pipe_run *p, struct chunk *c)
{
	struct memlock_file f = { .sz = sizeof(f) };
	int rc = 0;

	while (c->n < p->per && (rc = memlock_files_next(p->w, &f)) == 0)
		item_set(&c->it[c->n++], &f);
	return rc;
}

static void *walker(void *arg)
{
	struct pipe_run *p = arg;
	int rc = 0;

	while (rc == 0) {
		struct chunk *c;

		pthread_mutex_lock(&p->mu);
		while (p->head - p->tail == CHUNKS)
			pthread_cond_wait(&p->cv, &p->mu);
		c = &p->chunks[p->head % CHUNKS];
		pthread_mutex_unlock(&p->mu);

		rc = fill_chunk(p, c);

		pthread_mutex_lock(&p->mu);
		if (c->n)
			p->head++;
		if (rc != 0) {
			p->done = true;
			p->rc = rc < 0 ? rc : 0;
		}
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

static int reader(struct pipe_run *p)
{
	for (;;) {
		struct chunk *c;

		pthread_mutex_lock(&p->mu);
		while (p->head == p->tail && !p->done)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->head == p->tail) {
			pthread_mutex_unlock(&p->mu);
			return p->rc;
		}
		c = &p->chunks[p->tail % CHUNKS];
		pthread_mutex_unlock(&p->mu);

		read_chunk(p, c);

		pthread_mutex_lock(&p->mu);
		p->tail++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Files per chunk: CHUNKS of them open at once must leave room under
 * RLIMIT_NOFILE (for the walk's directories, one a level, and the rest). */
static size_t chunk_files(void)
{
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return CHUNK_MAX;
	room = rl.rlim_cur > 256 ? (rl.rlim_cur - 128) / (2 * CHUNKS) : 1;
	return room < CHUNK_MAX ? (size_t)room : CHUNK_MAX;
}

/* One thread: fill a chunk, read it, and again. */
static int alone(struct pipe_run *p)
{
	int rc;

	do {
		rc = fill_chunk(p, &p->chunks[0]);
		read_chunk(p, &p->chunks[0]);
	} while (rc == 0);
	return rc < 0 ? rc : 0;
}

int files_walk_piped(char **paths, size_t n, const struct memlock_walk_opts *wo, bool threads,
		     walked_fn fn, void *arg)
{
	struct memlock_walk_opts o = *wo;
	struct pipe_run *p;
	pthread_t t;
	int rc;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		err(EXIT_FAILURE, "cannot allocate memory");
	o.flags |= MEMLOCK_WALK_KEEP_FD;
	p->w = memlock_files_open((const char *const *)paths, n, &o);
	if (p->w == NULL) {
		rc = -errno;
		free(p);
		return rc;
	}
	p->fn = fn;
	p->arg = arg;
	p->per = chunk_files();
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (threads && p->per >= 8 && pthread_create(&t, NULL, walker, p) == 0) {
		rc = reader(p);
		pthread_join(t, NULL);
	} else {
		rc = alone(p);
	}
	memlock_files_close(p->w);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	for (size_t i = 0; i < CHUNKS; i++)
		for (size_t j = 0; j < CHUNK_MAX; j++)
			free(p->chunks[i].it[j].path);
	free(p);
	return rc;
}
