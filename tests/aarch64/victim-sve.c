// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * victim-sve - SVE state across injections. Each round sets z0..z31 (lane i
 * of zN is N + 1 + i, 32-bit lanes) and p0..p15 (ptrue patterns), spins
 * ~20 ms in registers, stores them all and checks every lane: an injection
 * that keeps only the 128-bit V registers zeroes lanes 4 and up and the
 * predicates. Rounds (at least one) run until the control pipe closes. Built with
 * -march=armv8-a+sve; the driver runs it only when HWCAP_SVE is set.
 */
#include <arm_sve.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "victim.h"

#define SET_Z(n, v) "mov w9, #" #v "\n\tindex z" #n ".s, w9, #1\n\t"
#define STR_Z(n) "str z" #n ", [%[z], #" #n ", mul vl]\n\t"
#define STR_P(n) "str p" #n ", [%[p], #" #n ", mul vl]\n\t"
#define MAX_VL 256	/* bytes: the architecture's maximum */

static uint8_t zbuf[32 * MAX_VL], pbuf[16 * MAX_VL / 8], pgold[16 * MAX_VL / 8];

/* set every register, spin @spins times, store them: one asm, so that no
 * compiler-generated code touches a vector register in between */
static void window(unsigned long spins)
{
	__asm__ volatile(
		SET_Z(0, 1) SET_Z(1, 2) SET_Z(2, 3) SET_Z(3, 4) SET_Z(4, 5) SET_Z(5, 6)
		SET_Z(6, 7) SET_Z(7, 8) SET_Z(8, 9) SET_Z(9, 10) SET_Z(10, 11) SET_Z(11, 12)
		SET_Z(12, 13) SET_Z(13, 14) SET_Z(14, 15) SET_Z(15, 16) SET_Z(16, 17)
		SET_Z(17, 18) SET_Z(18, 19) SET_Z(19, 20) SET_Z(20, 21) SET_Z(21, 22)
		SET_Z(22, 23) SET_Z(23, 24) SET_Z(24, 25) SET_Z(25, 26) SET_Z(26, 27)
		SET_Z(27, 28) SET_Z(28, 29) SET_Z(29, 30) SET_Z(30, 31) SET_Z(31, 32)
		"ptrue p0.b, vl1\n\tptrue p1.h, vl2\n\tptrue p2.s, vl3\n\tptrue p3.d, vl1\n\t"
		"ptrue p4.b, vl5\n\tptrue p5.h, vl6\n\tptrue p6.s, vl7\n\tptrue p7.b, vl8\n\t"
		"ptrue p8.b, vl16\n\tptrue p9.b, vl32\n\tptrue p10.h, pow2\n\tptrue p11.s, mul3\n\t"
		"ptrue p12.b, mul4\n\tptrue p13.h, vl4\n\tptrue p14.d\n\tptrue p15.b\n\t"
		"mov x10, %[n]\n"
		"1:\tsubs x10, x10, #1\n\tb.ne 1b\n\t"
		STR_Z(0) STR_Z(1) STR_Z(2) STR_Z(3) STR_Z(4) STR_Z(5) STR_Z(6) STR_Z(7)
		STR_Z(8) STR_Z(9) STR_Z(10) STR_Z(11) STR_Z(12) STR_Z(13) STR_Z(14) STR_Z(15)
		STR_Z(16) STR_Z(17) STR_Z(18) STR_Z(19) STR_Z(20) STR_Z(21) STR_Z(22) STR_Z(23)
		STR_Z(24) STR_Z(25) STR_Z(26) STR_Z(27) STR_Z(28) STR_Z(29) STR_Z(30) STR_Z(31)
		STR_P(0) STR_P(1) STR_P(2) STR_P(3) STR_P(4) STR_P(5) STR_P(6) STR_P(7)
		STR_P(8) STR_P(9) STR_P(10) STR_P(11) STR_P(12) STR_P(13) STR_P(14) STR_P(15)
		:
		: [z] "r"(zbuf), [p] "r"(pbuf), [n] "r"(spins)
		: "x9", "x10", "cc", "memory",
		  "z0", "z1", "z2", "z3", "z4", "z5", "z6", "z7", "z8", "z9", "z10", "z11",
		  "z12", "z13", "z14", "z15", "z16", "z17", "z18", "z19", "z20", "z21", "z22",
		  "z23", "z24", "z25", "z26", "z27", "z28", "z29", "z30", "z31",
		  "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11",
		  "p12", "p13", "p14", "p15");
}

/* The lanes and predicates of the last window: the number of wrong ones.
 * @verbose: say the first wrong lane and the first wrong predicate byte. */
static int check(unsigned int lanes, unsigned int pbytes, long round, bool verbose)
{
	int zwrong = 0, pwrong = 0;

	for (unsigned int n = 0; n < 32; n++)
		for (unsigned int i = 0; i < lanes; i++) {
			uint32_t v;

			memcpy(&v, zbuf + n * lanes * 4 + i * 4, 4);
			if (v != n + 1 + i && zwrong++ == 0 && verbose)
				say("round %ld: z%u lane %u = %u, expected %u", round, n, i, v,
				    n + 1 + i);
		}
	for (unsigned int n = 0; n < 16; n++)
		for (unsigned int i = 0; i < pbytes; i++) {
			uint8_t v = pbuf[n * pbytes + i], e = pgold[n * pbytes + i];

			if (v != e && pwrong++ == 0 && verbose)
				say("round %ld: p%u byte %u = 0x%02x, expected 0x%02x", round, n, i, v,
				    e);
		}
	return zwrong + pwrong;
}

int main(void)
{
	unsigned int lanes = (unsigned int)svcntw(), pbytes = (unsigned int)svcntb() / 8;
	unsigned long spins = 100000;
	long round = 0, bad = 0;
	long long t0, dt;

	victim_name = "victim-sve";
	/* the reference predicates, and the spins for a ~10 ms window */
	t0 = now_ns();
	window(spins);
	dt = now_ns() - t0;
	memcpy(pgold, pbuf, sizeof(pgold));
	if (pgold[15 * pbytes] != 0xff) {
		say("ptrue p15.b stored 0x%02x, expected 0xff", pgold[15 * pbytes]);
		return 1;
	}
	if (dt > 0)
		spins = spins * 10000000ull / (unsigned long long)dt + 1;
	if (lanes <= 4)
		say("vector length %u bits: only the V registers, lanes 0-3", lanes * 32);
	ctl_nonblock();
	ready();
	while (!stop_asked()) {
		window(spins);
		if (check(lanes, pbytes, round, bad < 3))
			bad++;
		round++;
	}
	say("vector length %u bits, %ld rounds of %lu spins, %ld with wrong registers",
	    lanes * 32, round, spins, bad);
	return bad || round < 1 ? 1 : 0;
}
