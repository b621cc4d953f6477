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
# the version script lists exactly the functions the headers declare
# MEMLOCK_API, each in a version node, and the .so exports them versioned
top=$(cd "$(dirname "$0")/../.." && pwd)
declared=$(cat "$top"/include/memlock/*.h | tr '\n' ' ' |
	grep -oE 'MEMLOCK_API[^;(]*\(' | grep -oE '[a-z_0-9]+ *\($' | tr -d ' (' | grep -v '^__' | sort)
listed=$(grep -oE '^[[:space:]]+memlock_[a-z_0-9]+;' "$top/lib/libmemlock.map" | tr -d ' \t;' | sort)
check "the headers declare functions" test -n "$declared"
is "lib/libmemlock.map lists what the headers declare" "$(diff <(echo "$declared") <(echo "$listed"))" ""
is "lib/libmemlock.map lists each symbol in one node only" "$(uniq -d <<<"$listed")" ""
# one node per release, each after the first inheriting the one before it
# (MEMLOCK_1.1 { ... } MEMLOCK_1.0;)
nodes=$(grep -oE '^MEMLOCK_[0-9.]+ \{' "$top/lib/libmemlock.map" | tr -d ' {')
inherits=$(grep -oE '^\} *MEMLOCK_[0-9.]+;' "$top/lib/libmemlock.map" | tr -d ' };')
is "lib/libmemlock.map: each later node inherits the one before it" \
	"$inherits" "$(head -n -1 <<<"$nodes")"
if [ -e "$B/libmemlock.so" ]; then
	unversioned=$(globals -D "$B/libmemlock.so" | grep -v '@@MEMLOCK_[0-9]' | sort -u)
	is "libmemlock.so: every export has a version node" "$unversioned" ""
	is "libmemlock.so: soname libmemlock.so.1" \
		"$(objdump -p "$B/libmemlock.so" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')" libmemlock.so.1
fi

# the public headers compile as C++ (no GNU C in a macro a caller expands)
if command -v g++ >/dev/null; then
	printf '#include <memlock.h>\nint main() { return memlock_version() == nullptr; }\n' >"$B/cxx-test.cc"
	check "memlock.h compiles as C++ ($(g++ -std=c++11 -Wall -Werror -I"$top/include" -c -o /dev/null "$B/cxx-test.cc" 2>&1 | head -c 300))" \
		g++ -std=c++11 -Wall -Werror -I"$top/include" -c -o /dev/null "$B/cxx-test.cc"
	rm -f "$B/cxx-test.cc"
else
	ok "memlock.h as C++ # SKIP g++ is not installed"
fi
done_testing
