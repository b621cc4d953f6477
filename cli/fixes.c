// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fixes and notes in words. The library says what to do (a kind) and with
 * what (a process, a unit, a user, bytes); this file says how, in the
 * commands a user types: memlock's own (memlock limit, memlock run
 * --limit, memlock status --maps), prlimit(1), ulimit, systemctl,
 * limits.conf, docker/podman run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fixes.h"

#define TEXT_MAX 512

/* the library's formatter: hints and reasons write sizes alike */
#define human(b, buf, sz) memlock_size_str((b), 0, (buf), (sz))
#define exact(b, buf, sz) memlock_size_str((b), MEMLOCK_F_EXACT, (buf), (sz))

/* A limit as memlock limit takes it, with a unit (a bare soft limit is
 * refused there): in the largest unit that holds it exactly */
static const char *size_arg(uint64_t v, char *buf, size_t sz)
{
	if (v == MEMLOCK_UNLIMITED)
		snprintf(buf, sz, "unlimited");
	else if (v != 0 && v % (1ull << 30) == 0)
		snprintf(buf, sz, "%" PRIu64 "G", v >> 30);
	else if (v != 0 && v % (1ull << 20) == 0)
		snprintf(buf, sz, "%" PRIu64 "M", v >> 20);
	else if (v != 0 && v % 1024 == 0)
		snprintf(buf, sz, "%" PRIu64 "K", v >> 10);
	else
		snprintf(buf, sz, "%" PRIu64 "B", v);
	return buf;
}

/* A limit as prlimit(1) takes it: bytes, or "unlimited" */
static const char *bytes_arg(uint64_t v, char *buf, size_t sz)
{
	if (v == MEMLOCK_UNLIMITED)
		snprintf(buf, sz, "unlimited");
	else
		snprintf(buf, sz, "%" PRIu64, v);
	return buf;
}

#define HUMAN(x) human((x), (char[32]){ 0 }, 32)
#define EXACT(x) exact((x), (char[32]){ 0 }, 32)
#define SIZE_ARG(x) size_arg((x), (char[32]){ 0 }, 32)
#define BYTES(x) bytes_arg((x), (char[32]){ 0 }, 32)

/* The same limit as each place spells it: @n in KiB without a suffix
 * (ulimit -l, limits.conf), @k with one (memlock limit, LimitMEMLOCK=),
 * @b as a docker/podman --ulimit; each or unlimited. */
struct spelled {
	char n[24], k[32], b[48];
};

static void spell(uint64_t bytes, struct spelled *s)
{
	bool unl = bytes == MEMLOCK_UNLIMITED;

	bytes_arg(unl ? bytes : bytes / 1024, s->n, sizeof(s->n));
	snprintf(s->k, sizeof(s->k), "%s%s", s->n, unl ? "" : "K");
	if (unl)
		snprintf(s->b, sizeof(s->b), "-1:-1");
	else
		snprintf(s->b, sizeof(s->b), "%" PRIu64 ":%" PRIu64, bytes, bytes);
}

