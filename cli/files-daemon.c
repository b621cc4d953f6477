// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * How a holder runs as a service: --daemon (forked before anything is
 * locked, since locks are not inherited by fork(2); the parent exits with
 * the holder's outcome once the initial locking is done), --pidfile (held
 * with flock(2), so a second holder on it is refused), and the systemd
 * notify protocol (READY=1 only after the initial locking, STATUS= with
 * the locked total): a datagram to $NOTIFY_SOCKET, a path or "@abstract".
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "files.h"
#include "output.h"

static int pidfile_fd = -1;
static char *pidfile_path;

int daemon_start(void)
{
	int pfd[2];
	pid_t pid;
	unsigned char status;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		err(EXIT_FAILURE, "cannot start the daemon");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		err(EXIT_FAILURE, "cannot start the daemon");
	if (pid > 0) {	/* the parent: the holder's outcome is ours */
		close(pfd[1]);
		if (read(pfd[0], &status, 1) != 1) {
			int ws = 0;

			waitpid(pid, &ws, 0);
			warnx("the holder ended before it was ready%s",
			      WIFSIGNALED(ws) ? " (killed)" : "");
			exit(WIFEXITED(ws) && WEXITSTATUS(ws) ? WEXITSTATUS(ws) : EXIT_FAILURE);
		}
		exit(status);
	}
	close(pfd[0]);
	setsid();
	if (chdir("/") < 0)
		warn("cannot change directory to /");
	return pfd[1];
}

void daemon_ready(int fd, int status)
{
	unsigned char s = (unsigned char)status;
	int null;

	if (fd < 0)
		return;
	fflush(stdout);
	fflush(stderr);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {	/* from now on nobody reads the terminal we had */
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	if (write(fd, &s, 1) != 1)
		warn("cannot tell the parent");
	close(fd);
}

int pidfile_write(const char *path)
{
	char buf[32], *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	int fd, n;

	if (slash && slash != dir) {	/* its directory, as the default socket's is made */
		*slash = '\0';
		(void)mkdir(dir, 0755);
	}
	free(dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		warn_rc(-errno, "cannot write the PID file %s", user_str(path));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		warnx("another holder runs with the PID file %s (PID %.*s)", user_str(path),
		      (int)strcspn(buf, "\n"), buf);
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		warn_rc(-errno, "cannot write the PID file %s", user_str(path));
		close(fd);
		return -1;
	}
	pidfile_fd = fd;
	pidfile_path = strdup(path);
	return 0;
}

void pidfile_remove(void)
{
	if (pidfile_fd < 0)
		return;
	unlink(pidfile_path);
	close(pidfile_fd);
	free(pidfile_path);
	pidfile_fd = -1;
}

void notify(const char *fmt, ...)
{
	const char *env = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	char msg[512];
	va_list ap;
	int fd;

	if (env == NULL || (env[0] != '/' && env[0] != '@') || strlen(env) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, env, strlen(env));
	if (env[0] == '@')
		sa.sun_path[0] = '\0';	/* an abstract socket */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(env));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
		warn("cannot notify the service manager (%s)", user_str(env));
	close(fd);
}

void notify_status(struct memlock_holder *h, const char *state)
{
	struct memlock_holder_totals t = { .sz = sizeof(t) };
	char a[32];

	if (getenv("NOTIFY_SOCKET") == NULL || memlock_holder_totals(h, &t) < 0)
		return;
	notify("%sSTATUS=holding %s in %" PRIu64 " files", state ? state : "",
	       size_to_human(t.locked, a, sizeof(a)), t.files);
}
