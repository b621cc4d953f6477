// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * torture-victim [UNTOUCHED_KIB [TOUCHED_KIB]] - the target of
 * tests/integration/torture.sh: many threads, each blocked or busy in its own
 * way, each checking that nothing happens to it that would not happen
 * without memlock. Every thread counts what it sees; a check that fails
 * counts a violation. The threads:
 *
 *   sleep    nanosleep 3 ms in a loop: never shorter, never EINTR
 *   abs      clock_nanosleep(TIMER_ABSTIME) 7 ms: never early, never EINTR
 *   pipew    writes a numbered 16-byte record into a pipe every 5 ms
 *   piper    read()s them: every record whole, in order, none lost
 *   usr1     read() on a pipe that never has data, SIGUSR1 unblocked here
 *            alone, its handler without SA_RESTART: read returns EINTR
 *            exactly once per handler run, and never without one
 *   pause    pause(), SIGUSR2 unblocked here alone (handler without
 *            SA_RESTART): pause returns exactly once per handler run
 *   sigwait  sigwaitinfo(SIGRTMIN+3), blocked everywhere: counts them; an
 *            EINTR is a violation (memlock must not stop it: the harness
 *            never names it with --tid, and other threads are always fit)
 *   futex    FUTEX_WAIT 20 ms on a word nobody wakes: ETIMEDOUT, never early,
 *            never EINTR, never woken
 *   ping/pong  a futex ping-pong (untimed FUTEX_WAIT, ping paced by a 5 ms
 *            sleep): the two counts never drift apart by more than one
 *   condp/condc  a pthread_cond producer/consumer queue (one number every
 *            5 ms): numbers in order
 *   spin     xorshift in registers (30000 steps, twice, compared), then
 *            checks a 64 KiB slice of the touched memory and its own signal
 *            mask, then sleeps 20 ms
 *   fp       the same with doubles kept in xmm registers (four rotating
 *            vector pairs), compared bit for bit
 *
 * Every thread that wakes checks its signal mask is still the one it set.
 * Memory: TOUCHED_KIB (default 2048) written with a pattern that spin checks,
 * UNTOUCHED_KIB (default 16384) mapped and never touched (until locked).
 * Commands on stdin, one a line, one reply line on stdout:
 *
 *   tids      ok main=TID sleep=TID ... (one per thread, names as above)
 *   regions   ok touched=0xSTART-0xEND untouched=0xSTART-0xEND
 *   refresh   the untouched mapping replaced by a fresh one: ok untouched=...
 *   report    ok viol=N bad=NAME:N,...|none usr1=HANDLED/EINTR
 *                pause=HANDLED/RETURNED rt=N age=MS@THREAD ...
 *             (age: the longest time since a busy thread last made progress)
 *   quit      the report once more, as "done ...", then exit 1 if viol > 0
 *
 * It starts by printing "ready PID", and dies with its parent (PDEATHSIG).
 * SIGUSR1, SIGUSR2 and SIGRTMIN+3 are for the harness to send to the
 * process; every other thread blocks them.
 * Never built with sanitizers (their shadow would be locked by mlockall).
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SLEEP_NS 3000000ll
#define ABS_NS 7000000ll
#define FUTEX_NS 20000000ll
#define SPIN_STEPS 30000l
#define FP_STEPS 25000l
#define SLICE (64 * 1024)

/* threads with a heartbeat (they make progress on their own) come first */
enum { T_SLEEP, T_ABS, T_PIPEW, T_PIPER, T_FUTEX, T_PING, T_PONG, T_CONDP, T_CONDC,
       T_SPIN, T_FP, N_BEAT, T_USR1 = N_BEAT, T_PAUSE, T_SIGWAIT, T_MAIN, N_THREADS };
static const char *const tname[N_THREADS] = {
	"sleep", "abs", "pipew", "piper", "futex", "ping", "pong", "condp", "condc", "spin",
	"fp", "usr1", "pause", "sigwait", "main",
};
static atomic_int tids[N_THREADS];
static _Atomic long long beat[N_BEAT];

