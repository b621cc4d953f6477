#!/bin/bash
# Boots the check-aarch64 guest under qemu-system-aarch64 (software
# emulation) and turns its serial console into the result:
#   scripts/aarch64-vm.sh DIR [CASE...]
# DIR holds Image and initramfs.cpio.gz; the whole console goes to
# DIR/serial.log. Prints the guest's TAP lines and diagnostics as they come;
# exits 0 only if the summary line "N passed, 0 failed" came and no case failed.
set -u
dir=$1
shift
log=$dir/serial.log
limit=${AARCH64_TIMEOUT:-200}
cases=$(echo "$@" | tr ' ' ,)

# -cpu max: SVE, BTI and pointer authentication; pauth-impdef=on computes
# PACs with QEMU's fast algorithm instead of QARMA (the kernel signs every
# return: boot takes 3 s instead of 9); the guest still has paca and pacg.
# -nic none, or qemu stops at "failed to find romfile efi-virtio.rom".
t0=$EPOCHREALTIME
timeout "$limit" qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on -m 1024 -nographic -nic none \
	-no-reboot -kernel "$dir/Image" -initrd "$dir/initramfs.cpio.gz" \
	-append "console=ttyAMA0 rdinit=/init quiet panic=-1${cases:+ aarch64_cases=$cases}" \
	</dev/null 2>&1 | tr -d '\r' | tee "$log" |
	grep --line-buffered -E '^(ok|not ok) [0-9]+|^# |^1\.\.[0-9]|^[0-9]+ passed, [0-9]+ failed'
rc=${PIPESTATUS[0]}
secs=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.0f", a - b }')

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
if [ "$rc" -eq 124 ]; then
	echo "check-aarch64: qemu timed out after $limit s (console in $log)" >&2
	exit 1
elif [ "$rc" -ne 0 ]; then
	echo "check-aarch64: qemu exited with status $rc (console in $log)" >&2
	exit 1
elif [ -z "$summary" ]; then
	echo "check-aarch64: no summary line from the guest (console in $log)" >&2
	exit 1
fi
echo "check-aarch64: $summary, in $secs s"
if grep -q '^not ok [0-9]' "$log" || [ "${summary#* passed, }" != "0 failed" ]; then
	exit 1
fi
