// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A driver for LLVMFuzzerTestOneInput() where libFuzzer is not available:
 *
 *   fuzz-proc [-n ITER] [-s SEED] FILE...     TAP on stdout
 *   fuzz-proc -s SEED -r N [-o OUT] FILE...   rerun mutation N only (and
 *                                             save its input to OUT)
 *
 * Runs every FILE as is, then ITER (default 20000) mutations drawn from a
 * PRNG seeded with SEED (default 1): bit flips, truncations, byte insertions
 * and deletions, splices of two corpus files, dictionary tokens and runs of
 * huge digits. The same seed and files give the same inputs on every
 * machine, so a failure in CI reproduces anywhere. A crash kills the
 * process; the message on stderr names the mutation to rerun with -r.
 * Not linked into the libFuzzer build (make fuzz), which has its own main().
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* present only in sanitizer builds: called before ASan/UBSan exit */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

#define INPUT_MAX (256u << 10)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct input {
	const char *name;
	uint8_t *d;
	size_t len;
};

static struct input *files;
static size_t n_files;
static uint64_t seed = 1, rng;
static long cur_iter = -1;
static const char *cur_file;

/* splitmix64: tiny, and the same sequence everywhere */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* ------------------------------------------------------ crash reporting */

static void say(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r;
}

static void say_num(uint64_t v)
{
	char b[24];
	int i = sizeof(b);

	b[--i] = '\0';
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	say(b + i);
}

/* async-signal-safe: runs from a signal handler or a sanitizer's death */
static void report_crash(void)
{
	static volatile sig_atomic_t reported;

	/* ASan with abort_on_error calls the death callback, then SIGABRT */
	if (reported)
		return;
	reported = 1;
	if (cur_iter >= 0) {
		say("fuzz-proc: died in mutation ");
		say_num((uint64_t)cur_iter);
		say(" of seed ");
		say_num(seed);
		say(": rerun with -s SEED -r N -o FILE to get the input\n");
	} else if (cur_file != NULL) {
		say("fuzz-proc: died on ");
		say(cur_file);
		say("\n");
	}
}

