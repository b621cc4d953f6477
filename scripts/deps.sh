#!/bin/sh
# Installs the Debian packages a make target needs, when they are missing:
# with apt-get when root, otherwise it says exactly what to install.
#   scripts/deps.sh build|check|bench|cross
set -u
build="gcc make pkg-config libc6-dev libsmartcols-dev"
case ${1:-build} in
build) want=$build ;;
check) want="$build libcmocka-dev util-linux python3 busybox-static shellcheck" ;;
bench) want="$build hyperfine gdb python3" ;;
cross) want="$build gcc-aarch64-linux-gnu libc6-dev-arm64-cross" ;;
aarch64) want="$build gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm cpio" ;;
*) echo "usage: $0 build|check|bench|cross" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "memlock: missing build dependencies:$missing" >&2
	echo "hint: install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "memlock: installing missing build dependencies:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null; } || {
	echo "memlock: cannot install:$missing" >&2
	echo "hint: check the package mirror in /etc/apt/sources.list, then: apt-get install$missing" >&2
	exit 1
}