/* violations */
enum { V_SHORT, V_SLEEP_EINTR, V_ABS_EARLY, V_ABS_EINTR, V_PIPE_DATA, V_PIPE_EINTR,
       V_PIPE_WRITE, V_USR1_SPURIOUS, V_USR1_OTHER, V_USR1_READ, V_PAUSE_SPURIOUS,
       V_USR2_OTHER, V_SIGWAIT_EINTR, V_SIGWAIT_OTHER, V_FUTEX_EINTR, V_FUTEX_EARLY,
       V_FUTEX_WOKEN, V_PINGPONG, V_PINGPONG_EINTR, V_COND, V_SUM, V_FP, V_MEM, V_MASK,
       V_CMD_EINTR, N_VIOL };
static const char *const vname[N_VIOL] = {
	"short-sleep", "sleep-eintr", "abs-early", "abs-eintr", "pipe-data", "pipe-eintr",
	"pipe-write", "usr1-spurious-eintr", "usr1-wrong-thread", "usr1-read-returned",
	"pause-spurious-return", "usr2-wrong-thread", "sigwait-eintr", "sigwait-other",
	"futex-eintr", "futex-early", "futex-woken", "pingpong-drift", "pingpong-eintr",
	"cond-order", "checksum", "fp-checksum", "memory", "sigmask", "cmd-read-eintr",
};
static atomic_int viol[N_VIOL];
static atomic_long usr1_handled, usr1_eintr, usr2_handled, pause_ret, rt_received;
static atomic_long pings, pongs, recs, spins;

static int data_pipe[2], idle_pipe[2];
static int never_word;
static atomic_int turn;
static int rt_sig;

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_nonempty = PTHREAD_COND_INITIALIZER, q_nonfull = PTHREAD_COND_INITIALIZER;
static unsigned long q_ring[64], q_head, q_tail;

static uint64_t *touched;
static size_t touched_len, untouched_len;
static void *untouched;
static const uint64_t salt = 0x5deece66dull;

static void bad(int v)
{
	atomic_fetch_add(&viol[v], 1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static struct timespec ts_of(long long ns)
{
	return (struct timespec){ ns / 1000000000ll, ns % 1000000000ll };
}

static void alive(int t)
{
	atomic_store(&beat[t], now_ns());
}

static long sys_futex(int *uaddr, int op, int val, const struct timespec *to)
{
	return syscall(SYS_futex, uaddr, op, val, to, NULL, 0);
}

/* ---------------------------------------------------------- signal masks */
static sigset_t harness_sigs(void)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	sigaddset(&s, rt_sig);
	return s;
}

static _Thread_local sigset_t my_mask;

/* the thread's mask, as pthread_sigmask says it is now */
static sigset_t current_mask(void)
{
	sigset_t s;

	sigemptyset(&s);
	pthread_sigmask(SIG_BLOCK, NULL, &s);
	return s;
}

static void set_my_mask(int t, int unblock)
{
	sigset_t s;

	if (unblock) {
		sigemptyset(&s);
		sigaddset(&s, unblock);
		pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	}
	my_mask = current_mask();
	atomic_store(&tids[t], (int)gettid());
}

static void check_mask(void)
{
	sigset_t now = current_mask();

	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&now, sig) != sigismember(&my_mask, sig)) {
			bad(V_MASK);
			my_mask = now;	/* counted once, not on every round */
			return;
		}
}

/* --------------------------------------------------------------- sleepers */
static void *sleeper(void *arg)
{
	struct timespec ts = ts_of(SLEEP_NS);
	long long t0, dt;

	(void)arg;
	set_my_mask(T_SLEEP, 0);
	for (;;) {
		t0 = now_ns();
		if (nanosleep(&ts, NULL) < 0) {
			bad(errno == EINTR ? V_SLEEP_EINTR : V_SHORT);
		} else {
			/* longer is fine (a stop lengthens it), shorter never */
			dt = now_ns() - t0;
			if (dt < SLEEP_NS)
				bad(V_SHORT);
		}
		check_mask();
		alive(T_SLEEP);
	}
	return NULL;
}

static void *abs_sleeper(void *arg)
{
	struct timespec ts;
	long long deadline;
	int r;

	(void)arg;
	set_my_mask(T_ABS, 0);
	for (;;) {
		deadline = now_ns() + ABS_NS;
		ts = ts_of(deadline);
		r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (r == EINTR)
			bad(V_ABS_EINTR);
		else if (r != 0 || now_ns() < deadline)
			bad(V_ABS_EARLY);
		check_mask();
		alive(T_ABS);
	}
	return NULL;
}

