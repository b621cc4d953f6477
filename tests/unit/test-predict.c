// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The predictor's decision order and wording on synthetic facts: the parts
 * the real-kernel matrix cannot reach from one machine (systemd units,
 * containers, unlimited limits, wrapping ranges, the exact fix texts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "facts.h"

/* Fix @kind of @v through the public getter, or NULL (the one kept in @out). */
static const struct memlock_fix *fix_of(const struct memlock_verdict *v,
					enum memlock_fix_kind kind, struct memlock_fix *out)
{
	for (size_t i = 0; i < memlock_verdict_fix_count(v); i++) {
		*out = (struct memlock_fix){ .sz = sizeof(*out) };
		if (memlock_verdict_fix(v, i, out) == 0 && out->kind == kind)
			return out;
	}
	return NULL;
}

static bool has_kind(const struct memlock_verdict *v, enum memlock_fix_kind kind)
{
	struct memlock_fix f;

	return fix_of(v, kind, &f) != NULL;
}

static bool has_note(const struct memlock_verdict *v, enum memlock_note_kind kind)
{
	for (size_t i = 0; i < memlock_verdict_note_count(v); i++) {
		struct memlock_note n = { .sz = sizeof(n) };

		if (memlock_verdict_note(v, i, &n) == 0 && n.kind == kind)
			return true;
	}
	return false;
}

static void test_flags_checked_before_eperm(void **state)
{
	struct mlk_facts f = facts(0, 0, 100 * PG, 0);
	struct memlock_verdict v;

	(void)state;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_ONFAULT, 0, 0, false);
	assert_int_equal(v.err, EINVAL);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_BAD_FLAGS);
	v = predict(&f, MEMLOCK_OP_MLOCK2, 2, 0x1000, PG, true);
	assert_int_equal(v.err, EINVAL);
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_FUTURE, 0, 0, false);
	assert_int_equal(v.err, EPERM);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_LIMIT_ZERO);
}

static void test_subpage_limit_is_enomem(void **state)
{
	struct mlk_facts f = facts(4095, 4095, 100 * PG, 0);
	struct memlock_verdict v;

	(void)state;
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0, 1, false);
	assert_false(v.ok);
	assert_int_equal(v.err, ENOMEM);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_SUBPAGE_LIMIT);
	assert_non_null(strstr(v.reason, "4095 bytes"));
	/* MCL_FUTURE alone has no size check */
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_FUTURE, 0, 0, false);
	assert_true(v.ok);
	assert_true(has_note(&v, MEMLOCK_NOTE_FUTURE_LIMIT));
}

static void test_mcl_current_uses_vmsize(void **state)
{
	/* VmLck is 0 and VmSize is one page over: ENOMEM; exactly at: ok */
	struct mlk_facts f = facts(64 * PG, 64 * PG, 65 * PG, 0);
	struct memlock_verdict v;

	(void)state;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_int_equal(v.err, ENOMEM);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_ADDRESS_SPACE);
	assert_int_equal(v.facts.need, 65 * PG);
	f.vm_size = 64 * PG;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_true(v.ok);
	/* CAP_IPC_LOCK lifts it */
	f.vm_size = 1000 * PG;
	f.has_cap = true;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_true(v.ok);
}

static void test_mlock_overlap_discount(void **state)
{
	/* 16-page limit, pages [0,8) of a 20-page VMA locked (VmLck 8 pages) */
	static const struct mlk_vma vmas[] = {
		{ 0x10000, 0x18000, MEMLOCK_VMA_LOCKED, true },
		{ 0x18000, 0x24000, 0, true },
	};
	struct mlk_facts f = facts(16 * PG, 16 * PG, 100 * PG, 8 * PG);
	struct memlock_verdict v;

	(void)state;
	f.vmas = vmas;
	f.n_vmas = 2;
	f.have_vmas = true;
	/* [4,16): 12 pages, 4 already locked: 8 + 12 - 4 = 16 <= 16 */
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x14000, 12 * PG, true);
	assert_true(v.ok);
	/* [4,17): 8 + 13 - 4 = 17 > 16 */
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x14000, 13 * PG, true);
	assert_int_equal(v.err, ENOMEM);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_OVER_LIMIT);
	assert_int_equal(v.facts.already, 4 * PG);
	assert_int_equal(v.facts.need, 17 * PG);
	/* without an address there is no discount */
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0, 12 * PG, false);
	assert_int_equal(v.err, ENOMEM);
}

