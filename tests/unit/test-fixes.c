// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CLI's words for the library's fixes and notes (cli/fixes.c): the
 * exact hint texts the CLI printed when the library wrote them itself,
 * on the predictor's verdicts for synthetic facts, and on the fixes of the
 * limit setter and the target checks built directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "facts.h"
#include "../../cli/fixes.h"

/* cli/fixes.c's hint_fixes() prints through the CLI's hint(): counted here */
static int hints;
void hint(const char *fmt, ...);
void hint(const char *fmt, ...)
{
	(void)fmt;
	hints++;
}

static bool has_fix(const struct memlock_verdict *v, const char *needle)
{
	for (size_t i = 0; i < memlock_verdict_fix_count(v); i++)
		if (strstr(fix_text(v, i), needle))
			return true;
	return false;
}

static bool has_note(const struct memlock_verdict *v, const char *needle)
{
	for (size_t i = 0; i < memlock_verdict_note_count(v); i++)
		if (strstr(note_text(v, i), needle))
			return true;
	return false;
}

static void test_fix_shell(void **state)
{
	struct mlk_facts f = facts(64 * PG, 8 << 20, 1000 * PG, 0);
	struct memlock_verdict v;

	(void)state;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_int_equal(v.err, ENOMEM);
	/* 1000 pages = 4000 KiB fit under the 8 MiB hard limit: ulimit works */
	assert_true(has_fix(&v, "ulimit -l 4000"));
	assert_true(has_fix(&v, "limits.conf: root - memlock 4000"));
	assert_true(has_fix(&v, "memlock limit 4242 4000K"));
	assert_true(has_fix(&v, "prlimit --pid 4242 --memlock=4096000:"));
	assert_true(has_fix(&v, "cap_ipc_lock"));
	/* over the hard limit: no ulimit, raising it needs CAP_SYS_RESOURCE */
	f.vm_size = 4000 * PG;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_false(has_fix(&v, "ulimit"));
	assert_true(has_fix(&v, "CAP_SYS_RESOURCE"));
	assert_true(has_fix(&v, "memlock limit 4242 16000K:16000K"));
	/* the prlimit(1) command beside it, as for the soft limit (memlock(1)) */
	assert_true(has_fix(&v, "prlimit --pid 4242 --memlock=16384000:16384000"));
}

static void test_fix_headroom(void **state)
{
	struct mlk_facts f = facts(64 * PG, MEMLOCK_UNLIMITED, 1000 * PG, 0);
	struct memlock_verdict v;

	(void)state;
	/* MCL_FUTURE: the address space (4000 KiB) and 16 MiB more, in MiB */
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_true(has_fix(&v, "ulimit -l 20480"));
	assert_true(has_fix(&v, "memlock limit 4242 20480K"));
	assert_true(has_note(&v, "the sizes above leave room"));
	/* big: twice the address space */
	f.vm_size = 100 << 20;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_true(has_fix(&v, "ulimit -l 204800"));
	/* but no more than the hard limit when the need fits under it */
	f.lim.hard = 120 << 20;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_true(has_fix(&v, "ulimit -l 122880"));
	/* MCL_CURRENT alone: the need itself */
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_true(has_fix(&v, "ulimit -l 102400"));
}

static void test_fix_purpose(void **state)
{
	struct mlk_facts f = facts(64 * PG, 8 << 20, 1000 * PG, 0);
	struct memlock_verdict v;

	(void)state;
	/* memlock itself (check without a PID): no fix for a process gone by then */
	f.purpose = MLK_FOR_SELF;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_true(has_fix(&v, "ulimit -l 4000"));
	assert_false(has_fix(&v, "4242"));
	/* a program memlock run starts: --limit, and no file capability */
	f.purpose = MLK_FOR_EXEC;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_true(has_fix(&v, "memlock run --limit 4000K"));
	assert_false(has_fix(&v, "4242"));
	assert_false(has_fix(&v, "setcap"));
}

static void test_fix_systemd_and_container(void **state)
{
	struct mlk_facts f = facts(0, 0, 1000 * PG, 0);
	struct memlock_verdict v;

	(void)state;
	f.ctx.kind = MEMLOCK_CTX_SYSTEMD;
	strcpy(f.ctx.unit, "rtapp.service");
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_int_equal(v.err, EPERM);
	assert_true(has_fix(&v, "systemctl edit rtapp.service"));
	assert_true(has_fix(&v, "LimitMEMLOCK=20480K"));	/* with room for MCL_FUTURE */
	assert_true(has_fix(&v, "AmbientCapabilities=CAP_IPC_LOCK"));
	f.ctx.user_unit = true;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT, 0, 0, false);
	assert_true(has_fix(&v, "systemctl --user edit rtapp.service"));
	assert_false(has_fix(&v, "AmbientCapabilities"));

	memset(&f.ctx, 0, sizeof(f.ctx));
	f.ctx.kind = MEMLOCK_CTX_CONTAINER;
	f.in_child_userns = true;
	v = predict(&f, MEMLOCK_OP_MLOCK, 0, 0, PG, false);
	assert_int_equal(v.err, EPERM);
	assert_non_null(strstr(v.reason, "initial user namespace"));
	assert_true(has_fix(&v, "--ulimit memlock=4096:4096"));
	assert_true(has_fix(&v, "--cap-add IPC_LOCK"));
	assert_true(has_note(&v, "child user namespace"));
}