/* The limits of the running process f->pid. */
static bool pid_limit_text(const struct memlock_fix *f, char *buf, size_t sz)
{
	struct spelled s;
	int pid = (int)f->pid;

	spell(f->bytes, &s);
	switch (f->kind) {
	case MEMLOCK_FIX_SOFT_LIMIT:
		snprintf(buf, sz, "for the running process: memlock limit %d %s, or prlimit --pid %d "
				  "--memlock=%s: (the soft limit, up to the hard limit %s)",
			 pid, s.k, pid, BYTES(f->bytes), HUMAN(f->hard_limit));
		return true;
	case MEMLOCK_FIX_HARD_LIMIT:
		snprintf(buf, sz, "for the running process, as root with CAP_SYS_RESOURCE (the hard "
				  "limit is %s): memlock limit %d %s:%s, or prlimit --pid %d "
				  "--memlock=%s:%s",
			 HUMAN(f->hard_limit), pid, s.k, s.k, pid, BYTES(f->bytes), BYTES(f->bytes));
		return true;
	case MEMLOCK_FIX_SOFT_TO_HARD:
		snprintf(buf, sz, "or keep the hard limit and raise the soft one to it: memlock "
				  "limit %d %s, or prlimit --pid %d --memlock=%s:",
			 pid, SIZE_ARG(f->bytes), pid, BYTES(f->bytes));
		return true;
	case MEMLOCK_FIX_SOFT_WITHIN_HARD:
		snprintf(buf, sz, "give SOFT:HARD with SOFT <= HARD: memlock limit %d %s:%s, or "
				  "prlimit --pid %d --memlock=%s:%s",
			 pid, SIZE_ARG(f->bytes), SIZE_ARG(f->hard_bytes), pid, BYTES(f->bytes),
			 BYTES(f->hard_bytes));
		return true;
	case MEMLOCK_FIX_LIMIT_AS_ROOT:
		snprintf(buf, sz, "as root with CAP_SYS_RESOURCE: memlock limit %d %s:%s, or prlimit "
				  "--pid %d --memlock=%s:%s",
			 pid, BYTES(f->bytes), BYTES(f->hard_bytes), pid, BYTES(f->bytes),
			 BYTES(f->hard_bytes));
		return true;
	case MEMLOCK_FIX_LIMIT_AS_OWNER:
		snprintf(buf, sz, "or as uid %u, its owner, if the hard limit stays as it is (%s)",
			 (unsigned int)f->uid, EXACT(f->hard_limit));
		return true;
	default:
		return false;
	}
}

/* Where the limit of a process to come is set. */
static bool place_text(const struct memlock_fix *f, char *buf, size_t sz)
{
	bool unl = f->bytes == MEMLOCK_UNLIMITED;
	struct spelled s;

	spell(f->bytes, &s);
	switch (f->kind) {
	case MEMLOCK_FIX_SHELL_ULIMIT:
		snprintf(buf, sz, "in the shell that starts it: ulimit -l %s", s.n);
		return true;
	case MEMLOCK_FIX_LIMITS_CONF:
		if (f->user[0])
			snprintf(buf, sz, "for every login of the user: /etc/security/limits.conf: "
					  "%s - memlock %s", f->user, s.n);
		else
			snprintf(buf, sz, "for every login of the user: /etc/security/limits.conf: "
					  "<user of uid %u> - memlock %s", (unsigned int)f->uid, s.n);
		return true;
	case MEMLOCK_FIX_SYSTEMD_LIMIT:
		snprintf(buf, sz, "systemctl %sedit %s: add [Service] LimitMEMLOCK=%s, then restart it",
			 f->user_unit ? "--user " : "", f->unit, unl ? "infinity" : s.k);
		return true;
	case MEMLOCK_FIX_CONTAINER_ULIMIT:
		snprintf(buf, sz, "start the container with --ulimit memlock=%s (docker/podman run)",
			 s.b);
		return true;
	case MEMLOCK_FIX_LAUNCHER_LIMIT:
		snprintf(buf, sz, "%slet memlock raise it first: memlock run --limit %s -- ...",
			 f->needs_cap_sys_resource ? "as root with CAP_SYS_RESOURCE, " : "", s.k);
		return true;
	default:
		return false;
	}
}

