// SPDX-License-Identifier: GPL-2.0-or-later
/* A library whose span is 12 MiB (its .bss): the dynamic loader maps it
 * whole before main, which under MCL_FUTURE counts against an 8 MiB
 * RLIMIT_MEMLOCK (tests/integration/run-startup.sh). */
char run_big_area[12 << 20];

int run_big_touch(void);
int run_big_touch(void)
{
	run_big_area[0] = 1;
	return run_big_area[0];
}
