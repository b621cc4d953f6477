/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memlock/select.h - choosing processes: by PID, comm=, exe=, user=, cgroup=, unit=, tree=. Include <memlock.h>. */
#ifndef MEMLOCK_SELECT_H
#define MEMLOCK_SELECT_H

#include <memlock/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A selector is a set of terms, each KEY=VALUE (or a bare PID):
 *
 *   PID, pid=PID      that process
 *   comm=NAME         /proc/PID/comm is NAME (a glob when NAME has * ? [;
 *                     a NAME of 16 bytes or more never matches a comm,
 *                     which the kernel cuts to 15, and is refused)
 *   exe=PATH          /proc/PID/exe is PATH (symlinks of PATH resolved when
 *                     the selector is made; a running binary replaced on
 *                     disk, "PATH (deleted)", still matches PATH)
 *   user=NAME|UID     the effective user, as ps -u and pgrep -u
 *   cgroup=PATH       the cgroup-v2 path of /proc/PID/cgroup ("0::" line;
 *                     without one, any v1 hierarchy's) is PATH or below it,
 *                     compared by whole path components
 *   unit=NAME         the process runs in the systemd unit NAME or in a
 *                     unit nested in it: a component of its cgroup path
 *                     (as for cgroup=) is NAME, so a scope inside a
 *                     service is in both, a slice holds all below it
 *                     (NAME without a unit suffix - .service, .scope,
 *                     .slice, .socket, .mount, .swap, ... - means
 *                     NAME.service, as for systemctl)
 *   tree=PID          PID and all its descendants (by PPid, read when
 *                     matched, so a worker forked later matches too; a
 *                     parent that exited ends the chain)
 *
 * Terms with the same key are alternatives, terms with different keys must
 * all hold (as pgrep's options): "comm=a comm=b user=redis" is (a or b)
 * and redis. An empty selector matches every process; a term given twice
 * is kept once. user= names and exe= paths are resolved on the live system
 * when the term is added, whatever root a match reads.
 */
struct memlock_selector;

/**
 * memlock_selector_new() - an empty selector (it matches every process).
 * Return: a selector, or NULL with errno ENOMEM.
 */
MEMLOCK_API struct memlock_selector *memlock_selector_new(void);

/** memlock_selector_free() - free a selector (NULL is allowed). */
MEMLOCK_API void memlock_selector_free(struct memlock_selector *s);

/**
 * memlock_selector_add() - add a term.
 * @term: "KEY=VALUE" or a bare PID (see above).
 * @why: if not NULL, on -EINVAL set to a static sentence saying what is
 *       wrong ("unknown key (pid, comm, ...)", "a PID is a positive
 *       number", "no such user", ...; man 3 memlock_select lists them),
 *       for the caller to put after the term.
 * Return: 0, -EINVAL (a bad term; the selector is unchanged), -ENOMEM.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_selector_add(struct memlock_selector *s,
							const char *term, const char **why);

/**
 * memlock_selector_match() - whether the process @pid matches @s now.
 * @root: the directory that holds "proc/" (NULL or "/" for the live system).
 * Reads /proc/PID/status, and /proc/PID/cgroup or exe only when a term
 * needs them and every other key holds; never attaches to the process.
 * Return: 1 (matches), 0 (does not), -ENOENT (no such process), -ESRCH (it
 * exited while being read), -EACCES (a term needs a file the caller may
 * not read, e.g. exe= of another user's process without CAP_SYS_PTRACE;
 * only when the answer depends on it), -EBADMSG (not a status file),
 * -EINVAL (@s NULL, @pid not positive), -ENOMEM.
 */
MEMLOCK_API MEMLOCK_MUST_CHECK int memlock_selector_match(const struct memlock_selector *s,
							  const char *root, pid_t pid);

/**
 * memlock_selector_str() - the selector as text, terms in a canonical order
 * separated by spaces ("comm=redis-server user=redis"), as it can be given
 * back to memlock_selector_add() term by term; "" for an empty selector.
 * The order is pid, comm, user, tree, cgroup, unit, exe, and within a key
 * the order the terms were added; values in their canonical form
 * ("pid=12", "unit=redis.service", exe= with its links resolved). A value
 * holding a space reads as two terms: the text is for people.
 * Return: a string owned by @s, valid until the next call that changes @s.
 */
MEMLOCK_API const char *memlock_selector_str(const struct memlock_selector *s);

#ifdef __cplusplus
}
#endif
#endif /* MEMLOCK_SELECT_H */
