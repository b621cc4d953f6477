#!/bin/bash
# The installed library as a user sees it (issue 10): `make install` of the
# -O2 build into a temporary DESTDIR, then tests/pkgconfig/use-memlock.c
# built with `pkg-config --cflags --libs memlock` alone (PKG_CONFIG_PATH and
# PKG_CONFIG_SYSROOT_DIR point into that DESTDIR) and run against the
# installed libmemlock.so through LD_LIBRARY_PATH.
#   tests/pkgconfig/pkgconfig.sh [BUILD_DIR]   (default build: what make check builds)
# make's PREFIX and the like reach the inner `make install` through MAKEFLAGS.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh

B=${1:-build}
tmp=$(mktemp -d)
at_exit "rm -rf '$tmp'"
root=$tmp/root

if ! command -v "${PKG_CONFIG:-pkg-config}" >/dev/null; then
	echo "1..0 # SKIP no pkg-config"
	exit 0
fi
PKG_CONFIG=${PKG_CONFIG:-pkg-config}

# (-s: the install's lines would be taken for TAP)
make -s --no-print-directory B="$B" DESTDIR="$root" install >"$tmp/install.log" 2>&1
rc=$?
is "make install DESTDIR=... of $B" "$rc" 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp/install.log"

pc=$(find "$root" -name memlock.pc -print -quit)
check "memlock.pc is installed" test -n "$pc"
[ -n "$pc" ] || { done_testing; exit 1; }
export PKG_CONFIG_PATH=${pc%/memlock.pc} PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=

flags=$("$PKG_CONFIG" --cflags --libs memlock 2>&1)
check "pkg-config --cflags --libs memlock: $flags" test $? -eq 0
# shellcheck disable=SC2086 # the flags are words
check "a program built with the installed header and pkg-config's flags alone" \
	"${CC:-cc}" -std=c11 -Wall -Wextra -Werror -o "$tmp/use-memlock" \
	tests/pkgconfig/use-memlock.c $flags

# (its -L: --variable=libdir has the sysroot in front with pkgconf, not with pkg-config)
libdir=$("$PKG_CONFIG" --libs-only-L memlock)
libdir=${libdir#-L} libdir=${libdir%% *}
linked=$(LD_LIBRARY_PATH=$libdir ldd "$tmp/use-memlock" 2>&1 | awk '/libmemlock/ { print $3 }')
case $linked in
"$root"/*) ok "it loads the shared library installed in DESTDIR (${linked#"$root"})" ;;
*) not_ok "it loads the shared library installed in DESTDIR"; diag "ldd says: '$linked'" ;;
esac

out=$(LD_LIBRARY_PATH=$libdir "$tmp/use-memlock" 2>&1)
check "it runs: memlock_self_lock, memlock_proc_read_status, memlock_self_unlock" test $? -eq 0
[ -n "$out" ] && printf '# %s\n' "${out//$'\n'/$'\n'# }"
is "memlock_version() is the version memlock.pc names" \
	"$(sed -n 's/^version //p' <<<"$out")" "$("$PKG_CONFIG" --modversion memlock)"
locked=$(sed -n 's/^locked //p' <<<"$out")
unlocked=$(sed -n 's/^unlocked //p' <<<"$out")
check "VmLck read through the library counts the locked page ($locked bytes)" \
	test "${locked:-0}" -ge "$(getconf PAGESIZE)"
is "and drops by a page when it is unlocked" "$((${locked:-0} - ${unlocked:-0}))" "$(getconf PAGESIZE)"
done_testing
exit "$T_FAILED"
