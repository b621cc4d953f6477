// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memlockd - keep chosen processes locked in RAM across restarts, forks and
 * execs, by the rules of /etc/memlock/memlockd.conf.
 *
 * memlockd [-c FILE] [--socket PATH] [--poll] [--check]
 *
 * It runs in the foreground. The work is done in a guarded worker
 * (cli/guard.c, as memlock attach): the process started waits, passes
 * SIGTERM, SIGINT, SIGHUP and SIGQUIT on, and should the worker be killed
 * inside a stop, puts the thread back from the rescue record; should the
 * process started be killed, the worker ends after the stop it is in
 * (its parent-death signal). The worker takes its signals from a signalfd
 * between injections: SIGHUP reloads, the others end it.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "../cli/files.h"
#include "memlockd.h"

#define DEFAULT_CONF "/etc/memlock/memlockd.conf"
#define DEFAULT_SOCKET "/run/memlockd.sock"
#define POLLFDS_MAX 16

static struct daemon D = { .nl_fd = -1, .sig_fd = -1, .listen_fd = -1, .files_ep = -1,
			   .ready_fd = -1 };

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

void logline(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void daemon_status_notify(const struct daemon *d)
{
	size_t locked = 0, failed = 0;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	for (size_t i = 0; i < d->nprocs; i++) {
		locked += d->procs[i].state == P_LOCKED;
		failed += d->procs[i].state == P_FAILED;
	}
	notify("STATUS=%zu rules, %zu processes locked, %zu failed (%s)", d->conf.nrules, locked,
	       failed, d->polling ? "polling /proc" : "process events");
}

/* The connector, unless the configuration or --poll says poll. */
static void choose_mode(struct daemon *d)
{
	bool poll_wanted = d->force_poll || d->conf.poll;

	if (poll_wanted && d->nl_fd >= 0) {
		close(d->nl_fd);
		d->nl_fd = -1;
	} else if (!poll_wanted && d->nl_fd < 0) {
		d->nl_fd = connector_open();
		if (d->nl_fd < 0)
			logline("the process events connector is not available (%s): polling /proc "
				"every %u ms", strerror(-d->nl_fd), d->conf.poll_ms);
	}
	d->polling = d->nl_fd < 0;
}

int daemon_reload(struct daemon *d, char *err, size_t errsz)
{
	struct conf nc, old;
	int rc = conf_load(d->conf_path, &nc, err, errsz);

	if (rc < 0) {
		logline("reload refused, the old rules go on: %s", err);
		return rc;
	}
	old = d->conf;
	d->conf = nc;
	choose_mode(d);
	procs_rematch(d);
	files_apply(d);
	conf_free(&old);
	logline("reloaded %s: %zu rules", user_str(d->conf_path), d->conf.nrules);
	daemon_status_notify(d);
	return 0;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* 1 when a signal says to end */
static int take_signals(struct daemon *d)
{
	struct signalfd_siginfo si;
	char err[PATH_MAX + 256];

	while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo != SIGHUP) {
			logline("%s: ending", strsignal((int)si.ssi_signo));
			return 1;
		}
		(void)daemon_reload(d, err, sizeof(err));
	}
	return 0;
}

/* WATCHDOG_USEC: a keep-alive at half of it (0: none); as
 * sd_watchdog_enabled(3), only when WATCHDOG_PID is unset or names this
 * process (a child started with the service's environment is not watched) */
static uint64_t watchdog_ns(void)
{
	const char *s = getenv("WATCHDOG_USEC"), *p = getenv("WATCHDOG_PID");
	unsigned long long us = s ? strtoull(s, NULL, 10) : 0;

	if (p != NULL && *p != '\0' && strtoll(p, NULL, 10) != (long long)getpid())
		return 0;
	return us * 1000 / 2;
}

static int timeout_ms(uint64_t now, uint64_t due)
{
	if (due <= now)
		return 0;
	due -= now;
	return due > 3600000ull * 1000000 ? 3600000 : (int)((due + 999999) / 1000000);
}

