/* SPDX-License-Identifier: GPL-2.0-or-later */
/* memlock files: the parts of cmd-files.c in files of their own. */
#ifndef MEMLOCK_CLI_FILES_H
#define MEMLOCK_CLI_FILES_H

#include <limits.h>

#include "memlock.h"

struct output;
struct follow;

struct files_lock_opts {
	uint64_t budget;	/* 0: the default (RLIMIT_MEMLOCK, or none with CAP_IPC_LOCK) */
	uint64_t rate;		/* bytes per second, 0: no limit */
	uint64_t max_maps;	/* mappings per holder process, 0: the default */
	bool strict;		/* a file not locked in full: hold nothing, fail */
	bool verbose;		/* say every file not locked in full, and every skip */
	const char *socket;	/* the control socket's path, NULL: the default */
	const char *pidfile;	/* --pidfile */
	bool daemon;		/* --daemon */
};

/* files-pipe.c: walk @paths and hand each entry to @fn, in the walk's order,
 * from the calling thread; a regular file's fd is open during the call and
 * closed after it. With @threads, the walk runs in a second thread. 0 or
 * the walk's -errno. */
typedef void (*walked_fn)(void *arg, const struct memlock_file *f);
int files_walk_piped(char **paths, size_t n, const struct memlock_walk_opts *wo, bool threads,
		     walked_fn fn, void *arg);

/* Close @n descriptors, adjacent ones with one close_range(2) (files-pipe.c). */
void fds_close(int *fds, size_t n);

/* files-lock.c: lock @paths and hold them until SIGINT/SIGTERM; the exit status */
int files_lock(char **paths, int n, const struct memlock_walk_opts *wo,
	       const struct files_lock_opts *o);

/* files-follow.c: what a holder does while it holds */
/* A file a holder follows (files-table.c): 16 bytes; what the library
 * keeps of a held one (device, inode, size, locked bytes) is asked of it
 * (entry_held(), entry_facts()), never copied here. */
struct held_entry {
	uint32_t id;		/* the library's id; 0: not held (gone, or it did not fit) */
	uint32_t dir, name;	/* its directory's index; its name in the arena (removed:
				 * the next free entry) */
	int16_t err;		/* the last error (errno), 0 */
	uint16_t state : 3;	/* enum memlock_hold_state of the last lock */
	uint16_t why : 4;	/* enum memlock_hold_why of the last lock */
	uint16_t seen : 1;	/* seen by the last walk (or locked since) */
	uint16_t dirty : 1;	/* an event named it in this batch */
	uint16_t dead : 1;	/* removed: its place is free */
};
_Static_assert(sizeof(struct held_entry) == 16, "a million entries: 16 MB");

struct follow_table {
	struct held_entry *ent;
	size_t nent, ent_cap, live;
	uint32_t free_head;	/* the first removed entry, UINT32_MAX */
	uint32_t *slots;	/* the index by path: entry numbers, UINT32_MAX empty */
	size_t nslots;
	char *names;		/* "name\0" after "name\0" */
	size_t names_len, names_cap, names_dead;
	char **dirs;		/* each with its trailing slash ("" for none) */
	uint32_t ndirs;
	size_t dirs_cap;
	uint32_t *dir_slots;	/* the index of @dirs */
	size_t dir_slots_n;
};

#define ENTRY_PATH_MAX (2 * PATH_MAX)
void table_init(struct follow_table *t);
void table_free(struct follow_table *t);
struct held_entry *table_find(struct follow_table *t, const char *path);
/* A new entry for @path (not in the table), zeroed but for its path; NULL
 * with errno ENOMEM, or E2BIG past 4 billion files. */
struct held_entry *table_add(struct follow_table *t, const char *path);
void table_remove(struct follow_table *t, struct held_entry *e);
/* @e's path, built in @buf (ENTRY_PATH_MAX bytes). */
const char *entry_path(const struct follow_table *t, const struct held_entry *e, char *buf);
/* strcmp(3) of two entries' paths */
int table_cmp(const struct follow_table *t, const struct held_entry *a, const struct held_entry *b);
/* What the library holds of @e now (0), or -ENOENT when it holds nothing. */
int entry_held(const struct follow *fw, const struct held_entry *e, struct memlock_hold_result *r);
/* What a status says of @e's file: held (true, the library's record in
 * @r), its size when it was locked and its locked bytes; its data bytes
 * (holes left out): the locked bytes when it is locked in full, otherwise
 * read from the file as it is now, as is the size of a file not held (0
 * when it is gone). */
bool entry_facts(const struct follow *fw, const struct held_entry *e, uint64_t *size,
		 uint64_t *data, uint64_t *locked, struct memlock_hold_result *r);

/* What a follow says, one line each (no newline): what it did (INFO: the
 * CLI's stdout), what went wrong (WARN: "memlock: MSG" on stderr) and a
 * hint after a warning. */
enum follow_level { FOLLOW_INFO, FOLLOW_WARN, FOLLOW_HINT };
typedef void (*follow_log_fn)(void *arg, enum follow_level level, const char *msg);
/* Whether @path, a new name in a watched directory that no walk entered,
 * is to be locked (a glob's match). */
typedef bool (*follow_adopt_fn)(void *arg, const char *path);

/* What the caller of a follow plugs in; NULL members: the CLI's ways
 * (follow_log_stdio(), no adoption but in walked directories). */
struct follow_hooks {
	follow_log_fn log;
	follow_adopt_fn adopt;
	void *arg;
};

/* One follow per set of paths (a memlock files --lock, a memlockd file
 * rule); several live in one process, each driven by its caller's event
 * loop: poll follow_fd(), call follow_events() when it is readable and
 * follow_run_batch() when follow_timeout_ms() says 0. No global state. */