static void test_page_rounding(void **state)
{
	struct mlk_facts f = facts(2 * PG, 2 * PG, 100 * PG, 0);
	static const struct mlk_vma vmas[] = { { 0x10000, 0x20000, 0, true } };
	struct memlock_verdict v;

	(void)state;
	f.vmas = vmas;
	f.n_vmas = 1;
	f.have_vmas = true;
	/* 2 bytes straddling a page boundary are 2 pages */
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x10fff, 2, true);
	assert_true(v.ok);
	assert_int_equal(v.facts.request, 2 * PG);
	/* 3 bytes from the last byte of a page: still 2 pages; 1 + PG: 3 pages */
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x10fff, PG + 2, true);
	assert_int_equal(v.err, ENOMEM);
	/* len 0, and SIZE_MAX (wraps to 0 in PAGE_ALIGN): no-op success */
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x10000, 0, true);
	assert_true(v.ok);
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x10000, UINT64_MAX, true);
	assert_true(v.ok);
}

static void test_range_errors(void **state)
{
	static const struct mlk_vma vmas[] = {
		{ 0x10000, 0x12000, 0, true },
		{ 0x13000, 0x14000, 0, true },	/* hole at 0x12000 */
		{ 0x14000, 0x16000, 0, false },	/* PROT_NONE */
		{ 0x16000, 0x17000, MEMLOCK_VMA_IO | MEMLOCK_VMA_PFNMAP, false },
	};
	struct mlk_facts f = facts(MEMLOCK_UNLIMITED, MEMLOCK_UNLIMITED, 100 * PG, 0);
	struct memlock_verdict v;

	(void)state;
	f.vmas = vmas;
	f.n_vmas = 4;
	f.have_vmas = true;
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x10000, 4 * PG, true);
	assert_int_equal(v.err, ENOMEM);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_UNMAPPED);
	assert_non_null(strstr(v.reason, "0x12000"));
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x13000, 3 * PG, true);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_PROT_NONE);
	/* on fault never populates: PROT_NONE is fine */
	v = predict(&f, MEMLOCK_OP_MLOCK2, 1, 0x13000, 3 * PG, true);
	assert_true(v.ok);
	/* VM_IO|VM_PFNMAP is skipped by populate, even without access */
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x16000, PG, true);
	assert_true(v.ok);
	/* privileged: a wrapping range is EINVAL ... */
	f.has_cap = true;
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x10000, UINT64_MAX - 3 * PG, true);
	assert_int_equal(v.err, EINVAL);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_BAD_RANGE);
	/* ... unprivileged, the limit check comes first: ENOMEM */
	f.has_cap = false;
	f.lim.soft = f.lim.hard = 64 * PG;
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0x10000, UINT64_MAX - 3 * PG, true);
	assert_int_equal(v.err, ENOMEM);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_OVER_LIMIT);
}

static void test_unlimited_and_huge_values(void **state)
{
	struct mlk_facts f = facts(MEMLOCK_UNLIMITED, MEMLOCK_UNLIMITED, UINT64_MAX, UINT64_MAX);
	struct memlock_verdict v;

	(void)state;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_true(v.ok);
	assert_non_null(strstr(v.reason, "unlimited"));
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0, 1ull << 40, false);
	assert_true(v.ok);
	/* a saturated VmSize (UINT64_MAX) under a finite limit: rounding it up
	 * to pages must not wrap to 0 and predict success */
	f = facts(64 * PG, 64 * PG, UINT64_MAX, 0);
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_false(v.ok);
	assert_int_equal(v.err, ENOMEM);
}

