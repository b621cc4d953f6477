#!/bin/sh
# What a make target needs, by its Debian package names. On Debian and its
# derivatives (os-release ID or ID_LIKE debian or ubuntu, with dpkg-query):
# the missing packages are installed with apt-get when root, otherwise the
# exact apt-get line is printed. Elsewhere nothing is installed: each need is
# probed (a command, a pkg-config module, a header) and what is missing is
# named, with exit status 1. Optional packages (the tests that need them
# skip, saying why, without them) are installed along, but one that cannot
# be installed is only named.
#   scripts/deps.sh build|check|bench|cross|aarch64|clang|abi
# MEMLOCK_OS_RELEASE: the os-release file to read (default /etc/os-release).
set -u
build="gcc make pkg-config libc6-dev libsmartcols-dev libjson-c-dev"
optional=""
case ${1:-build} in
build) want=$build ;;
check) want="$build libcmocka-dev util-linux python3 busybox-static shellcheck abigail-tools g++ time"
	# promtool, and node_exporter's textfile collector (metrics.sh)
	optional="prometheus prometheus-node-exporter" ;;
bench) want="$build hyperfine gdb python3 vmtouch libsodium-dev libssl-dev" ;;
cross) want="$build gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
aarch64) want="$build gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm cpio" ;;
clang) want="$build clang libcmocka-dev" ;;
abi) want="$build abigail-tools" ;;
*) echo "usage: $0 build|check|bench|cross|aarch64|clang|abi" >&2; exit 2 ;;
esac

debian_like() {
	# shellcheck disable=SC1090,SC2153 # os-release is shell, its names are its own
	os=$(. "${MEMLOCK_OS_RELEASE:-/etc/os-release}" 2>/dev/null && echo "$ID ${ID_LIKE:-}")
	case " $os " in
	*" debian "* | *" ubuntu "*) command -v dpkg-query >/dev/null ;;
	*) return 1 ;;
	esac
}

# probe PACKAGE: succeeds when what the Debian package gives is there;
# $what says what was looked for.
probe() {
	case $1 in
	gcc) what="a C compiler (${CC:-cc})"; command -v "${CC:-cc}" >/dev/null ;;
	libc6-dev) what="the C library's headers (stdio.h)"
		echo '#include <stdio.h>' | "${CC:-cc}" -E - >/dev/null 2>&1 ;;
	libsmartcols-dev) what="pkg-config module smartcols (libsmartcols headers)"
		pkg-config --exists smartcols 2>/dev/null ;;
	libjson-c-dev) what="pkg-config module json-c (json-c headers)"
		pkg-config --exists json-c 2>/dev/null ;;
	libcmocka-dev) what="pkg-config module cmocka (cmocka headers)"
		pkg-config --exists cmocka 2>/dev/null ;;
	libsodium-dev) what="pkg-config module libsodium (libsodium headers)"
		pkg-config --exists libsodium 2>/dev/null ;;
	libssl-dev) what="pkg-config module libcrypto (OpenSSL headers)"
		pkg-config --exists libcrypto 2>/dev/null ;;
	util-linux) what="command setpriv"; command -v setpriv >/dev/null ;;
	busybox-static) what="command busybox"; command -v busybox >/dev/null ;;
	gcc-aarch64-linux-gnu) what="command aarch64-linux-gnu-gcc"
		command -v aarch64-linux-gnu-gcc >/dev/null ;;
	libc6-dev-arm64-cross) what="the aarch64 C library's headers"
		echo '#include <stdio.h>' | aarch64-linux-gnu-gcc -E - >/dev/null 2>&1 ;;
	abigail-tools) what="command abidiff"; command -v abidiff >/dev/null ;;
	time) what="/usr/bin/time (GNU time)"; [ -x /usr/bin/time ] ;;
	prometheus) what="command promtool"; command -v promtool >/dev/null ;;
	qemu-system-arm) what="command qemu-system-aarch64"
		command -v qemu-system-aarch64 >/dev/null ;;
	*) what="command $1"; command -v "$1" >/dev/null ;;
	esac
}

if ! debian_like; then
	missing=""
	for p in $want; do
		probe "$p" || missing="$missing
  $what (Debian: $p)"
	done
	for p in $optional; do
		probe "$p" || echo "memlock: optional, not installed (its tests are skipped): $what (Debian: $p)" >&2
	done
	[ -z "$missing" ] && exit 0
	echo "memlock: missing, and not installed (not a Debian-like system):$missing" >&2
	echo "hint: install them with the system's package manager, then run make again" >&2
	exit 1
fi

# not_installed PACKAGE...: those dpkg does not have installed
not_installed() {
	for p in "$@"; do
		s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
		[ "$s" = installed ] || printf ' %s' "$p"
	done
}
# shellcheck disable=SC2086
missing=$(not_installed $want) opt_missing=$(not_installed $optional)
[ -z "$missing$opt_missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	if [ -z "$missing" ]; then
		echo "memlock: optional, not installed (their tests are skipped):$opt_missing" >&2
		exit 0
	fi
	echo "memlock: missing build dependencies:$missing" >&2
	echo "hint: install them with: sudo apt-get install$missing$opt_missing" >&2
	exit 1
fi
echo "memlock: installing missing build dependencies:$missing$opt_missing"
export DEBIAN_FRONTEND=noninteractive
# apt_install PACKAGE...: with the package lists updated when it fails
apt_install() {
	apt-get install -y -q --no-install-recommends "$@" >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$@" >/dev/null; }
}
# shellcheck disable=SC2086
apt_install $missing $opt_missing && exit 0
if [ -n "$opt_missing" ]; then
	echo "memlock: cannot install (optional, their tests are skipped):$opt_missing" >&2
	# shellcheck disable=SC2086
	[ -z "$missing" ] || apt_install $missing && exit 0
fi
echo "memlock: cannot install:$missing" >&2
echo "hint: check the package mirror in /etc/apt/sources.list, then: apt-get install$missing" >&2
exit 1