/* ------------------------------------------------------------------ pipe */
struct rec {
	uint64_t seq, check;
};

static uint64_t rec_check(uint64_t seq)
{
	return (seq * 0x9e3779b97f4a7c15ull) ^ salt;
}

static void *pipe_writer(void *arg)
{
	struct timespec ts = ts_of(5000000);
	struct rec r;
	uint64_t seq = 0;
	ssize_t n;

	(void)arg;
	set_my_mask(T_PIPEW, 0);
	for (;;) {
		r.seq = seq;
		r.check = rec_check(seq);
		n = write(data_pipe[1], &r, sizeof(r));	/* atomic: below PIPE_BUF */
		if (n == (ssize_t)sizeof(r))
			seq++;
		else
			bad(n < 0 && errno == EINTR ? V_PIPE_EINTR : V_PIPE_WRITE);
		nanosleep(&ts, NULL);
		check_mask();
		alive(T_PIPEW);
	}
	return NULL;
}

static void *pipe_reader(void *arg)
{
	unsigned char buf[sizeof(struct rec)];
	size_t have = 0;
	uint64_t want = 0;
	struct rec r;
	ssize_t n;

	(void)arg;
	set_my_mask(T_PIPER, 0);
	for (;;) {
		n = read(data_pipe[0], buf + have, sizeof(buf) - have);
		if (n <= 0) {
			bad(n < 0 && errno == EINTR ? V_PIPE_EINTR : V_PIPE_DATA);
			continue;
		}
		have += (size_t)n;
		if (have < sizeof(buf))
			continue;
		have = 0;
		memcpy(&r, buf, sizeof(r));
		if (r.seq != want || r.check != rec_check(r.seq))
			bad(V_PIPE_DATA);
		want = r.seq + 1;
		atomic_fetch_add(&recs, 1);
		check_mask();
		alive(T_PIPER);
	}
	return NULL;
}

/* ------------------------------------------------------ signal receivers */
static void on_usr1(int sig)
{
	(void)sig;
	if ((int)gettid() != atomic_load(&tids[T_USR1]))
		bad(V_USR1_OTHER);
	atomic_fetch_add(&usr1_handled, 1);
}

static void on_usr2(int sig)
{
	(void)sig;
	if ((int)gettid() != atomic_load(&tids[T_PAUSE]))
		bad(V_USR2_OTHER);
	atomic_fetch_add(&usr2_handled, 1);
}

/* read() with SIGUSR1 deliverable here alone: EINTR iff the handler ran */
static void *usr1_reader(void *arg)
{
	long before;
	ssize_t n;
	char c;

	(void)arg;
	set_my_mask(T_USR1, SIGUSR1);
	for (;;) {
		before = atomic_load(&usr1_handled);
		n = read(idle_pipe[0], &c, 1);
		if (n < 0 && errno == EINTR) {
			if (atomic_load(&usr1_handled) == before)
				bad(V_USR1_SPURIOUS);
			atomic_fetch_add(&usr1_eintr, 1);
		} else {
			bad(V_USR1_READ);
		}
		check_mask();
	}
	return NULL;
}

static void *pauser(void *arg)
{
	long before;

	(void)arg;
	set_my_mask(T_PAUSE, SIGUSR2);
	for (;;) {
		before = atomic_load(&usr2_handled);
		pause();
		if (atomic_load(&usr2_handled) == before)
			bad(V_PAUSE_SPURIOUS);
		else
			atomic_fetch_add(&pause_ret, 1);
		check_mask();
	}
	return NULL;
}

static void *sigwaiter(void *arg)
{
	sigset_t set;
	siginfo_t si;
	int r;

	(void)arg;
	set_my_mask(T_SIGWAIT, 0);
	sigemptyset(&set);
	sigaddset(&set, rt_sig);
	for (;;) {
		r = sigwaitinfo(&set, &si);
		if (r == rt_sig)
			atomic_fetch_add(&rt_received, 1);
		else
			bad(r < 0 && errno == EINTR ? V_SIGWAIT_EINTR : V_SIGWAIT_OTHER);
		check_mask();
	}
	return NULL;
}

