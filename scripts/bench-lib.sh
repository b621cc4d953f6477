# Sourced by the bench scripts.
# shellcheck shell=bash
# median: the median of the numbers on stdin, one a line
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
