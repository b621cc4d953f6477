/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/common.h - conventions, version, log and flags shared by every part of the API. Include <memlock.h>. */
#ifndef MEMLOCK_COMMON_H
#define MEMLOCK_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MEMLOCK_API
#define MEMLOCK_API __attribute__((visibility("default")))
#endif
#define MEMLOCK_MUST_CHECK __attribute__((warn_unused_result))

#define MEMLOCK_VERSION_MAJOR 1
#define MEMLOCK_VERSION_MINOR 1
#define MEMLOCK_UNLIMITED UINT64_MAX

/**
 * memlock_version() - the library's version string, e.g. "0.1.0".
 * Return: a static string.
 */
MEMLOCK_API const char *memlock_version(void);

enum memlock_log_level {
	MEMLOCK_LOG_ERR = 0,
	MEMLOCK_LOG_WARN,
	MEMLOCK_LOG_INFO,
	MEMLOCK_LOG_DEBUG,
};

typedef void (*memlock_log_fn)(enum memlock_log_level level, const char *msg,
			       void *userdata);

/**
 * memlock_set_log() - route the library's diagnostics to @fn.
 * @fn: callback, or NULL to silence the library (the default).
 * @max_level: messages above this level are dropped.
 * @userdata: passed back to @fn.
 *
 * errno is preserved across the callback.
 */
MEMLOCK_API void memlock_set_log(memlock_log_fn fn, enum memlock_log_level max_level,
				 void *userdata);

/*
 * Structs that can grow. Every struct passed to or filled by the library
 * starts with its size, @sz, which the caller sets to sizeof() the struct
 * it was compiled with; a later version appends members and tells the
 * callers' versions apart by it (libbpf's opts; the kernel's
 * copy_struct_from_user() for clone3/openat2).
 *
 * - A struct the library fills (struct memlock_status, ...): an @sz below
 *   the struct's 1.0 size, 0 included, is -EINVAL; the library fills the
 *   smaller of @sz and its own size, leaves @sz as it is, and zeroes the
 *   bytes past its own size (members it does not know read as 0).
 * - A struct the caller gives (options, struct memlock_limits to
 *   memlock_limit_set(), struct memlock_rescue): an @sz below the 1.0 size
 *   is -EINVAL; members past the caller's @sz are taken as 0; a struct
 *   bigger than the library's is accepted only if every byte past the
 *   library's size is zero, else -E2BIG (as the kernel's clone3 and openat2
 *   answer: a member this version does not know was set, and ignoring it
 *   would do something else than asked).
 *
 * MEMLOCK_OPTS(type, name, ...) declares options @name of struct @type,
 * zero-filled (padding too, which a later version may read as members),
 * with @sz set, and the members given as designated initializers:
 *
 *	MEMLOCK_OPTS(memlock_exec_opts, opts, .flags = MEMLOCK_F_CURRENT);
 *
 * It needs a GNU C compiler (gcc, clang). C++ has no such initializers:
 * there, zero the struct and set @sz to sizeof by hand.
 */
#define MEMLOCK_OPTS(type, name, ...)						\
	struct type name = ({							\
		__builtin_memset(&(name), 0, sizeof(struct type));		\
		(struct type){ .sz = sizeof(struct type), __VA_ARGS__ };	\
	})

/*
 * One flag space for every call that takes flags; each call names the ones
 * it accepts and refuses any other bit with -EINVAL, so a flag of the wrong
 * call never works silently. (struct memlock_request alone takes the raw
 * kernel flags of the call it describes: predicting a call means predicting
 * its exact bits, unknown ones included.)
 */
#define MEMLOCK_F_CURRENT	(1u << 0)	/* lock what is mapped now (MCL_CURRENT) */
#define MEMLOCK_F_FUTURE	(1u << 1)	/* and what is mapped later (MCL_FUTURE) */
#define MEMLOCK_F_ONFAULT	(1u << 2)	/* lock pages as they fault in (MCL_ONFAULT,
						 * MLOCK_ONFAULT) */
#define MEMLOCK_F_BEST_EFFORT	(1u << 3)	/* allow a documented downgrade (memlock_self_*),
						 * or run unlocked (memlock_exec_locked()) */
#define MEMLOCK_F_FORCE		(1u << 4)	/* memlock_target_open(): go ahead despite
						 * a seccomp filter */
#define MEMLOCK_F_NO_EINTR	(1u << 5)	/* memlock_target_open(): refuse rather than
						 * risk an EINTR */
#define MEMLOCK_F_MINCORE	(1u << 6)	/* memlock_file_residency(): mincore(2) even
						 * where cachestat(2) works */
#define MEMLOCK_F_SPREAD	(1u << 7)	/* memlock_holder_open(): past the map count,
						 * hold in helper processes */
#define MEMLOCK_F_EXACT		(1u << 8)	/* memlock_size_str(): no rounding */

/**
 * memlock_size_str() - a size for people, as the library's sentences write
 * it: "8 MiB", "1.5 GiB", "4095 B" (a small size that is not a whole unit
 * stays in bytes), "unlimited" for MEMLOCK_UNLIMITED.
 * @flags: 0, or MEMLOCK_F_EXACT: never rounded ("1025 KiB", not "1.0 MiB").
 * @buf: @sz bytes (32 are always enough).
 * Return: @buf, or NULL for a NULL or empty @buf.
 */
MEMLOCK_API const char *memlock_size_str(uint64_t bytes, unsigned int flags, char *buf,
					 size_t sz);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_COMMON_H */