static void on_fatal(int sig)
{
	report_crash();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ------------------------------------------------------------ mutations */

static const char *const dict[] = {
	"\n", ":", " ", "\t", "-", " kB", " kB\n", "\\040", "\\", "unlimited",
	"Max locked memory         ", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n",
	"Name:\t", "Pid:\t", "VmSize:\t", "VmLck:\t", "VmSwap:\t", "CapEff:\t", "Uid:\t",
	"Locked:", "Swap:", "Rss:", "VmFlags: lo lf ht pf io de mm dp ",
	"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ", "ffffffffffffffff-",
	"MemTotal:", "Mlocked:", "unevictable_pgs_mlocked ", "0::/system.slice/a.service\n",
	"/user@1000.service/", "/docker/", "/libpod-", "/kubepods", ".service", "0::", " (deleted)",
};

static const char *const numbers[] = {
	"0", "-1", "4294967295", "4294967296", "2147483648", "18014398509481984",
	"18446744073709551615", "18446744073709551616", "99999999999999999999999",
};

static void insert(struct input *b, size_t at, const void *src, size_t n)
{
	if (n > INPUT_MAX - b->len)
		n = INPUT_MAX - b->len;
	memmove(b->d + at + n, b->d + at, b->len - at);
	memcpy(b->d + at, src, n);
	b->len += n;
}

static void erase(struct input *b, size_t at, size_t n)
{
	if (n > b->len - at)
		n = b->len - at;
	memmove(b->d + at, b->d + at + n, b->len - at - n);
	b->len -= n;
}

static void mutate_once(struct input *b)
{
	static const uint8_t special[] = { 0, '\n', ' ', '\t', ':', '-', '\\', '0', '9', 'f',
					   0x7f, 0x80, 0xff };
	size_t pos = below(b->len + 1), n, i;
	const struct input *o;
	uint8_t tmp[64];
	const char *s;

	switch (below(10)) {
	case 0:	/* flip a bit */
		if (pos < b->len)
			b->d[pos] ^= (uint8_t)(1u << below(8));
		break;
	case 1:	/* set a byte */
		if (pos < b->len)
			b->d[pos] = below(2) ? special[below(sizeof(special))] : (uint8_t)rnd();
		break;
	case 2:	/* truncate */
		b->len = pos;
		break;
	case 3:	/* delete a range */
		erase(b, pos, 1 + below(64));
		break;
	case 4:	/* insert random bytes */
		n = 1 + below(16);
		for (i = 0; i < n; i++)
			tmp[i] = (uint8_t)rnd();
		insert(b, pos, tmp, n);
		break;
	case 5:	/* insert a token */
		s = dict[below(ARRAY_SIZE(dict))];
		insert(b, pos, s, strlen(s));
		break;
	case 6:	/* a run of huge digits, sometimes in kB */
		n = 10 + below(31);
		for (i = 0; i < n; i++)
			tmp[i] = (uint8_t)('1' + below(9));
		insert(b, pos, tmp, n);
		if (below(2))
			insert(b, pos + n, " kB", 3);
		break;
	case 7:	/* splice: this file's head, another's tail */
		o = &files[below(n_files)];
		b->len = pos;
		n = below(o->len + 1);
		insert(b, b->len, o->d + n, o->len - n);
		break;
	case 8:	/* duplicate a chunk */
		if (b->len == 0)
			break;
		i = below(b->len);
		n = 1 + below(sizeof(tmp));
		if (n > b->len - i)
			n = b->len - i;
		memcpy(tmp, b->d + i, n);
		insert(b, pos, tmp, n);
		break;
	default:	/* replace the number at or after pos by an edge value */
		while (pos < b->len && (b->d[pos] < '0' || b->d[pos] > '9'))
			pos++;
		n = 0;
		while (pos + n < b->len && b->d[pos + n] >= '0' && b->d[pos + n] <= '9')
			n++;
		erase(b, pos, n);
		s = numbers[below(ARRAY_SIZE(numbers))];
		insert(b, pos, s, strlen(s));
		break;
	}
}

static void make_mutation(struct input *b)
{
	const struct input *src = &files[below(n_files)];
	size_t k, n = 1 + below(8);

	b->len = src->len;
	memcpy(b->d, src->d, src->len);
	for (k = 0; k < n; k++)
		mutate_once(b);
}

/* ----------------------------------------------------------------- main */

static int read_input(const char *path, struct input *in)
{
	FILE *f = fopen(path, "rb");

	in->name = path;
	if (f == NULL)
		return -errno;
	in->d = malloc(INPUT_MAX);
	if (in->d == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	in->len = fread(in->d, 1, INPUT_MAX, f);
	fclose(f);
	return 0;
}

static int save(const char *path, const struct input *in)
{
	FILE *f = fopen(path, "wb");
	int bad;

	if (f == NULL)
		return -1;
	bad = fwrite(in->d, 1, in->len, f) != in->len;
	bad |= fclose(f) != 0;
	return bad ? -1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: fuzz-proc [-n ITER] [-s SEED] [-r N [-o FILE]] FILE...\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	unsigned long long iters = 20000, replay = 0;
	const char *out = NULL;
	struct input mut = { .name = "mutation" };
	bool do_replay = false;
	int c, rc, failed = 0;
	size_t i, t = 0;
	char *end;

	while ((c = getopt(argc, argv, "n:s:r:o:")) != -1) {
		errno = 0;
		switch (c) {
		case 'n':
			iters = strtoull(optarg, &end, 10);
			break;
		case 's':
			seed = strtoull(optarg, &end, 10);
			break;
		case 'r':
			replay = strtoull(optarg, &end, 10);
			do_replay = true;
			break;
		case 'o':
			out = optarg;
			end = optarg + strlen(optarg);
			break;
		default:
			return usage();
		}
		if (errno != 0 || *end != '\0' || end == optarg)
			return usage();
	}
	n_files = (size_t)(argc - optind);
	if (n_files == 0 || (out != NULL && !do_replay))
		return usage();
	files = calloc(n_files, sizeof(*files));
	mut.d = malloc(INPUT_MAX);
	if (files == NULL || mut.d == NULL)
		return 1;
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], on_fatal);
	if (__sanitizer_set_death_callback != NULL)
		__sanitizer_set_death_callback(report_crash);

	printf("1..%zu\n", do_replay ? (size_t)1 : n_files + 1);
	for (i = 0; i < n_files; i++) {
		rc = read_input(argv[optind + i], &files[i]);
		if (rc < 0) {
			printf("not ok %zu - fuzz: %s: cannot read: %s\n", ++t, files[i].name,
			       strerror(-rc));
			failed = 1;
			goto out;
		}
		if (do_replay)
			continue;
		cur_file = files[i].name;
		fflush(stdout);
		LLVMFuzzerTestOneInput(files[i].d, files[i].len);
		printf("ok %zu - fuzz: %s\n", ++t, files[i].name);
	}
	cur_file = NULL;

	rng = seed;
	for (cur_iter = 0; (unsigned long long)cur_iter < (do_replay ? replay + 1 : iters);
	     cur_iter++) {
		make_mutation(&mut);
		if (do_replay && (unsigned long long)cur_iter != replay)
			continue;
		/* saved before the run, which may not return */
		if (out != NULL && save(out, &mut) < 0) {
			fprintf(stderr, "fuzz-proc: cannot write %s: %s\n", out, strerror(errno));
			failed = 1;
		}
		fflush(stdout);
		LLVMFuzzerTestOneInput(mut.d, mut.len);
	}
	if (do_replay)
		printf("%sok 1 - fuzz: mutation %llu (seed %llu)\n", failed ? "not " : "", replay,
		       (unsigned long long)seed);
	else
		printf("ok %zu - fuzz: %llu mutations (seed %llu)\n", ++t, iters,
		       (unsigned long long)seed);
out:
	for (i = 0; i < n_files; i++)
		free(files[i].d);
	free(files);
	free(mut.d);
	return failed;
}
