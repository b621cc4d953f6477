/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Facts of a made-up process and the predictor on them, for the unit tests
 * of lib/predict and of the CLI's words for its verdicts. */
#ifndef MEMLOCK_TEST_FACTS_H
#define MEMLOCK_TEST_FACTS_H

#include "predict/predict.h"

#define PG 4096ull

static inline struct mlk_facts facts(uint64_t soft, uint64_t hard, uint64_t vm_size,
				     uint64_t vm_lck)
{
	struct mlk_facts f = {
		.pid = 4242, .page_size = PG,
		.lim = { .sz = sizeof(struct memlock_limits), .soft = soft, .hard = hard },
		.vm_size = vm_size, .vm_lck = vm_lck, .threads = 1, .uid = 0,
	};
	return f;
}

static inline struct memlock_verdict predict(const struct mlk_facts *f, enum memlock_op op,
					     unsigned int kflags, uint64_t addr, uint64_t len,
					     bool has_addr)
{
	struct memlock_request r = { op, kflags, addr, len, has_addr };
	struct memlock_verdict v;

	mlk_predict_facts(f, &r, &v);
	return v;
}

#endif /* MEMLOCK_TEST_FACTS_H */