/* The kinds whose words depend on a process ID or a number. */
static bool process_text(const struct memlock_fix *f, char *buf, size_t sz)
{
	switch (f->kind) {
	case MEMLOCK_FIX_LOCK_LESS:
		if (f->pid)
			snprintf(buf, sz, "or lock less: mlockall(MCL_FUTURE) alone, or mlock of the "
					  "ranges that matter (memlock status --maps %d)", (int)f->pid);
		else
			snprintf(buf, sz, "or lock less: mlockall(MCL_FUTURE) alone (--future), or "
					  "mlock of the ranges that matter");
		return true;
	case MEMLOCK_FIX_MAPPED_RANGES:
		if (f->pid)
			snprintf(buf, sz, "lock only mapped ranges: memlock status --maps %d lists them",
				 (int)f->pid);
		else
			snprintf(buf, sz, "lock only mapped ranges (/proc/self/maps lists them)");
		return true;
	case MEMLOCK_FIX_VALID_FLAGS:
		snprintf(buf, sz, "%s", f->op == MEMLOCK_OP_MLOCKALL
				? "pass MCL_CURRENT, MCL_FUTURE or both (memlock: --current, "
				  "--future), with MCL_ONFAULT (--onfault) only beside them"
				: "pass 0 or MLOCK_ONFAULT as mlock2 flags");
		return true;
	case MEMLOCK_FIX_PTRACE_SCOPE:
		snprintf(buf, sz, "%s", f->level == 3
				? "set kernel.yama.ptrace_scope to 1 or 2 (sysctl; 3 can only be "
				  "undone by a reboot)"
				: "run memlock as root (CAP_SYS_PTRACE), or set "
				  "kernel.yama.ptrace_scope=0");
		return true;
	case MEMLOCK_FIX_SUSPEND_SECCOMP:
		if (f->level < 0)
			snprintf(buf, sz, "run memlock as root in the initial user namespace "
					  "(CAP_SYS_ADMIN suspends any filter during the injection)");
		else if (f->level == 1)	/* SECCOMP_MODE_STRICT */
			snprintf(buf, sz, "run memlock as root in the initial user namespace, outside "
					  "any seccomp filter (CAP_SYS_ADMIN suspends seccomp during the "
					  "injection)");
		else
			snprintf(buf, sz, "run memlock as root in the initial user namespace "
					  "(CAP_SYS_ADMIN suspends the filter during the injection), or "
					  "--force if the filter allows mlock* (Docker's default profile "
					  "does)");
		return true;
	default:
		return false;
	}
}

/* The kinds said in fixed words. */
static const char *const fixed_text[] = {
	[MEMLOCK_FIX_SYSTEMD_CAP] = "or give the unit the capability: [Service] "
				    "AmbientCapabilities=CAP_IPC_LOCK",
	[MEMLOCK_FIX_CONTAINER_CAP] = "or with --cap-add IPC_LOCK (rootful containers only: in a "
				      "user namespace the capability does not count)",
	[MEMLOCK_FIX_FILE_CAP] = "or start it with CAP_IPC_LOCK, which lifts the limit (e.g. "
				 "setcap cap_ipc_lock+ep on its binary)",
	[MEMLOCK_FIX_NO_FUTURE] = "or lock without MCL_FUTURE: memlock run --current -- ... (what "
				  "is mapped at its first instruction; what it maps later stays "
				  "unlocked)",
	[MEMLOCK_FIX_ON_FAULT] = "lock on fault (mlock2 MLOCK_ONFAULT, memlock --onfault), or "
				 "mprotect the range accessible first",
	[MEMLOCK_FIX_CHECK_PID] = "check the PID with ps -p PID",
	[MEMLOCK_FIX_PROCESS_ID] = "give the process ID (Tgid), and --tid for the thread",
	[MEMLOCK_FIX_DETACH_TRACER] = "detach the debugger first (or run the lock from inside it: "
				      "call (int)mlockall(3))",
	[MEMLOCK_FIX_PTRACE_AS_OWNER] = "run memlock as the process's user, or as root "
					"(CAP_SYS_PTRACE)",
	[MEMLOCK_FIX_CAP_SYS_PTRACE] = "run memlock as root (CAP_SYS_PTRACE)",
	[MEMLOCK_FIX_LSM] = "check the LSM policy (AppArmor/SELinux denials in the kernel log), "
			    "or run memlock as root",
	[MEMLOCK_FIX_ALLOW_MLOCKALL] = "allow mlockall in the filter (systemd: "
				       "SystemCallFilter=@memlock, or remove the filter), or let "
				       "the program call mlockall itself",
	[MEMLOCK_FIX_PRIVILEGED_PROGRAM] = "run memlock as root (with CAP_SYS_PTRACE the kernel "
					   "keeps them), lock it from inside, or lock it once "
					   "running: memlock attach PID",
	[MEMLOCK_FIX_64BIT_BUILD] = "run its 64-bit build, or let it call mlockall itself",
	[MEMLOCK_FIX_STOP_FOLLOWING] = "give --follow 0 so that memlock lets go before, or run "
				       "memlock as root",
	[MEMLOCK_FIX_INSTALL_HELPER] = "install memlock-exec-helper with the library (make "
				       "install), or set MEMLOCK_LIBEXECDIR to the directory that "
				       "holds it (for an uninstalled build, its build directory)",
	[MEMLOCK_FIX_SINGLE_THREADED] = "give no report callback, or call memlock_exec_locked() "
					"before any thread starts",
};