/* the textfile, when it is configured and due */
static void metrics_due(struct daemon *d, uint64_t now)
{
	int rc;

	if (d->conf.metrics_path == NULL || now < d->next_metrics)
		return;
	d->next_metrics = now + (uint64_t)d->conf.metrics_s * 1000000000;
	rc = metrics_write(d);
	if (rc < 0 && rc != d->metrics_err)
		logline("cannot write the metrics to %s: %s", user_str(d->conf.metrics_path),
			strerror(-rc));
	d->metrics_err = rc;
}

static void loop(struct daemon *d)
{
	uint64_t wd = watchdog_ns(), next_wd = wd ? now_ns() + wd : UINT64_MAX;
	uint64_t seen_locks = UINT64_MAX, seen_failures = UINT64_MAX;
	struct pollfd pf[POLLFDS_MAX];

	for (;;) {
		uint64_t now = now_ns(), due = d->next_poll, files_due = files_next_due(d, now);
		size_t n = 0, nc;

		due = procs_next_due(d) < due ? procs_next_due(d) : due;
		due = files_due < due ? files_due : due;	/* the follows' batches */
		due = next_wd < due ? next_wd : due;
		if (d->conf.metrics_path && d->next_metrics < due)
			due = d->next_metrics;
		pf[n++] = (struct pollfd){ .fd = d->sig_fd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = d->nl_fd, .events = POLLIN };	/* (-1: none) */
		pf[n++] = (struct pollfd){ .fd = d->files_ep, .events = POLLIN };	/* (-1: none) */
		nc = ctl_pollfds(pf + n, POLLFDS_MAX - n, &due);
		if (poll(pf, n + nc, timeout_ms(now, due)) < 0 && errno != EINTR)
			break;
		if ((pf[0].revents & POLLIN) && take_signals(d))
			break;
		if (d->nl_fd >= 0 && (pf[2].revents & (POLLIN | POLLERR)) && connector_read(d) < 0) {
			logline("the process events connector failed (%s): polling /proc",
				strerror(errno));
			close(d->nl_fd);
			d->nl_fd = -1;
			d->polling = true;
		}
		if (pf[1].revents & POLLIN)
			ctl_accept(d);
		if (pf[3].revents & POLLIN)
			files_events(d);
		now = now_ns();
		ctl_serve(d, pf + n, nc, now);
		if (now >= d->next_poll) {
			if (d->polling)
				procs_scan(d);
			d->next_poll = now + (uint64_t)d->conf.poll_ms * 1000000;
		}
		procs_tick(d, now);
		files_tick(d);
		metrics_due(d, now);
		if (now >= next_wd) {
			notify("WATCHDOG=1");
			next_wd = now + wd;
		}
		if (seen_locks != d->locks_total || seen_failures != d->failures_total) {
			seen_locks = d->locks_total;
			seen_failures = d->failures_total;
			daemon_status_notify(d);
		}
	}
}