/* ----------------------------------------------------------------- futex */
static void *futex_waiter(void *arg)
{
	struct timespec to = ts_of(FUTEX_NS);
	long long t0;
	long r;

	(void)arg;
	set_my_mask(T_FUTEX, 0);
	for (;;) {
		t0 = now_ns();
		r = sys_futex(&never_word, FUTEX_WAIT_PRIVATE, 0, &to);
		if (r == 0)
			bad(V_FUTEX_WOKEN);
		else if (errno == EINTR)
			bad(V_FUTEX_EINTR);
		else if (errno != ETIMEDOUT || now_ns() - t0 < FUTEX_NS)
			bad(V_FUTEX_EARLY);
		check_mask();
		alive(T_FUTEX);
	}
	return NULL;
}

/* wait (untimed) while turn == val */
static void wait_turn(int val)
{
	while (atomic_load(&turn) == val)
		if (sys_futex((int *)&turn, FUTEX_WAIT_PRIVATE, val, NULL) < 0 && errno == EINTR)
			bad(V_PINGPONG_EINTR);
}

static void *pinger(void *arg)
{
	struct timespec ts = ts_of(5000000);

	(void)arg;
	set_my_mask(T_PING, 0);
	for (;;) {
		wait_turn(1);
		if (atomic_fetch_add(&pings, 1) != atomic_load(&pongs))
			bad(V_PINGPONG);
		atomic_store(&turn, 1);
		sys_futex((int *)&turn, FUTEX_WAKE_PRIVATE, 1, NULL);
		nanosleep(&ts, NULL);
		check_mask();
		alive(T_PING);
	}
	return NULL;
}

static void *ponger(void *arg)
{
	(void)arg;
	set_my_mask(T_PONG, 0);
	for (;;) {
		wait_turn(0);
		if (atomic_fetch_add(&pongs, 1) + 1 != atomic_load(&pings))
			bad(V_PINGPONG);
		atomic_store(&turn, 0);
		sys_futex((int *)&turn, FUTEX_WAKE_PRIVATE, 1, NULL);
		check_mask();
		alive(T_PONG);
	}
	return NULL;
}

/* ------------------------------------------------------------ cond queue */
static void *cond_producer(void *arg)
{
	struct timespec ts = ts_of(5000000);
	unsigned long seq = 0;

	(void)arg;
	set_my_mask(T_CONDP, 0);
	for (;;) {
		pthread_mutex_lock(&q_lock);
		while (q_tail - q_head == 64)
			pthread_cond_wait(&q_nonfull, &q_lock);
		q_ring[q_tail++ % 64] = seq++;
		pthread_cond_signal(&q_nonempty);
		pthread_mutex_unlock(&q_lock);
		nanosleep(&ts, NULL);
		check_mask();
		alive(T_CONDP);
	}
	return NULL;
}

static void *cond_consumer(void *arg)
{
	unsigned long want = 0, got;

	(void)arg;
	set_my_mask(T_CONDC, 0);
	for (;;) {
		pthread_mutex_lock(&q_lock);
		while (q_tail == q_head)
			pthread_cond_wait(&q_nonempty, &q_lock);
		got = q_ring[q_head++ % 64];
		pthread_cond_signal(&q_nonfull);
		pthread_mutex_unlock(&q_lock);
		if (got != want)
			bad(V_COND);
		want = got + 1;
		check_mask();
		alive(T_CONDC);
	}
	return NULL;
}

/* --------------------------------------------------------------- spinners */
/* noipa: two calls with the same arguments must both really run (clang has
 * no noipa: optnone keeps it from folding the two calls into one) */
#ifdef __clang__
#define NOIPA __attribute__((noinline, optnone))
#else
#define NOIPA __attribute__((noipa))
#endif

static NOIPA uint64_t mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d, long n)
{
	for (long i = 0; i < n; i++) {
		a ^= a << 13;
		a ^= a >> 7;
		a ^= a << 17;
		b ^= b << 5;
		b ^= b >> 11;
		b += a;
		c = c * 6364136223846793005ull + 1442695040888963407ull;
		d ^= c + (b >> 3);
	}
	return a ^ (b * 3) ^ (c * 5) ^ (d * 7);
}

static uint64_t pattern(size_t i)
{
	return (i * 0xff51afd7ed558ccdull) ^ salt;
}

