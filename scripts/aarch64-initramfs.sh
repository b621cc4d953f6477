#!/bin/sh
# Packs the check-aarch64 guest's initramfs (cpio newc, gzip):
#   scripts/aarch64-initramfs.sh OUT BUSYBOX INIT BINARY...
# busybox goes to /bin, INIT to /init, the driver and victims to /test.
set -eu
out=$1 busybox=$2 init=$3
shift 3
root=$out.d
rm -rf "$root"
mkdir -p "$root/bin" "$root/test" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
cp "$init" "$root/init"
chmod 755 "$root/bin/busybox" "$root/init"
for b in "$@"; do
	cp "$b" "$root/test/"
done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$root"