static void test_fix_shell(void **state)
{
	struct mlk_facts f = facts(64 * PG, 8 << 20, 1000 * PG, 0);
	struct memlock_verdict v;
	struct memlock_fix x;

	(void)state;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_int_equal(v.err, ENOMEM);
	/* 1000 pages = 4000 KiB fit under the 8 MiB hard limit: ulimit works */
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SHELL_ULIMIT, &x));
	assert_int_equal(x.bytes, 4000 * 1024);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_LIMITS_CONF, &x));
	assert_string_equal(x.user, "root");
	assert_int_equal(x.uid, 0);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SOFT_LIMIT, &x));
	assert_int_equal(x.pid, 4242);
	assert_int_equal(x.bytes, 4096000);
	assert_int_equal(x.hard_limit, 8 << 20);
	assert_false(x.needs_cap_sys_resource);
	assert_true(has_kind(&v, MEMLOCK_FIX_FILE_CAP));
	assert_false(has_kind(&v, MEMLOCK_FIX_HARD_LIMIT));
	/* over the hard limit: no ulimit, raising it needs CAP_SYS_RESOURCE */
	f.vm_size = 4000 * PG;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_false(has_kind(&v, MEMLOCK_FIX_SHELL_ULIMIT));
	assert_false(has_kind(&v, MEMLOCK_FIX_SOFT_LIMIT));
	assert_non_null(fix_of(&v, MEMLOCK_FIX_HARD_LIMIT, &x));
	assert_true(x.needs_cap_sys_resource);
	assert_int_equal(x.bytes, 16384000);
	assert_int_equal(x.hard_bytes, 16384000);
}

static void test_fix_headroom(void **state)
{
	struct mlk_facts f = facts(64 * PG, MEMLOCK_UNLIMITED, 1000 * PG, 0);
	struct memlock_verdict v;
	struct memlock_fix x;

	(void)state;
	/* MCL_FUTURE: the address space (4000 KiB) and 16 MiB more, in MiB */
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SHELL_ULIMIT, &x));
	assert_int_equal(x.bytes, 20480 * 1024);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SOFT_LIMIT, &x));
	assert_int_equal(x.bytes, 20480 * 1024);
	assert_true(has_note(&v, MEMLOCK_NOTE_FUTURE_LIMIT));
	/* big: twice the address space */
	f.vm_size = 100 << 20;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SHELL_ULIMIT, &x));
	assert_int_equal(x.bytes, 200 << 20);
	/* but no more than the hard limit when the need fits under it */
	f.lim.hard = 120 << 20;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SHELL_ULIMIT, &x));
	assert_int_equal(x.bytes, 120 << 20);
	/* MCL_CURRENT alone: the need itself */
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SHELL_ULIMIT, &x));
	assert_int_equal(x.bytes, 100 << 20);
}

static void test_fix_purpose(void **state)
{
	struct mlk_facts f = facts(64 * PG, 8 << 20, 1000 * PG, 0);
	struct memlock_verdict v;
	struct memlock_fix x;

	(void)state;
	/* the caller itself: no fix for a process gone by then */
	f.purpose = MLK_FOR_SELF;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_true(has_kind(&v, MEMLOCK_FIX_SHELL_ULIMIT));
	assert_false(has_kind(&v, MEMLOCK_FIX_SOFT_LIMIT));
	assert_false(has_kind(&v, MEMLOCK_FIX_HARD_LIMIT));
	/* a program about to run: the launcher raises it, no file capability */
	f.purpose = MLK_FOR_EXEC;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_LAUNCHER_LIMIT, &x));
	assert_int_equal(x.bytes, 4096000);
	assert_false(x.needs_cap_sys_resource);
	assert_false(has_kind(&v, MEMLOCK_FIX_SOFT_LIMIT));
	assert_false(has_kind(&v, MEMLOCK_FIX_FILE_CAP));
}

