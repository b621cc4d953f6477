/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private declarations shared by the files of lib/. */
#ifndef MEMLOCK_INTERNAL_H
#define MEMLOCK_INTERNAL_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "memlock.h"

/* libcs older than the kernel feature (4.4) lack these */
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif

/* Flags of /proc/PID/stat's field 9, as the kernel's include/linux/sched.h
 * names them (no uapi header has them) */
#define PF_EXITING 0x00000004	/* getting shut down */
#define PF_KTHREAD 0x00200000	/* a kernel thread */

#define MLK_HIDDEN __attribute__((visibility("hidden")))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Set errno from a 0/-errno result and pass it through (libbpf_err idea). */
static inline int mlk_err(int ret)
{
	if (ret < 0)
		errno = -ret;
	return ret;
}

static inline uint64_t mlk_now_ns(void)	/* CLOCK_MONOTONIC */
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A job-control stop signal (the ones that group-stop a process). */
static inline bool mlk_is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* log.c */
MLK_HIDDEN void mlk_log(enum memlock_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define pr_err(...) mlk_log(MEMLOCK_LOG_ERR, __VA_ARGS__)
#define pr_warn(...) mlk_log(MEMLOCK_LOG_WARN, __VA_ARGS__)
#define pr_info(...) mlk_log(MEMLOCK_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) mlk_log(MEMLOCK_LOG_DEBUG, __VA_ARGS__)

/* procfs.c: paths, whole-file reads and bounded line parsing */
MLK_HIDDEN int mlk_proc_path(char *buf, size_t sz, const char *root, pid_t pid,
			     const char *file);
MLK_HIDDEN int mlk_read_file(const char *path, char **buf, size_t *len);
/* @pid, or when its leader has exited (pthread_exit) while other threads run
 * on, one of those: the task whose /proc files show the process's memory. */
MLK_HIDDEN pid_t mlk_live_tid(const char *root, pid_t pid);
MLK_HIDDEN int mlk_read_proc(const char *root, pid_t pid, const char *file,
			     char **buf, size_t *len);
/* Split [*p, end) at the next newline; 1 with a line, 0 at the end. */
MLK_HIDDEN int mlk_next_line(const char **p, const char *end, const char **line,
			     size_t *len);
/* Match "key:" at the start of a line; returns the value start or NULL. */
MLK_HIDDEN const char *mlk_field(const char *line, size_t len, const char *key);
MLK_HIDDEN int mlk_parse_u64(const char **s, const char *end, int base, uint64_t *v);
MLK_HIDDEN int mlk_parse_kb(const char *s, const char *end, uint64_t *bytes);
MLK_HIDDEN uint64_t mlk_mul_sat(uint64_t a, uint64_t b);

/* Buffer parsers behind the public readers (fuzzed in tests/fuzz). */
MLK_HIDDEN int mlk_parse_status(const char *buf, size_t len, struct memlock_status *st);
MLK_HIDDEN int mlk_parse_limits(const char *buf, size_t len, struct memlock_limits *lim);
MLK_HIDDEN int mlk_parse_meminfo(const char *buf, size_t len, struct memlock_meminfo *mi);
MLK_HIDDEN int mlk_parse_vmstat(const char *buf, size_t len, struct memlock_vmstat *vs);
MLK_HIDDEN int mlk_parse_swaps(const char *buf, size_t len, struct memlock_swap *sw,
			       size_t max);
MLK_HIDDEN struct memlock_maps *mlk_maps_from_file(FILE *f);
MLK_HIDDEN unsigned int mlk_parse_vmflags(const char *s, const char *end);

/* context.c: where a process runs */
struct mlk_context {
	enum memlock_context kind;
	bool user_unit;		/* a systemd --user service */
	char unit[128];
};
MLK_HIDDEN void mlk_parse_cgroup(const char *buf, size_t len, struct mlk_context *ctx);
MLK_HIDDEN int mlk_userns_is_init(const char *root, pid_t pid);

/* predict.c: everything the predictor needs to know about a process */
struct mlk_vma {
	uint64_t start, end;
	unsigned int vmflags;
	bool readable_or_writable_or_exec;	/* not PROT_NONE */
};

/* Who the fixes are for: a running process, the caller itself (check
 * without a PID), or a program memlock_execvp_locked() is about to run. */
enum mlk_purpose { MLK_FOR_PID, MLK_FOR_SELF, MLK_FOR_EXEC };

struct mlk_facts {
	pid_t pid;
	enum mlk_purpose purpose;
	uint64_t page_size;
	struct memlock_limits lim;
	uint64_t vm_size, vm_lck;
	bool has_cap, in_child_userns;
	unsigned int threads;
	uid_t uid;
	struct mlk_context ctx;
	const struct mlk_vma *vmas;	/* sorted; only for range requests */
	size_t n_vmas;
	bool have_vmas;
};
/* What the predictor and the limit setter know of process @pid (0: self);
 * with @range, the VMAs of [start, end) too. Free with mlk_facts_free(). */
MLK_HIDDEN int mlk_facts_read(const char *root, pid_t pid, bool range, uint64_t start,
			      uint64_t end, struct mlk_facts *f);
MLK_HIDDEN void mlk_facts_free(struct mlk_facts *f);
MLK_HIDDEN void mlk_predict_facts(const struct mlk_facts *f, const struct memlock_request *req,
				  struct memlock_verdict *v);
/* memlock_predict() for the program memlock_execvp_locked() runs: @pid at its
 * exec stop, or 0 before the exec (the caller's facts); the fixes name
 * `memlock run --limit` instead of the short-lived process. */
MLK_HIDDEN int mlk_predict_exec(pid_t pid, const struct memlock_request *req,
				struct memlock_verdict *v);

/* fix.c: the reason's wording and the fixes for a context */
MLK_HIDDEN void mlk_add_fix(struct memlock_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
MLK_HIDDEN void mlk_add_note(struct memlock_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A limit as memlock limit takes it back: bytes, or "unlimited". */
MLK_HIDDEN const char *mlk_limit_arg(uint64_t v, char *buf, size_t sz);
/* Where to raise the limit to @want bytes, for the process's context. */
MLK_HIDDEN void mlk_limit_fixes(const struct mlk_facts *f, struct memlock_verdict *v,
				uint64_t want);
MLK_HIDDEN void mlk_suggest_fixes(const struct mlk_facts *f, const struct memlock_request *req,
				  struct memlock_verdict *v);
MLK_HIDDEN const char *mlk_size_str(uint64_t bytes, char *buf, size_t sz);
/* A human size as a temporary string, valid to the end of the full expression. */
#define MLK_SZ(x) mlk_size_str((x), (char[32]){ 0 }, 32)

#endif /* MEMLOCK_INTERNAL_H */
