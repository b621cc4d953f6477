/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memlock.h - keep memory in RAM on Linux: lock your own pages, read the
 * kernel's lock and swap state, predict by the kernel's own rules whether a
 * lock will succeed, lock other processes and programs. libmemlock 1.1.
 *
 * Conventions (every function):
 *  - 0 (or a count >= 0) on success, -errno on failure, with errno set too;
 *    functions returning a pointer return NULL with errno set.
 *  - the library never prints and never exits; diagnostics go to the
 *    callback given to memlock_set_log(), silent by default.
 *  - every /proc reader takes @root, a directory that contains "proc/"
 *    (NULL or "/" for the live system), so captured trees can be parsed.
 *  - sizes are bytes (uint64_t); MEMLOCK_UNLIMITED stands for RLIM_INFINITY.
 *
 * The API by topic, one header each (man 3 memlock_<topic>):
 *   memlock/common.h   version, log, flags
 *   memlock/predict.h  the predictor: requests, verdicts, causes, fixes
 *   memlock/self.h     the caller's own memory
 *   memlock/proc.h     /proc readers
 *   memlock/limit.h    RLIMIT_MEMLOCK of a process
 *   memlock/target.h   other processes, by ptrace syscall injection
 *   memlock/exec.h     programs locked from their first instruction
 *   memlock/files.h    file pages: residency, walks of file trees
 *   memlock/needs.h    what a program needs in RAM: its libraries, a process's files
 *   memlock/rt.h       real-time preparation: lock, heap reserve, stacks, fault counts
 *   memlock/select.h   choosing processes: by PID, comm=, exe=, user=, cgroup=, unit=, tree=
 *   memlock/metrics.h  lock and swap state in the Prometheus text format
 *   memlock/secret.h   a heap for secrets: locked, out of core dumps, wiped in fork children
 */
#ifndef MEMLOCK_H
#define MEMLOCK_H

#include <memlock/common.h>
#include <memlock/predict.h>
#include <memlock/self.h>
#include <memlock/proc.h>
#include <memlock/limit.h>
#include <memlock/target.h>
#include <memlock/exec.h>
#include <memlock/files.h>
#include <memlock/needs.h>
#include <memlock/rt.h>
#include <memlock/select.h>
#include <memlock/metrics.h>
#include <memlock/secret.h>

#endif /* MEMLOCK_H */