struct follow {
	struct memlock_holder *h;
	struct follow_table t;	/* what it follows, by path */
	struct follow_hooks hooks;
	char **dirs;		/* by watch descriptor */
	int ndirs;
	char *last_dir;		/* the directory watched last */
	int ifd;		/* inotify */
	bool watch_full;	/* fs.inotify.max_user_watches reached (said once) */
	uint32_t *batch;	/* the entries an event named (indexes in t.ent) */
	size_t nbatch, batch_cap;
	uint64_t first_ns, last_ns;	/* the batch's first and last event (CLOCK_MONOTONIC) */
	char **ops;		/* the paths given (and added), walked again on SIGHUP */
	size_t nops;
	struct memlock_walk_opts wo;
	unsigned char *walked;	/* by watch descriptor: a directory of a walk, whose
				 * new files are locked (files-adopt.c) */
	char **new_paths;	/* new names in walked directories, this batch */
	size_t nnew, new_cap;
	void *new_seen;		/* tsearch(3) of new_paths: each name once */
	bool overflow;		/* inotify lost events (or memory ran out): walk again */
};

/* A follow of @paths (absolute) for holder @h; NULL with errno (ENOMEM). */
struct follow *follow_new(struct memlock_holder *h, char **paths, int n,
			  const struct memlock_walk_opts *wo, const struct follow_hooks *hooks);
/* The CLI's logger: INFO on stdout (flushed), WARN and HINT on stderr. */
void follow_log_stdio(void *arg, enum follow_level level, const char *msg);
/* Say @fmt through @fw's logger. */
void follow_say(const struct follow *fw, enum follow_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int follow_add_operand(struct follow *fw, const char *path);	/* 0, -ENOMEM */
/* The paths follow_reload() walks from now on: @paths (@n of them, each
 * allocated, and the array), taken over; the old ones freed. */
void follow_set_operands(struct follow *fw, char **paths, size_t n);
struct held_entry *follow_lookup(struct follow *fw, const char *path);
/* Remember @path, held as @r says (r->id 0: not held), and watch its
 * directory; 0, or -ENAMETOOLONG, -ENOMEM (not followed). */
int follow_track(struct follow *fw, const char *path, const struct memlock_hold_result *r);
/* Walk the paths again: keep what is unchanged, lock what changed, release
 * what is gone; says "reloaded: ..." (0), or -errno when it cannot walk. */
int follow_reload(struct follow *fw);
/* The inotify descriptor to poll for POLLIN; -1: none (nothing followed). */
int follow_fd(const struct follow *fw);
/* Read the events that are ready into the batch: 1 when some were lost (the
 * queue overflowed, or memory ran out): run the batch, then follow_reload()
 * or the caller's own walk again; 0 otherwise. */
int follow_events(struct follow *fw);
/* Milliseconds until the batch is due (100 after its last event, at most
 * 1000 after its first): -1 when none waits, 0 when due. */
int follow_timeout_ms(const struct follow *fw);
/* Take the batch: lock again what was replaced, grew or shrank, release
 * what was deleted, adopt the new names. */
void follow_run_batch(struct follow *fw);
void follow_free(struct follow *fw);
/* Watch directory @dir (@walked: one of a walk, its new files to be locked);
 * <0 when it cannot be watched. */
int follow_watch_dir(struct follow *fw, const char *dir, bool walked);

/* files-adopt.c: new files in the directories of a walk */
/* Watch every directory a walk of @path enters (with -R). */
void follow_watch_operand(struct follow *fw, const char *path);
/* @path is new in a walked directory: lock it with the batch, as the walk
 * would (memory short: the batch is lost, fw->overflow set). */
void follow_adopt_later(struct follow *fw, const char *path);
void follow_adopt_batch(struct follow *fw);

/* files-control.c: the control socket of a holder, and its clients */
enum { CTL_STATUS = 1, CTL_ADD, CTL_REMOVE };
/* The wire: a request is one message, struct ctl_req and a path's bytes;
 * the answer a message per file, struct ctl_rec and its path, then REC_END. */
struct ctl_req {
	uint32_t op;		/* CTL_STATUS, CTL_ADD, CTL_REMOVE */
};

enum { REC_FILE = 1, REC_END };

struct ctl_rec {
	uint32_t kind;
	int32_t err;		/* REC_END: 0 or an errno; REC_FILE: the last error */
	uint64_t size, data, locked;	/* REC_END: files, 0, bytes */
	uint32_t state, why;
};

/* The listening socket of a holder (the CLI's, not the follow's). */
struct control {
	int fd;			/* -1: none */
	char *path;
};
/* Listen on @path (NULL: the default for this process); prints where. */
int control_listen(struct control *c, const char *path);
/* Answer one client of @c about @fw (called when the socket is readable). */
void control_serve(const struct control *c, struct follow *fw);
void control_close(struct control *c);
/* memlock files --status/--add/--remove: the exit status */
int control_client(const char *socket_path, int op, const char *arg, struct output *out);
/* The table of --status, with out's options. */
int control_status_init(struct output *out);
/* The default socket path of holder @pid. */
char *control_default_path(pid_t pid);

/* files-daemon.c: --daemon, --pidfile, the systemd notify protocol */
/* Fork: the parent exits with the status daemon_ready() sends; the child
 * gets the pipe to send it on. */
int daemon_start(void);
void daemon_ready(int fd, int status);
int pidfile_write(const char *path);
void pidfile_remove(void);
/* A message to $NOTIFY_SOCKET, if there is one ("READY=1\nSTATUS=..."). */
void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* STATUS= with what @h holds, after @state ("READY=1\n", or NULL). */
void notify_status(struct memlock_holder *h, const char *state);

#endif /* MEMLOCK_CLI_FILES_H */