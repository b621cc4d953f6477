/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memlock status: the repeated samples of --interval (status-interval.c). */
#ifndef MEMLOCK_STATUS_H
#define MEMLOCK_STATUS_H

#include <inttypes.h>

#include "cli.h"
#include "output.h"

/* --interval SECONDS (0.01 to 86400) in ns, --count N; exit on a bad value */
uint64_t interval_parse(const char *arg);
unsigned long interval_count_parse(const char *arg);
/* @sample(@arg) every @ns, @count times (0: until ^C); returns the last
 * sample's exit status, or 0 after ^C. */
int status_interval(uint64_t ns, unsigned long count, bool json, int (*sample)(void *),
		    void *arg);
/* In a sample of status_interval(): the change of @pid's locked and swap
 * bytes since the sample before into columns @id_locked and @id_swap
 * (left empty for a process that sample did not have); nothing outside. */
void interval_delta(struct output *out, struct libscols_line *ln, pid_t pid, uint64_t locked,
		    uint64_t swap, int id_locked, int id_swap);

#endif /* MEMLOCK_STATUS_H */
