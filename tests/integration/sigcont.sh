#!/bin/bash
# SIGCONT to the target during its stops. A SIGCONT takes a pending SIGSTOP
# away, the rescue net's too: a stop that resumed the thread with the
# injected registers in place, counting on that SIGSTOP to stop it again,
# let it run the rest of its read() with munlockall's answer (EOF) and every
# signal blocked (a review found it: 1 in 2-8 runs). fg on a stopped job and
# systemd's SIGTERM+SIGCONT do this. The target must come out of every
# attach and unlock blocked in its read, its mask empty.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (the target and memlock share no user otherwise)"
	exit 0
fi
target_start T build/helpers/target read
pid=$T_PID
( while kill -CONT "$pid" 2>/dev/null; do :; done) &
spam=$!
at_exit "kill $spam"
BAD="" n=0
for i in $(seq 12); do
	for cmd in attach unlock; do
		"$MEMLOCK" "$cmd" "$pid" >/dev/null 2>&1
		n=$((n + 1))
		blk=$(awk '/^SigBlk:/ { print $2 }' /proc/"$pid"/status 2>/dev/null)
		if [ -z "$blk" ]; then
			BAD="$BAD $cmd#$i(gone)"
			break 2
		fi
		[ "$blk" = 0000000000000000 ] || BAD="$BAD $cmd#$i(SigBlk $blk)"
	done
done
kill "$spam"
wait "$spam" 2>/dev/null
is "$n attaches and unlocks under a SIGCONT storm: the target reads on, its mask empty" \
	"${BAD:-none}" none
st=$(awk '/^State:|^TracerPid:/ { printf "%s ", $2 }' /proc/"$pid"/status 2>/dev/null)
is "the target is left sleeping in its read, untraced" "$st" "S 0 "
done_testing