static void test_fix_systemd_and_container(void **state)
{
	struct mlk_facts f = facts(0, 0, 1000 * PG, 0);
	struct memlock_facts fa = { .sz = sizeof(fa) };
	struct memlock_verdict v;
	struct memlock_fix x;

	(void)state;
	f.ctx.kind = MEMLOCK_CTX_SYSTEMD;
	strcpy(f.ctx.unit, "rtapp.service");
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_int_equal(v.err, EPERM);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SYSTEMD_LIMIT, &x));
	assert_string_equal(x.unit, "rtapp.service");
	assert_false(x.user_unit);
	assert_int_equal(x.bytes, 20480 * 1024);	/* with room for MCL_FUTURE */
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SYSTEMD_CAP, &x));
	assert_string_equal(x.unit, "rtapp.service");
	assert_int_equal(memlock_verdict_facts(&v, &fa), 0);
	assert_string_equal(fa.unit, "rtapp.service");
	assert_int_equal(fa.context, MEMLOCK_CTX_SYSTEMD);
	f.ctx.user_unit = true;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_SYSTEMD_LIMIT, &x));
	assert_true(x.user_unit);
	assert_false(has_kind(&v, MEMLOCK_FIX_SYSTEMD_CAP));

	memset(&f.ctx, 0, sizeof(f.ctx));
	f.ctx.kind = MEMLOCK_CTX_CONTAINER;
	f.in_child_userns = true;
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0, PG, false);
	assert_int_equal(v.err, EPERM);
	assert_non_null(strstr(v.reason, "initial user namespace"));
	assert_non_null(fix_of(&v, MEMLOCK_FIX_CONTAINER_ULIMIT, &x));
	assert_int_equal(x.bytes, 4096);
	assert_true(has_kind(&v, MEMLOCK_FIX_CONTAINER_CAP));
	assert_true(has_note(&v, MEMLOCK_NOTE_CHILD_USERNS));
}

static void test_hazard_notes(void **state)
{
	struct mlk_facts f = facts(8 << 20, 8 << 20, 600 * PG, 0);
	struct memlock_note n = { .sz = sizeof(n) };
	struct memlock_verdict v;

	(void)state;
	f.threads = 5;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_true(v.ok);
	assert_true(has_note(&v, MEMLOCK_NOTE_FUTURE_LIMIT));
	assert_true(has_note(&v, MEMLOCK_NOTE_FUTURE_STACKS));
	assert_int_equal(memlock_verdict_note(&v, 2, &n), 0);
	assert_int_equal(n.kind, MEMLOCK_NOTE_THREAD_STACKS);
	assert_int_equal(n.threads, 5);
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_ONFAULT, 0, 0, false);
	assert_true(has_note(&v, MEMLOCK_NOTE_ON_FAULT));
	assert_false(has_note(&v, MEMLOCK_NOTE_FUTURE_LIMIT));
}

static void test_fix_kinds_of_causes(void **state)
{
	struct mlk_facts f = facts(64 * PG, 64 * PG, 100 * PG, 0);
	struct memlock_verdict v;
	struct memlock_fix x;

	(void)state;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_ONFAULT, 0, 0, false);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_VALID_FLAGS, &x));
	assert_int_equal(x.op, MEMLOCK_OP_MLOCKALL);
	assert_int_equal(memlock_verdict_note_count(&v), 0);
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, UINT64_MAX - PG + 1, 2 * PG, true);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_BAD_RANGE);
	assert_non_null(fix_of(&v, MEMLOCK_FIX_MAPPED_RANGES, &x));
	assert_int_equal(x.pid, 4242);
	/* MCL_CURRENT over the limit: lock less is offered last */
	f.vm_size = 1000 * PG;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_int_equal(v.cause, MEMLOCK_CAUSE_ADDRESS_SPACE);
	assert_int_equal(memlock_verdict_fix(&v, memlock_verdict_fix_count(&v) - 1, &x), 0);
	assert_int_equal(x.kind, MEMLOCK_FIX_LOCK_LESS);
	assert_int_equal(x.pid, 4242);
}