static void raise_nofile(void)
{
	struct rlimit rl;

	/* a pidfd per process matched */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* --daemon: the initial locking done, the parent that waits exits 0. The
 * terminal is let go; a log file or pipe that stderr was sent to is kept
 * (memlockd's log is its stderr). */
static void detach(struct daemon *d)
{
	int keep;

	if (d->ready_fd < 0)
		return;
	keep = isatty(STDERR_FILENO) ? -1 : fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	daemon_ready(d->ready_fd, EXIT_SUCCESS);
	d->ready_fd = -1;
	if (keep >= 0) {
		dup2(keep, STDERR_FILENO);
		close(keep);
	}
}

/* The guarded worker. */
static int worker(int argc, char **argv)
{
	struct daemon *d = &D;
	int rc;

	(void)argc;
	(void)argv;
	raise_nofile();
	d->sig_fd = open_signals();
	if (d->sig_fd < 0)
		err(EXIT_FAILURE, "cannot take signals");
	choose_mode(d);
	rc = ctl_open(d);
	if (rc < 0) {
		warn_rc(rc, "cannot listen on %s", user_str(d->socket_path));
		return EXIT_FAILURE;
	}
	d->listen_fd = rc;
	logline("started: %zu rules from %s, %s, socket %s", d->conf.nrules,
		user_str(d->conf_path), d->polling ? "polling /proc" : "process events",
		user_str(d->socket_path));
	procs_scan(d);	/* the initial locking */
	files_apply(d);
	d->next_poll = now_ns() + (uint64_t)d->conf.poll_ms * 1000000;
	metrics_due(d, now_ns());
	notify("READY=1");
	daemon_status_notify(d);
	detach(d);
	loop(d);
	notify("STOPPING=1");
	ctl_close();
	close(d->listen_fd);
	(void)unlink(d->socket_path);
	pidfile_remove();	/* (the guard never returns: it ends as this worker does) */
	procs_free(d);
	files_release(d);
	conf_free(&d->conf);
	return EXIT_SUCCESS;
}

static void __attribute__((noreturn)) usage(void)
{
	fputs(USAGE_HEADER, stdout);
	printf(" %s [options]\n", program_invocation_short_name);
	fputs(USAGE_SEPARATOR, stdout);
	fputs("Keep the processes that the configuration names locked in RAM, across\n"
	      "restarts, forks and execs (memlock attach's injection, bounded pauses).\n",
	      stdout);
	fputs(USAGE_OPTIONS, stdout);
	fputs(" -c, --config <file>       the configuration (default " DEFAULT_CONF ")\n"
	      " -s, --socket <path>       the control socket (default " DEFAULT_SOCKET ")\n"
	      "     --poll                poll /proc, not the process events connector\n"
	      " -t, --check               check the configuration and exit\n"
	      "     --daemon              run in the background once the initial locking is done\n"
	      "     --pidfile <file>      write the PID there (held locked: one memlockd a file)\n",
	      stdout);
	fputs(USAGE_SEPARATOR, stdout);
	fputs(USAGE_HELP_OPTIONS, stdout);
	fputs(USAGE_MAN_TAIL("memlockd(8)"), stdout);
	exit(close_stdout_rc(EXIT_SUCCESS));
}

int main(int argc, char **argv)
{
	enum { OPT_POLL = 0x100, OPT_DAEMON, OPT_PIDFILE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "poll", no_argument, NULL, OPT_POLL },
		{ "check", no_argument, NULL, 't' },
		{ "daemon", no_argument, NULL, OPT_DAEMON },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char errbuf[PATH_MAX + 256];
	bool check = false, background = false;
	int c, rc;

	memlock_set_log(log_to_stderr, MEMLOCK_LOG_ERR, NULL);
	D.conf_path = DEFAULT_CONF;
	D.socket_path = DEFAULT_SOCKET;
	while ((c = cli_getopt(argc, argv, "c:s:thV", longopts)) != -1) {
		switch (c) {
		case 'c':
			D.conf_path = optarg;
			break;
		case 's':
			D.socket_path = optarg;
			break;
		case OPT_POLL:
			D.force_poll = true;
			break;
		case 't':
			check = true;
			break;
		case OPT_DAEMON:
			background = true;
			break;
		case OPT_PIDFILE:
			D.pidfile = optarg;
			break;
		case 'h':
			usage();
		case 'V':
			print_version();
		default:
			errtryhelp(NULL);
		}
	}
	if (optind < argc) {
		warnx("unexpected argument '%s'", user_str(argv[optind]));
		errtryhelp(NULL);
	}
	if (conf_load(D.conf_path, &D.conf, errbuf, sizeof(errbuf)) < 0) {
		warnx("%s", errbuf);
		return EXIT_FAILURE;
	}
	if (check) {
		printf("%s: %zu rules\n", user_str(D.conf_path), D.conf.nrules);
		conf_free(&D.conf);
		return close_stdout_rc(EXIT_SUCCESS);
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	D.ready_fd = background ? daemon_start() : -1;
	if (D.pidfile && pidfile_write(D.pidfile) < 0) {
		daemon_ready(D.ready_fd, EXIT_FAILURE);
		conf_free(&D.conf);
		return EXIT_FAILURE;
	}
	rc = run_guarded(worker, argc, argv);	/* (returns only when it ran unguarded) */
	pidfile_remove();
	return rc;
}
