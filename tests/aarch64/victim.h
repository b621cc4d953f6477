/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the check-aarch64 victims share. A victim is started by the driver
 * with fd 3 the read end of its control pipe (EOF: stop; for the read
 * victims, the data) and fd 4 the write end of a ready pipe (one byte once
 * it is set up). It checks itself, says what went wrong on stderr as TAP
 * diagnostics ("# victim-NAME: ..."), and exits 0 only if nothing did.
 */
#ifndef AARCH64_VICTIM_H
#define AARCH64_VICTIM_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define CTL_FD 3
#define READY_FD 4

static const char *victim_name = "victim";

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "# %s: %s\n", victim_name, buf);
}

static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Tell the driver the victim is set up. */
static inline void ready(void)
{
	char c = 'r';

	if (write(READY_FD, &c, 1) != 1)
		say("cannot write to the ready pipe: %m");
	close(READY_FD);
}

/* Make the control pipe non-blocking, for stop_asked(). */
static inline void ctl_nonblock(void)
{
	fcntl(CTL_FD, F_SETFL, fcntl(CTL_FD, F_GETFL) | O_NONBLOCK);
}

/* Non-blocking: the driver closed the control pipe (or wrote to it). */
static inline int stop_asked(void)
{
	char c;
	ssize_t n = read(CTL_FD, &c, 1);

	return n >= 0 || errno != EAGAIN;
}

#endif
