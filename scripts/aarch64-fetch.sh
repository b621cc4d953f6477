#!/bin/sh
# Fetches Debian's arm64 kernel and static busybox for make check-aarch64,
# downloaded (never installed) from the host's apt mirror, once per machine:
#   scripts/aarch64-fetch.sh DIR     (DIR: build/aarch64-vm)
# The .debs are cached in DIR/debs; DIR/Image (the uncompressed arm64 kernel
# qemu's -kernel takes), DIR/busybox and DIR/kernel-version are extracted from
# them. arm64 is a dpkg foreign architecture only while apt downloads: a trap
# removes it again, even on failure, so host packages are never touched.
set -eu
dir=${1:-build/aarch64-vm}
debs=$dir/debs
mkdir -p "$debs"

have_debs() {
	ls "$debs"/linux-image-*_arm64.deb >/dev/null 2>&1 &&
		ls "$debs"/busybox-static_*_arm64.deb >/dev/null 2>&1
}

added=""
cleanup() {
	[ -n "$added" ] || return 0
	added=""
	dpkg --remove-architecture arm64 ||
		echo "memlock: could not remove the arm64 architecture: dpkg --remove-architecture arm64" >&2
	apt-get update -q >/dev/null 2>&1 || true	# drop the arm64 lists again
}

download() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "memlock: $debs holds no arm64 kernel and busybox yet, and fetching them needs root" >&2
		echo "hint: run once as root: scripts/aarch64-fetch.sh $dir" >&2
		exit 1
	fi
	if [ "$(dpkg --print-architecture)" != arm64 ] &&
		! dpkg --print-foreign-architectures | grep -qx arm64; then
		trap cleanup EXIT
		trap 'exit 130' INT TERM HUP
		added=1
		dpkg --add-architecture arm64
	fi
	echo "memlock: downloading Debian's arm64 kernel and busybox-static (not installed)"
	apt-get update -q >/dev/null
	# the version the metapackage points at, e.g. linux-image-6.1.0-28-arm64
	kpkg=$(apt-cache depends linux-image-arm64:arm64 |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-arm64\).*/\1/p' | head -n 1)
	if [ -z "$kpkg" ]; then
		kpkg=$(apt-cache search --names-only '^linux-image-[0-9.]+-[0-9]+-arm64$' |
			cut -d' ' -f1 | sort -V | tail -n 1)
	fi
	[ -n "$kpkg" ] || { echo "memlock: no linux-image-*-arm64 in the apt sources" >&2; exit 1; }
	tmp=$debs/tmp
	rm -rf "$tmp" && mkdir -p "$tmp"
	# apt's _apt user must be able to write where it downloads
	chown _apt "$tmp" 2>/dev/null || true
	(cd "$tmp" && apt-get download -q "$kpkg:arm64" busybox-static:arm64 >/dev/null)
	mv "$tmp"/*.deb "$debs"/
	rm -rf "$tmp"
	cleanup
}

have_debs || download
have_debs || { echo "memlock: download of the arm64 .debs failed" >&2; exit 1; }

x=$dir/extract
rm -rf "$x" && mkdir -p "$x"
for d in "$debs"/linux-image-*_arm64.deb "$debs"/busybox-static_*_arm64.deb; do
	dpkg-deb -x "$d" "$x"
done
set -- "$x"/boot/vmlinuz-*
[ -f "$1" ] || { echo "memlock: no /boot/vmlinuz-* in $debs" >&2; exit 1; }
cp "$1" "$dir/Image"
basename "$1" | sed 's/^vmlinuz-//' >"$dir/kernel-version"
cp "$x/bin/busybox" "$dir/busybox"
rm -rf "$x"
echo "memlock: arm64 kernel $(cat "$dir/kernel-version") and busybox in $dir"
