#!/bin/bash
# The release build's libmemlock.so is ABI-compatible with the committed
# baseline of its soname (scripts/check-abi.sh), and the check fails for a
# library that drops the baseline's functions or changes a signature.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
B=${INSTALL_B:-$top/build}
case $B in /*) ;; *) B=$top/$B ;; esac
# the library the soname names, and the baseline of that soname
so=$(readlink -f "$B/libmemlock.so" 2>/dev/null)
soname=$(objdump -p "$so" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
base=$top/abi/$soname.abi
if ! command -v abidiff >/dev/null; then
	echo "1..0 # SKIP abidiff (abigail-tools) is not installed"
	exit 0
fi
if [ -z "$so" ]; then
	not_ok "the release build's libmemlock.so is in $B"
	done_testing
	exit
fi
check "a baseline is committed for $soname (abi/$soname.abi)" test -e "$base"
out=$("$top/scripts/check-abi.sh" "$so" "$base" 2>&1)
is "${so##*/} is compatible with ${base##*/} (${out:0:400})" "$?" 0

# The policy on small libraries: against a baseline of "v1" (two
# functions), the same library passes, one that adds a function in a
# node of its own passes, one that drops a function or changes a
# signature fails.
dir=$(mktemp -d)
at_exit "rm -rf '$dir'"
printf 'MEMLOCK_1.0 { global: memlock_version; memlock_cause_name; local: *; };\n' >"$dir/v1.map"
printf 'MEMLOCK_1.0 { global: memlock_version; local: *; };\n' >"$dir/gone.map"
printf 'MEMLOCK_1.0 { global: memlock_version; memlock_cause_name; local: *; };\nMEMLOCK_1.1 { global: memlock_added; } MEMLOCK_1.0;\n' >"$dir/added.map"
cp "$dir/v1.map" "$dir/sig.map"
printf '%s\n' '#include <memlock.h>' \
	'const char *memlock_version(void) { return "1.0.0"; }' \
	'const char *memlock_cause_name(enum memlock_cause c) { return c ? "x" : ""; }' >"$dir/v1.c"
cp "$dir/v1.c" "$dir/gone.c"
cp "$dir/v1.c" "$dir/added.c"
echo 'int memlock_added(int x); int memlock_added(int x) { return x; }' >>"$dir/added.c"
printf '%s\n' 'const char *memlock_version(int x);' 'const char *memlock_version(int x) { return x ? "1" : "0"; }' \
	'const char *memlock_cause_name(long c);' 'const char *memlock_cause_name(long c) { return c ? "" : "x"; }' >"$dir/sig.c"
for v in v1 gone added sig; do
	gcc -shared -fPIC -g -I"$top/include" -Wl,-soname,libmemlock.so.1 \
		-Wl,--version-script="$dir/$v.map" -o "$dir/libmemlock-$v.so" "$dir/$v.c" 2>"$dir/err" ||
		not_ok "build the $v library: $(head -c 300 "$dir/err")"
done
abidw --drop-private-types --no-corpus-path --out-file "$dir/v1.abi" "$dir/libmemlock-v1.so"
for v in v1 added; do
	out=$("$top/scripts/check-abi.sh" "$dir/libmemlock-$v.so" "$dir/v1.abi" 2>&1)
	is "against v1: the $v library passes (${out:0:300})" "$?" 0
done
for v in gone sig; do
	"$top/scripts/check-abi.sh" "$dir/libmemlock-$v.so" "$dir/v1.abi" >"$dir/out" 2>&1
	is "against v1: the $v library is refused" "$?" 1
	check "... saying it breaks the ABI" grep -q "breaks the ABI" "$dir/out"
done
done_testing
