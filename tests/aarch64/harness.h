/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The check-aarch64 driver's plumbing: victims started and waited for with
 * timeouts, /proc readings, a case's failure messages, and the injections
 * every case makes through memlock's public API (include/memlock.h).
 */
#ifndef AARCH64_HARNESS_H
#define AARCH64_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "memlock.h"

#define MSG_MAX 8

/* The outcome of one case: passed when no failure was added. */
struct result {
	int n, n_note;
	char msg[MSG_MAX][240];
	char note[MSG_MAX][240];	/* what was measured, pass or fail */
	const char *skip;	/* the reason, for "# SKIP" */
};

void fail(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void note(struct result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A victim program: fd 3 the read end of ctl, fd 4 its ready pipe. */
struct victim {
	const char *name;
	pid_t pid;
	int ctl;		/* write end of the control pipe, -1 once closed */
	bool reaped;
	int status;		/* wait status, once reaped */
};

extern const char *victim_dir;	/* where the victim binaries are */

/* Start @name with up to two arguments and wait (20 s) for its ready byte. */
bool victim_start(struct result *r, struct victim *v, const char *name, const char *arg1,
		  const char *arg2);
/* Still running (not exited, not killed)? Says so in @r when not. */
bool victim_alive(struct result *r, struct victim *v);
/* Close the control pipe (EOF: the victim stops) and wait for its exit;
 * a victim that does not exit in @timeout_ms is killed. Exit 0 passes. */
bool victim_finish(struct result *r, struct victim *v, int timeout_ms);
/* Wait up to @timeout_ms for the exit, without closing the pipe: true once
 * it exited (status in @v->status). */
bool victim_wait(struct victim *v, int timeout_ms);
/* Kill and reap, whatever state it is in (cleanup). */
void victim_kill(struct victim *v);

/* Wait until thread @tid is blocked in syscall @nr (/proc/TID/syscall). */
bool wait_in_syscall(struct result *r, pid_t tid, long nr, int timeout_ms);
/* A number field of /proc/PID/status ("TracerPid", "VmLck" in kB), or -1. */
long status_field(pid_t pid, const char *field);
/* VmLck of @pid in bytes, through the library's reader; UINT64_MAX on error. */
uint64_t vmlck(pid_t pid);
void sleep_ms(int ms);

/* memlock_target_open(), its refusal in @r. */
struct memlock_target *target_open(struct result *r, pid_t pid);
/* mlockall(MCL_CURRENT|MCL_FUTURE) in @t (chunked when @max_pause_ns):
 * the injection and the call must work, and VmLck grow. */
bool lock_all(struct result *r, struct memlock_target *t, uint64_t max_pause_ns);
/* getpid() injected: it must work and answer the process's ID. */
bool inject_getpid(struct result *r, struct memlock_target *t);
/* munlockall() injected: it must work and VmLck drop to 0. */
bool unlock_all(struct result *r, struct memlock_target *t);

#endif
