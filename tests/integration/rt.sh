#!/bin/bash
# memlock_rt_prepare() against the page-fault counters: a critical section
# (malloc/free of the heap reserve's size classes, 3/4 of the prefaulted
# stack) takes 0 faults after the preparation and many without it, mlockall
# alone is not enough, a fork brings the faults back and fires the callback,
# and where the lock does not fit (uid 65534, 8 MiB limit) the verdict says
# why. tests/integration/rt-faults.c does the work (unsanitized).
. "$(dirname "$0")/lib.sh"

RT=$(dirname "$VICTIM")/rt-faults
if [ ! -x "$RT" ]; then
	echo "1..0 # SKIP $RT is not built (make helpers)"
	exit 0
fi
# root with CAP_IPC_LOCK (bit 14 of CapEff): mlockall of the whole process
cap=$(awk '$1 == "CapEff:" { print $2 }' /proc/self/status)
if [ "$(id -u)" -ne 0 ] || (( !(0x${cap:-0} >> 14 & 1) )); then
	echo "1..0 # SKIP needs root with CAP_IPC_LOCK (mlockall of the whole process)"
	exit 0
fi
# faults MODE KIB KIB: the "faults MINOR MAJOR" line's two numbers, or "-"
faults() { "$RT" "$@" | awk '$1 == "faults" { print $2, $3; f = 1 } END { if (!f) print "-" }'; }
# many "MINOR MAJOR": ok when more than 100 in all
many() { [ "$1" != - ] && [ $(( ${1% *} + ${1#* } )) -gt 100 ]; }

out=$(faults plain 8192 512)
check "no preparation: the section takes many faults ($out)" many "$out"
out=$(faults lockonly 8192 512)
check "mlockall alone (no reserve, no prefault): still many ($out)" many "$out"
out=$("$RT" all 8192 512)
is "mlockall + mallopt + 8 MiB reserve + 512 KiB stack: every step done" \
	"$(awk '$1 == "prepared" { print $2 }' <<<"$out")" done=0x1f
is "... and the section takes 0 minor and 0 major faults" "$(awk '$1 == "faults" { print $2, $3 }' <<<"$out")" "0 0"

out=$("$RT" anon 8192 512)
is "anonymous memory only: 0 faults" "$(awk '$1 == "faults" { print $2, $3 }' <<<"$out")" "0 0"
is "... no file mapping locked" "$(awk '$1 == "file-locked" { print $2 }' <<<"$out")" 0
check "... anonymous bytes locked, file mappings skipped ($(grep prepared <<<"$out"))" \
	grep -Eq '^prepared .* anon=[1-9][0-9]* skipped=[1-9]' <<<"$out"

out=$("$RT" fork 8192 512)
is "a fork after preparation: the callback fires in the child" \
	"$(awk '$1 == "fork-callback" { print $2 }' <<<"$out")" fired
f=$(awk '$1 == "faults" { print $2, $3 }' <<<"$out")
check "... and the parent's section faults again (copy on write: $f)" many "${f:--}"

out=$("$RT" thread 8192 512)
is "memlock_rt_thread_create(): its stack takes 0 faults" \
	"$(awk '$1 == "rt-thread" { print $2, $3 }' <<<"$out")" "0 0"
pt=$(awk '$1 == "plain-thread" { print $2 + $3 }' <<<"$out")
check "... a plain thread's stack of the same size faults (${pt:-none})" test "${pt:-0}" -gt 50

# unprivileged, 8 MiB: the lock does not fit, and the verdict says why
nobody() { (ulimit -l 8192 && setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all -- "$RT" "$@"); }
if ! command -v setpriv >/dev/null; then
	skip "unprivileged runs" "setpriv is not installed"
	done_testing
	exit 0
fi
out=$(nobody all 16384 512)
rc=$?
is "uid 65534, 8 MiB limit, 16 MiB reserve: mlockall refused (exit 3)" $rc 3
check "... the lock step, ENOMEM, the predictor's cause and reason ($out)" \
	grep -Eq '^refused step=0x8 ENOMEM address-space: MCL_CURRENT needs the whole address space, VmSize .* above the soft RLIMIT_MEMLOCK of 8 MiB.* \(fixes [1-9]' <<<"$out"
is "... and no fault count is claimed" "$(grep -c '^faults' <<<"$out")" 0
out=$(nobody anon 16384 512)
check "anonymous only, 16 MiB: refused before locking, over the limit ($out)" \
	grep -Eq '^refused step=0x8 ENOMEM over-limit: locking .* over the soft RLIMIT_MEMLOCK of 8 MiB.* \(fixes [1-9]' <<<"$out"
is "uid 65534, 1 MiB reserve, 256 KiB stack: it fits, 0 faults" \
	"$(nobody all 1024 256 | awk '$1 == "faults" { print $2, $3 }')" "0 0"
done_testing
