#!/bin/bash
# The build honours B=, CPPFLAGS, CFLAGS and LDFLAGS (issue 10): the whole
# tree (library, CLI, exec helper, unit tests, test helpers) built in a
# temporary B= with Debian's hardening flags. Nothing lands in build/; every
# dynamically linked program and the shared library are BIND_NOW (LDFLAGS
# -Wl,-z,now), the library, the CLI and the exec helper call the fortified
# __*_chk functions (CPPFLAGS -D_FORTIFY_SOURCE=2) and the stack protector
# (CFLAGS -fstack-protector-strong).
#   tests/make/flags.sh [MAKE VARIABLES...]      e.g. CC=clang
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

tmp=$(mktemp -d)
at_exit "rm -rf '$tmp'"
b=$tmp/b

if command -v dpkg-buildflags >/dev/null; then
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	cppflags=$(dpkg-buildflags --get CPPFLAGS)
	cflags=$(dpkg-buildflags --get CFLAGS)
	ldflags=$(dpkg-buildflags --get LDFLAGS)
else
	cppflags="-D_FORTIFY_SOURCE=2" cflags="-g -O2 -fstack-protector-strong"
	ldflags="-Wl,-z,relro -Wl,-z,now"
fi
diag "CPPFLAGS=$cppflags" "CFLAGS=$cflags" "LDFLAGS=$ldflags"

touch "$tmp/stamp"
make -j"$(nproc)" --no-print-directory B="$b" CPPFLAGS="$cppflags" CFLAGS="$cflags" \
	LDFLAGS="$ldflags" "$@" all tests helpers >"$tmp/make.log" 2>&1
rc=$?
is "make B=$b all tests helpers, with the flags" "$rc" 0
[ "$rc" -eq 0 ] || tail -20 "$tmp/make.log" | sed 's/^/# /'

new=$(find build -newer "$tmp/stamp" ! -type d 2>/dev/null | head -5)
is "nothing was written under build/" "$new" ""
for f in memlock libmemlock.so memlock-exec-helper helpers/victim helpers/target \
	 helpers/target-static helpers/torture-victim helpers/run-bigload tests/test-self; do
	check "$f is in B=" test -f "$b/$f"
done

# every ELF file of B= with a dynamic section: BIND_NOW
elves=$(find "$b" -type f -perm -u+x ! -name '*.o' -print; find "$b" -name 'lib*.so*' -type f)
n=0 lazy=""
for f in $elves; do
	readelf -d "$f" 2>/dev/null | grep -q '(NEEDED)' || continue
	n=$((n + 1))
	readelf -d "$f" | grep -qE '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).* NOW' || lazy="$lazy ${f#"$b"/}"
done
check "$n dynamically linked files, all built with LDFLAGS (BIND_NOW)" test "$n" -gt 10
is "none without BIND_NOW" "${lazy# }" ""

for f in memlock libmemlock.so memlock-exec-helper tests/test-self; do
	syms=$(nm -D --undefined-only "$b/$f" 2>/dev/null; nm --undefined-only "$b/$f" 2>/dev/null)
	check "$f: fortified calls (CPPFLAGS)" grep -qE '__[a-z0-9_]+_chk(@|$)' <<<"$syms"
	check "$f: stack protector (CFLAGS)" grep -q '__stack_chk_fail' <<<"$syms"
done
done_testing
exit "$T_FAILED"