const char *fix_text(const struct memlock_verdict *v, size_t i)
{
	static char buf[TEXT_MAX];
	struct memlock_fix f = { .sz = sizeof(f) };

	if (memlock_verdict_fix(v, i, &f) < 0)
		return "";
	if (pid_limit_text(&f, buf, sizeof(buf)) || place_text(&f, buf, sizeof(buf)) ||
	    process_text(&f, buf, sizeof(buf)))
		return buf;
	if ((size_t)f.kind < ARRAY_SIZE(fixed_text) && fixed_text[f.kind])
		return fixed_text[f.kind];
	/* a kind of a newer library: its name at least */
	snprintf(buf, sizeof(buf), "%s", memlock_fix_kind_name(f.kind));
	return buf;
}

const char *note_text(const struct memlock_verdict *v, size_t i)
{
	static char buf[TEXT_MAX];
	struct memlock_note n = { .sz = sizeof(n) };

	if (memlock_verdict_note(v, i, &n) < 0)
		return "";
	switch (n.kind) {
	case MEMLOCK_NOTE_FUTURE_LIMIT:
		snprintf(buf, sizeof(buf),
			 "MCL_FUTURE checks every later mmap, brk and stack growth against the "
			 "limit: past it mmap fails with EAGAIN, brk and malloc with ENOMEM, stack "
			 "growth with SIGSEGV; %s",
			 memlock_verdict_ok(v)
				 ? "leave headroom (or make it unlimited)"
				 : "the sizes above leave room (the address space now and as much "
				   "again, 16 MiB at least, within the hard limit), 'unlimited' needs "
				   "no guess");
		break;
	case MEMLOCK_NOTE_FUTURE_STACKS:
		snprintf(buf, sizeof(buf), "with MCL_FUTURE each new thread's stack (8 MiB by "
					   "default) is locked%s when the thread starts",
			 n.onfault ? "" : " and faulted in");
		break;
	case MEMLOCK_NOTE_THREAD_STACKS:
		snprintf(buf, sizeof(buf), "the stacks of all %u threads are locked with the rest",
			 n.threads);
		break;
	case MEMLOCK_NOTE_ON_FAULT:
		snprintf(buf, sizeof(buf), "on fault: VmLck counts whole mappings now, but pages "
					   "become resident and locked only when first touched");
		break;
	case MEMLOCK_NOTE_CHILD_USERNS:
		snprintf(buf, sizeof(buf), "the process is in a child user namespace: CAP_IPC_LOCK "
					   "there does not lift RLIMIT_MEMLOCK, only the limit "
					   "itself helps");
		break;
	default:
		snprintf(buf, sizeof(buf), "%s", memlock_note_kind_name(n.kind));
		break;
	}
	return buf;
}

void hint_fixes(const struct memlock_verdict *v)
{
	size_t i, n = memlock_verdict_fix_count(v);

	for (i = 0; i < n; i++)
		hint("%s", fix_text(v, i));
}

void hint_notes(const struct memlock_verdict *v)
{
	size_t i, n = memlock_verdict_note_count(v);

	for (i = 0; i < n; i++)
		hint("%s", note_text(v, i));
}
