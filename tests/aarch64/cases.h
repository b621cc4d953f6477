/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The check-aarch64 cases, one function each: it starts its victim, injects
 * through memlock's public API, and adds a failure to @r for anything wrong.
 */
#ifndef AARCH64_CASES_H
#define AARCH64_CASES_H

#include "harness.h"

/* cases-restart.c: a thread blocked in a syscall continues as if untouched */
void case_nanosleep(struct result *r);
void case_pipe_read(struct result *r);
void case_sigsuspend(struct result *r);
void case_read_eintr(struct result *r);
/* cases-regs.c: a running thread keeps its registers */
void case_threads(struct result *r);
void case_sve(struct result *r);
/* cases-lock.c: the lock calls themselves */
void case_chunked(struct result *r);
void case_unlock(struct result *r);

#endif
