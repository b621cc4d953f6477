#!/bin/bash
# Every symbol libmemlock defines for others is prefixed: the static
# library's globals are public memlock_* or internal mlk_* (a program
# linking libmemlock.a must not meet an arch_pc or a parse_line of ours),
# and the shared library exports memlock_* alone. Reads the build next to
# $MEMLOCK.
. "$(dirname "$0")/lib.sh"

B=$(dirname "$MEMLOCK")
if ! command -v nm >/dev/null; then
	echo "1..0 # SKIP nm (binutils) is not installed"
	exit 0
fi

# the library's defined global symbols, one a line (weak ones too), but
# for the ODR indicators ASan adds to the sanitizer build
globals() {
	nm -g --defined-only "$@" 2>/dev/null |
		awk 'NF == 3 && $2 != "A" && $3 !~ /^__odr_asan[._]/ { print $3 }'
}

for f in "$B/libmemlock.a" "$B/libmemlock.so"; do
	if [ ! -e "$f" ]; then
		not_ok "$f is built"
		continue
	fi
	all=$(globals "$f")
	check "${f##*/}: defines memlock_* symbols" grep -q '^memlock_' <<<"$all"
done

if [ -e "$B/libmemlock.a" ]; then
	bad=$(globals "$B/libmemlock.a" | grep -Ev '^(memlock|mlk)_' | sort -u)
	is "libmemlock.a: every global is memlock_* or mlk_*" "$bad" ""
fi
if [ -e "$B/libmemlock.so" ]; then
	bad=$(globals -D "$B/libmemlock.so" | grep -Ev '^memlock_' | sort -u)
	is "libmemlock.so: exports memlock_* only" "$bad" ""
fi
done_testing
