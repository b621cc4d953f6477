// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What every program of the CLI shares (memlock and memlockd): the version,
 * option errors, "memlock: what: why" and "hint:" lines, the hints for a
 * process or a /proc file that could not be read, the library's log.
 */
#include <getopt.h>
#include <stdarg.h>
#include <unistd.h>

#include "cli.h"

const char *proc_root;

void print_version(void)
{
	printf("%s %s (libmemlock %s)\n", program_invocation_short_name, MEMLOCK_VERSION_STRING,
	       memlock_version());
	exit(close_stdout_rc(EXIT_SUCCESS));
}

void errtryhelp(const char *cmd)
{
	fprintf(stderr, "Try '%s %s%s--help' for more information.\n",
		program_invocation_short_name, cmd ? cmd : "", cmd ? " " : "");
	exit(EXIT_FAILURE);
}

/* the long option in @arg ("--name" or "--name=value") that has @val */
static bool is_long_opt(const char *arg, int val, const struct option *longopts)
{
	size_t n = strcspn(arg + 2, "=");

	for (; longopts && longopts->name; longopts++)
		if (longopts->val == val && strncmp(longopts->name, arg + 2, n) == 0)
			return true;
	return false;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	const char *arg;
	char opt[2];
	int c;

	opterr = 0;	/* glibc would echo the whole argument, raw */
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c != '?')
		return c;
	/* glibc: optopt is 0 for an unknown or ambiguous long option, the
	 * option's val for a long one with a missing or extra argument, the
	 * letter for a short one */
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	opt[0] = (char)optopt;
	opt[1] = '\0';
	if (optopt == 0)
		warnx("unrecognized or ambiguous option '%s'", user_str(arg));
	else if (strncmp(arg, "--", 2) == 0 && is_long_opt(arg, optopt, longopts))
		warnx(strchr(arg, '=') ? "option '%s' doesn't allow an argument"
				       : "option '%s' requires an argument",
		      user_str(arg));
	else if (strchr(shortopts, optopt) && optopt != '+' && optopt != ':')
		warnx("option requires an argument -- '%s'", user_str(opt));
	else
		warnx("invalid option -- '%s'", user_str(opt));
	return '?';
}

void warn_rc(int rc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(rc < 0 ? -rc : rc));
}

void hint(const char *fmt, ...)
{
	va_list ap;

	fputs("hint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int close_stdout_rc(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			warn("write error");
		return EXIT_FAILURE;
	}
	return rc;
}

void hint_read_error(const char *file, int rc)
{
	if (rc == -ENOENT && proc_root)
		hint("--proc-root %s has no proc/%s: give the directory that holds proc/",
		     user_str(proc_root), file);
	else if (rc == -ENOENT)
		hint("/proc/%s is missing: is /proc mounted? (mount -t proc proc /proc)", file);
	else if (rc == -EBADMSG)
		hint("%s%sproc/%s is not in the kernel's format (cut short or garbled)",
		     proc_root ? user_str(proc_root) : "/", proc_root ? "/" : "", file);
	else if (rc == -EACCES || rc == -EPERM)
		hint("run memlock as root to read %sproc/%s", proc_root ? "the captured " : "/",
		     file);
}

/* capability(7) names, by bit */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define CAP_SYS_PTRACE_BIT 19

/*
 * Why a process of memlock's own user could not be read: the kernel's
 * ptrace access check (which guards smaps, limits of others, attach) also
 * wants every capability the process holds (CapPrm) among the caller's
 * (cap_ptrace_access_check()), unless the caller has CAP_SYS_PTRACE.
 */
static void hint_caps(pid_t pid, const struct memlock_status *st,
		      const struct memlock_status *self)
{
	uint64_t missing = st->cap_prm & ~self->cap_eff;
	char names[512] = "";
	size_t i, len = 0;

	for (i = 0; i < 64 && len < sizeof(names); i++) {
		if (!(missing & (1ull << i)))
			continue;
		if (i < ARRAY_SIZE(cap_names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						len ? ", " : "", cap_names[i]);
		else
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%scapability %zu",
						len ? ", " : "", i);
	}
	hint("process %d has memlock's user ID (%u) but holds %s that memlock lacks: %s; the "
	     "kernel lets a process read another's memory maps only when it holds every "
	     "capability the other holds, or CAP_SYS_PTRACE: run memlock with them",
	     (int)pid, (unsigned int)self->euid,
	     missing & (missing - 1) ? "capabilities" : "a capability", names);
	if (self->cap_eff & (1ull << CAP_SYS_PTRACE_BIT))
		hint("memlock has CAP_SYS_PTRACE, which is enough by those rules: a security "
		     "module (Landlock, AppArmor, SELinux, a BPF LSM) may be refusing as well");
}

void hint_pid_error(pid_t pid, int rc)
{
	struct memlock_status st = { .sz = sizeof(st) }, self = { .sz = sizeof(self) };

	if ((rc == -ESRCH || rc == -ENOENT) &&
	    memlock_proc_read_status(proc_root, pid, &st) == 0 && st.state == 'Z')
		hint("process %d has exited: a zombie, with no memory left, until its parent "
		     "reaps it (ps -o ppid= -p %d)",
		     (int)pid, (int)pid);
	else if (rc == -ESRCH || rc == -ENOENT)
		hint("no process %d: it exited, or the PID is wrong (see ps -p %d)", (int)pid,
		     (int)pid);
	else if ((rc == -EACCES || rc == -EPERM) && proc_root == NULL &&
		 memlock_proc_read_status(NULL, pid, &st) == 0 &&
		 memlock_proc_read_status(NULL, 0, &self) == 0 && st.ruid == self.euid &&
		 st.euid == self.euid && (st.cap_prm & ~self.cap_eff))
		hint_caps(pid, &st, &self);
	else if (rc == -EACCES || rc == -EPERM)
		hint("process %d belongs to another user: run memlock as that user or as root",
		     (int)pid);
}

void log_to_stderr(enum memlock_log_level level, const char *msg, void *data)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	(void)data;
	fprintf(stderr, "%s: libmemlock %s: %s\n", program_invocation_short_name, names[level],
		msg);
}