static void *spinner(void *arg)
{
	struct timespec ts = ts_of(20000000);
	uint64_t seed = 88172645463325252ull, x, y;
	size_t off = 0, words = SLICE / sizeof(uint64_t), total = touched_len / sizeof(uint64_t);

	(void)arg;
	set_my_mask(T_SPIN, 0);
	for (;;) {
		x = mix(seed, seed * 3, seed * 5, seed * 7, SPIN_STEPS);
		y = mix(seed, seed * 3, seed * 5, seed * 7, SPIN_STEPS);
		if (x != y)
			bad(V_SUM);
		seed = x | 1;
		for (size_t i = 0; i < words && total; i++, off = (off + 1) % total)
			if (touched[off] != pattern(off)) {
				bad(V_MEM);
				touched[off] = pattern(off);
			}
		atomic_fetch_add(&spins, 1);
		check_mask();
		alive(T_SPIN);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

typedef double v2d __attribute__((vector_size(16)));

/* four rotations of vector pairs, all in xmm registers: |p, q| stays ~1 */
static NOIPA void fp_rotate(v2d out[8], const v2d in[8], long n)
{
	const v2d c0 = { 0.99995000041666528, 0.99980000266665778 };
	const v2d s0 = { 0.0099998333341666645, 0.019998666693333080 };
	const v2d c1 = { 0.99955003374898754, 0.99920010666097792 };
	const v2d s1 = { 0.029995500202495660, 0.039989334186634161 };
	v2d p0 = in[0], q0 = in[1], p1 = in[2], q1 = in[3];
	v2d p2 = in[4], q2 = in[5], p3 = in[6], q3 = in[7], t;

	for (long i = 0; i < n; i++) {
		t = p0 * c0 - q0 * s0; q0 = p0 * s0 + q0 * c0; p0 = t;
		t = p1 * c1 - q1 * s1; q1 = p1 * s1 + q1 * c1; p1 = t;
		t = p2 * c0 - q2 * s1; q2 = p2 * s1 + q2 * c0; p2 = t;
		t = p3 * c1 - q3 * s0; q3 = p3 * s0 + q3 * c1; p3 = t;
	}
	out[0] = p0; out[1] = q0; out[2] = p1; out[3] = q1;
	out[4] = p2; out[5] = q2; out[6] = p3; out[7] = q3;
}

static void *fp_spinner(void *arg)
{
	struct timespec ts = ts_of(20000000);
	v2d st[8], a[8], b[8];

	(void)arg;
	set_my_mask(T_FP, 0);
	for (int i = 0; i < 8; i++)
		st[i] = (v2d){ 0.5 + i * 0.01, 0.25 - i * 0.02 };
	for (;;) {
		fp_rotate(a, st, FP_STEPS);
		fp_rotate(b, st, FP_STEPS);
		if (memcmp(a, b, sizeof(a)) != 0)
			bad(V_FP);
		/* renormalize now and then so that rounding never drifts far */
		for (int i = 0; i < 8; i++)
			st[i] = a[i];
		if (st[0][0] * st[0][0] + st[1][0] * st[1][0] > 4.0 ||
		    st[0][0] * st[0][0] + st[1][0] * st[1][0] < 0.01)
			for (int i = 0; i < 8; i++)
				st[i] = (v2d){ 0.5 + i * 0.01, 0.25 - i * 0.02 };
		check_mask();
		alive(T_FP);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* --------------------------------------------------------------- commands */
static int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int say(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	return write(1, buf, (size_t)n) == n ? 0 : -1;
}

static int total_violations(void)
{
	int n = 0;

	for (int v = 0; v < N_VIOL; v++)
		n += atomic_load(&viol[v]);
	return n;
}

static int report(const char *head)
{
	char bads[1024] = "", *p = bads;
	long long now = now_ns(), age, oldest = 0;
	int worst = 0;

	for (int v = 0; v < N_VIOL; v++)
		if (atomic_load(&viol[v]))
			p += snprintf(p, sizeof(bads) - (size_t)(p - bads) - 1, "%s%s:%d",
				      p == bads ? "" : ",", vname[v], atomic_load(&viol[v]));
	for (int t = 0; t < N_BEAT; t++) {
		age = now - atomic_load(&beat[t]);
		if (age > oldest) {
			oldest = age;
			worst = t;
		}
	}
	return say("%s viol=%d bad=%s usr1=%ld/%ld pause=%ld/%ld rt=%ld age=%lld@%s recs=%ld "
		   "pings=%ld spins=%ld",
		   head, total_violations(), *bads ? bads : "none", atomic_load(&usr1_handled),
		   atomic_load(&usr1_eintr), atomic_load(&usr2_handled), atomic_load(&pause_ret),
		   atomic_load(&rt_received), oldest / 1000000, tname[worst],
		   atomic_load(&recs), atomic_load(&pings), atomic_load(&spins));
}

static void *map_untouched(void)
{
	void *p = mmap(NULL, untouched_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int command(const char *cmd)
{
	char buf[1024], *p = buf;

	if (strcmp(cmd, "tids") == 0) {
		for (int t = 0; t < N_THREADS; t++)
			p += snprintf(p, sizeof(buf) - (size_t)(p - buf), " %s=%d", tname[t],
				      atomic_load(&tids[t]));
		return say("ok%s", buf);
	}
	if (strcmp(cmd, "regions") == 0)
		return say("ok touched=%p-%p untouched=%p-%p", (void *)touched,
			   (void *)((char *)touched + touched_len), untouched,
			   (void *)((char *)untouched + untouched_len));
	if (strcmp(cmd, "refresh") == 0) {
		void *fresh = map_untouched();

		if (fresh == NULL)
			return say("err %s", strerrorname_np(errno));
		munmap(untouched, untouched_len);
		untouched = fresh;
		return say("ok untouched=%p-%p", untouched, (void *)((char *)untouched + untouched_len));
	}
	if (strcmp(cmd, "report") == 0)
		return report("ok");
	if (strcmp(cmd, "quit") == 0) {
		report("done");
		exit(total_violations() ? 1 : 0);
	}
	return say("err unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
	static void *(*const fn[N_THREADS - 1])(void *) = {
		sleeper, abs_sleeper, pipe_writer, pipe_reader, futex_waiter, pinger, ponger,
		cond_producer, cond_consumer, spinner, fp_spinner, usr1_reader, pauser, sigwaiter,
	};
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	size_t untouched_kib = argc > 1 ? strtoul(argv[1], NULL, 0) : 16384;
	size_t touched_kib = argc > 2 ? strtoul(argv[2], NULL, 0) : 2048;
	char line[256];
	size_t have = 0;
	pthread_attr_t attr;
	pthread_t th;
	sigset_t block;
	ssize_t n;

	/* never outlive the harness (killed, say), never hold its other
	 * victims' fifos open */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	close_range(3, ~0u, 0);
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	rt_sig = SIGRTMIN + 3;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	block = harness_sigs();
	sigprocmask(SIG_BLOCK, &block, NULL);	/* inherited by every thread */

	touched_len = touched_kib * 1024;
	untouched_len = (untouched_kib ? untouched_kib : 4) * 1024;
	touched = touched_len ? mmap(NULL, touched_len, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : NULL;
	untouched = map_untouched();
	if (touched == MAP_FAILED || untouched == NULL || pipe(data_pipe) < 0 ||
	    pipe(idle_pipe) < 0) {
		perror("torture-victim: setup");
		return 2;
	}
	for (size_t i = 0; i < touched_len / sizeof(uint64_t); i++)
		touched[i] = pattern(i);
	for (int t = 0; t < N_BEAT; t++)
		alive(t);
	set_my_mask(T_MAIN, 0);
	/* small stacks: what mlockall locks is mostly the two regions */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (int t = 0; t < N_THREADS - 1; t++)
		if (pthread_create(&th, &attr, fn[t], NULL) != 0) {
			perror("torture-victim: pthread_create");
			return 2;
		}
	for (int t = 0; t < N_THREADS; t++)
		while (atomic_load(&tids[t]) == 0)
			usleep(1000);
	say("ready %d", (int)getpid());

	/* commands: raw read(2), so that an EINTR is seen and counted */
	for (;;) {
		n = read(0, line + have, sizeof(line) - 1 - have);
		if (n < 0 && errno == EINTR) {
			bad(V_CMD_EINTR);
			continue;
		}
		if (n <= 0)
			break;
		have += (size_t)n;
		for (char *nl; (nl = memchr(line, '\n', have)) != NULL;) {
			*nl = 0;
			command(line);
			have -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, have);
		}
		if (have == sizeof(line) - 1)
			have = 0;
		check_mask();
	}
	report("done");
	return total_violations() ? 1 : 0;
}
