// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * victim-threads - 4 threads spin computing checksums (general registers,
 * NEON and double), each over its own buffer, until the control pipe closes;
 * every round must give the first round's result. The main thread blocks in
 * read() on the control pipe. Each thread prints its rounds at the end.
 */
#include <arm_neon.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "victim.h"

#define NTHREADS 4
#define WORDS 4096

struct spinner {
	pthread_t th;
	int id;
	uint32_t buf[WORDS];
	uint64_t first, rounds, bad;
};

static struct spinner sp[NTHREADS];
static atomic_int stop, started;

static uint64_t checksum(const uint32_t *w)
{
	uint32x4_t acc = vdupq_n_u32(1);
	uint64_t h = 1469598103934665603ull;
	double d = 0.5;

	for (int i = 0; i < WORDS; i += 4) {
		uint32x4_t v = vld1q_u32(w + i);

		acc = vmlaq_u32(veorq_u32(acc, v), v, vdupq_n_u32(2654435761u));
		h = (h ^ w[i]) * 1099511628211ull;
		d = d * 1.0000001 + (double)(w[i + 1] & 0xffff);
	}
	return h ^ ((uint64_t)vgetq_lane_u32(acc, 0) << 32) ^ vgetq_lane_u32(acc, 1) ^
	       ((uint64_t)vgetq_lane_u32(acc, 2) << 16) ^ vgetq_lane_u32(acc, 3) ^ (uint64_t)d;
}

static void *spin(void *arg)
{
	struct spinner *s = arg;
	uint64_t x = 88172645463325252ull + (uint64_t)s->id;

	for (int i = 0; i < WORDS; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s->buf[i] = (uint32_t)x;
	}
	s->first = checksum(s->buf);
	atomic_fetch_add(&started, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		uint64_t c = checksum(s->buf);

		if (c != s->first && s->bad++ < 3)
			say("thread %d round %llu: checksum %016llx, expected %016llx", s->id,
			    (unsigned long long)s->rounds, (unsigned long long)c,
			    (unsigned long long)s->first);
		s->rounds++;
	}
	return NULL;
}

int main(void)
{
	char c;
	int bad = 0;

	victim_name = "victim-threads";
	for (int i = 0; i < NTHREADS; i++) {
		sp[i].id = i;
		if (pthread_create(&sp[i].th, NULL, spin, &sp[i]) != 0) {
			say("pthread_create failed");
			return 1;
		}
	}
	while (atomic_load(&started) < NTHREADS)
		usleep(1000);
	ready();
	while (read(CTL_FD, &c, 1) > 0)
		;
	atomic_store(&stop, 1);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(sp[i].th, NULL);
		if (sp[i].bad)
			bad++;
		if (sp[i].rounds < 2) {
			say("thread %d ran only %llu rounds", i, (unsigned long long)sp[i].rounds);
			bad++;
		}
	}
	say("rounds %llu %llu %llu %llu, bad %llu %llu %llu %llu",
	    (unsigned long long)sp[0].rounds, (unsigned long long)sp[1].rounds,
	    (unsigned long long)sp[2].rounds, (unsigned long long)sp[3].rounds,
	    (unsigned long long)sp[0].bad, (unsigned long long)sp[1].bad,
	    (unsigned long long)sp[2].bad, (unsigned long long)sp[3].bad);
	return bad ? 1 : 0;
}