static void test_hazard_notes(void **state)
{
	struct mlk_facts f = facts(8 << 20, 8 << 20, 600 * PG, 0);
	struct memlock_verdict v;

	(void)state;
	f.threads = 5;
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_FUTURE, 0, 0, false);
	assert_true(v.ok);
	assert_true(has_note(&v, "brk"));
	assert_true(has_note(&v, "thread's stack"));
	assert_true(has_note(&v, "all 5 threads"));
	v = predict(&f, MEMLOCK_OP_MLOCKALL, MCL_CURRENT | MCL_ONFAULT, 0, 0, false);
	assert_true(has_note(&v, "first touched"));
	assert_false(has_note(&v, "brk"));
}

/* The limit setter's fixes, word for word. */
static void test_limit_words(void **state)
{
	struct memlock_verdict v;
	struct mlk_fix *x;

	(void)state;
	mlk_verdict_clear(&v);
	x = mlk_add_fix(&v, MEMLOCK_FIX_SOFT_WITHIN_HARD);
	x->f.pid = 77;
	x->f.bytes = x->f.hard_bytes = 64 << 20;
	x = mlk_add_fix(&v, MEMLOCK_FIX_LIMIT_AS_ROOT);
	x->f.pid = 77;
	x->f.bytes = 1 << 20;
	x->f.hard_bytes = MEMLOCK_UNLIMITED;
	x = mlk_add_fix(&v, MEMLOCK_FIX_LIMIT_AS_OWNER);
	x->f.uid = 1000;
	x->f.hard_limit = 1025 * 1024;
	x = mlk_add_fix(&v, MEMLOCK_FIX_SOFT_TO_HARD);
	x->f.pid = 77;
	x->f.bytes = 8 << 20;
	assert_string_equal(fix_text(&v, 0), "give SOFT:HARD with SOFT <= HARD: memlock limit 77 "
					     "64M:64M, or prlimit --pid 77 --memlock=67108864:67108864");
	assert_string_equal(fix_text(&v, 1), "as root with CAP_SYS_RESOURCE: memlock limit 77 "
					     "1048576:unlimited, or prlimit --pid 77 "
					     "--memlock=1048576:unlimited");
	assert_string_equal(fix_text(&v, 2), "or as uid 1000, its owner, if the hard limit stays "
					     "as it is (1025 KiB)");
	assert_string_equal(fix_text(&v, 3), "or keep the hard limit and raise the soft one to it: "
					     "memlock limit 77 8M, or prlimit --pid 77 --memlock=8388608:");
	assert_string_equal(fix_text(&v, 4), "");	/* out of range */
	hints = 0;
	hint_fixes(&v);
	assert_int_equal(hints, 4);
}

/* The refusals' fixes: each depends on its number, or is fixed. */
static void test_refusal_words(void **state)
{
	struct memlock_verdict v;
	struct mlk_fix *x;

	(void)state;
	x = mlk_refuse(&v, EPERM, MEMLOCK_CAUSE_PTRACE_DENIED, MEMLOCK_FIX_PTRACE_SCOPE, "r");
	x->f.level = 3;
	assert_string_equal(fix_text(&v, 0), "set kernel.yama.ptrace_scope to 1 or 2 (sysctl; 3 "
					     "can only be undone by a reboot)");
	x->f.level = 1;
	assert_string_equal(fix_text(&v, 0), "run memlock as root (CAP_SYS_PTRACE), or set "
					     "kernel.yama.ptrace_scope=0");
	x = mlk_refuse(&v, EPERM, MEMLOCK_CAUSE_SECCOMP, MEMLOCK_FIX_SUSPEND_SECCOMP, "r");
	x->f.level = 2;
	assert_non_null(strstr(fix_text(&v, 0), "or --force if the filter allows mlock*"));
	x->f.level = 1;
	assert_non_null(strstr(fix_text(&v, 0), "outside any seccomp filter"));
	x->f.level = -EACCES;
	assert_non_null(strstr(fix_text(&v, 0), "suspends any filter"));
	mlk_refuse(&v, ESRCH, MEMLOCK_CAUSE_NO_PROCESS, MEMLOCK_FIX_CHECK_PID, "r");
	assert_string_equal(fix_text(&v, 0), "check the PID with ps -p PID");
	mlk_refuse(&v, EINVAL, MEMLOCK_CAUSE_NO_PROCESS, MEMLOCK_FIX_PROCESS_ID, "r");
	assert_string_equal(fix_text(&v, 0), "give the process ID (Tgid), and --tid for the thread");
	mlk_refuse(&v, ENOMEM, MEMLOCK_CAUSE_OVER_LIMIT, MEMLOCK_FIX_NO_FUTURE, "r");
	assert_non_null(strstr(fix_text(&v, 0), "memlock run --current -- ..."));
	/* every kind has words, none falls back to its bare name */
	for (int k = MEMLOCK_FIX_SOFT_LIMIT; k <= MEMLOCK_FIX_SINGLE_THREADED; k++) {
		mlk_refuse(&v, EPERM, MEMLOCK_CAUSE_NONE, (enum memlock_fix_kind)k, "r");
		assert_string_not_equal(fix_text(&v, 0), memlock_fix_kind_name(k));
		assert_true(strlen(fix_text(&v, 0)) > 20);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fix_shell),
		cmocka_unit_test(test_fix_headroom),
		cmocka_unit_test(test_fix_purpose),
		cmocka_unit_test(test_fix_systemd_and_container),
		cmocka_unit_test(test_hazard_notes),
		cmocka_unit_test(test_limit_words),
		cmocka_unit_test(test_refusal_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
