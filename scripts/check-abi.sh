#!/bin/sh
# The built library against the committed ABI of its soname (abidiff of
# Debian's abigail-tools): a function removed, a signature or a public
# type changed fails; a function added (in a version node of its own)
# passes. A change made compatible by design - a field appended to a
# struct that carries its size (sz) - is let through by a suppression in
# abi/suppressions.abignore that says why, reviewed like code.
#   scripts/check-abi.sh LIBRARY.so BASELINE.abi
# A new baseline (a release, or a deliberate soname bump) is written with
#   make abi-baseline
set -u
lib=$1 base=$2
top=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -e "$base" ]; then
	echo "memlock: no ABI baseline $base" >&2
	echo "hint: write it from the release build: make abi-baseline" >&2
	exit 1
fi
supp=$top/abi/suppressions.abignore
# (no --headers-dir2: the baseline's --short-locs keep only base names, so
# include/memlock/files.h and lib/files/files.h look alike to it, and a
# change of a public struct was filtered out as private; the baseline holds
# the public types only, and the opaque handles are suppressed by name)
set -- --no-added-syms
[ -e "$supp" ] && set -- "$@" --suppressions "$supp"
out=$(abidiff "$@" "$base" "$lib" 2>&1)
rc=$?
# abidiff's status is a bit mask: 1 error, 2 usage, 4 a change (a
# signature, a type), 8 an incompatible change (a function removed);
# additions are filtered out above
if [ $((rc & 3)) -ne 0 ]; then
	printf '%s\n' "$out" >&2
	echo "memlock: abidiff could not compare $lib with $base (status $rc)" >&2
	exit 1
fi
if [ $((rc & 12)) -ne 0 ]; then
	printf '%s\n' "$out" >&2
	echo "memlock: $lib breaks the ABI of $base" >&2
	echo "hint: keep the old function or layout (add, never change), or bump SOVERSION and run make abi-baseline" >&2
	exit 1
fi
echo "ABI of ${lib##*/}: compatible with ${base##*/}"