/* The getters: sizes honoured, ranges checked, names stable. */
static void test_getters(void **state)
{
	struct mlk_facts f = facts(64 * PG, 8 << 20, 1000 * PG, 8 * PG);
	struct memlock_verdict *v = memlock_verdict_new();
	struct memlock_facts fa = { .sz = sizeof(fa) };
	struct memlock_fix x = { .sz = sizeof(x) };
	struct { size_t sz; enum memlock_fix_kind kind; pid_t pid; } small = { sizeof(small), 0, -1 };
	struct memlock_request r = { MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false };

	(void)state;
	assert_non_null(v);
	assert_true(memlock_verdict_ok(v));
	assert_int_equal(memlock_verdict_fix_count(v), 0);
	assert_string_equal(memlock_verdict_reason(v), "");
	mlk_predict_facts(&f, &r, v);
	assert_false(memlock_verdict_ok(v));
	assert_int_equal(memlock_verdict_err(v), ENOMEM);
	assert_int_equal(memlock_verdict_cause(v), MEMLOCK_CAUSE_ADDRESS_SPACE);
	assert_non_null(strstr(memlock_verdict_reason(v), "VmSize"));
	assert_int_equal(memlock_verdict_facts(v, &fa), 0);
	assert_int_equal(fa.sz, sizeof(fa));
	assert_int_equal(fa.limit, 64 * PG);
	assert_int_equal(fa.locked, 8 * PG);
	assert_int_equal(fa.vm_size, 1000 * PG);
	assert_int_equal(fa.need, 1000 * PG);
	assert_string_equal(fa.unit, "");
	assert_true(memlock_verdict_fix_count(v) >= 3);
	assert_int_equal(memlock_verdict_fix(v, 0, &x), 0);
	assert_int_equal(x.sz, sizeof(x));
	assert_int_equal(x.kind, MEMLOCK_FIX_SHELL_ULIMIT);
	/* an older caller's smaller struct: only what it knows is written */
	assert_int_equal(memlock_verdict_fix(v, 0, (struct memlock_fix *)&small), 0);
	assert_int_equal(small.sz, sizeof(small));
	assert_int_equal(small.kind, MEMLOCK_FIX_SHELL_ULIMIT);
	assert_int_equal(small.pid, 0);
	/* out of range, or no size */
	assert_int_equal(memlock_verdict_fix(v, memlock_verdict_fix_count(v), &x), -EINVAL);
	assert_int_equal(errno, EINVAL);
	x.sz = 0;
	assert_int_equal(memlock_verdict_fix(v, 0, &x), -EINVAL);
	assert_int_equal(memlock_verdict_note(v, 0, &(struct memlock_note){ .sz = 1 }), -EINVAL);
	fa.sz = 0;
	assert_int_equal(memlock_verdict_facts(v, &fa), -EINVAL);
	memlock_verdict_free(v);
	memlock_verdict_free(NULL);
	assert_string_equal(memlock_fix_kind_name(MEMLOCK_FIX_SOFT_LIMIT), "soft-limit");
	assert_string_equal(memlock_fix_kind_name(MEMLOCK_FIX_SYSTEMD_LIMIT), "systemd-limit");
	assert_string_equal(memlock_fix_kind_name(MEMLOCK_FIX_SINGLE_THREADED), "single-threaded");
	assert_string_equal(memlock_fix_kind_name((enum memlock_fix_kind)999), "unknown");
	assert_string_equal(memlock_note_kind_name(MEMLOCK_NOTE_FUTURE_LIMIT), "future-limit");
	assert_string_equal(memlock_note_kind_name((enum memlock_note_kind)-1), "unknown");
}

static void test_cause_names(void **state)
{
	(void)state;
	assert_string_equal(memlock_cause_name(MEMLOCK_CAUSE_OVER_LIMIT), "over-limit");
	assert_string_equal(memlock_cause_name(MEMLOCK_CAUSE_NONE), "none");
	assert_string_equal(memlock_cause_name((enum memlock_cause)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags_checked_before_eperm),
		cmocka_unit_test(test_subpage_limit_is_enomem),
		cmocka_unit_test(test_mcl_current_uses_vmsize),
		cmocka_unit_test(test_mlock_overlap_discount),
		cmocka_unit_test(test_page_rounding),
		cmocka_unit_test(test_range_errors),
		cmocka_unit_test(test_unlimited_and_huge_values),
		cmocka_unit_test(test_fix_shell),
		cmocka_unit_test(test_fix_headroom),
		cmocka_unit_test(test_fix_purpose),
		cmocka_unit_test(test_fix_systemd_and_container),
		cmocka_unit_test(test_hazard_notes),
		cmocka_unit_test(test_fix_kinds_of_causes),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_cause_names),
	};

	return cmocka_run_group_tests_name("predict", tests, NULL, NULL);
}
